"""Follow-ups on an issue we opened: a comment when a later scan sees the case again, and
closing it (with a comment that says why) once every finding of the case is fixed.

A comment is not idempotent: sent twice, it shows twice. So each carries a hidden marker
(``<!-- appsec-triage:case=N:followup=KEY -->``), the issue's comments are searched for it before
the POST, and after an ambiguous failure it is looked up again before anything is resent,
exactly like the issue itself (tools/publish/github_issues.py):

- 5xx: GitHub has finished with the request; no comment with the marker means none was made;
- timeout or dropped connection: GitHub may still be posting it; we stop with "outcome unknown"
  (``written=None``) and the caller records it for reconciliation.

Closing is a PATCH to ``state=closed`` and is idempotent; it runs only after the comment exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated

import requests
from github import GithubException
from github.Issue import Issue
from pydantic import BaseModel, ConfigDict, Field

from tools.github.credentials import PUBLISH_ISSUES
from tools.publish.github_writer import GithubWriter
from tools.publish.publisher import PublishError

log = logging.getLogger(__name__)


class IssueFollowup(BaseModel):
    """One comment on one of our issues, and whether the issue is then closed as completed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repository: Annotated[str, Field(min_length=3, max_length=500)]
    issue_number: Annotated[int, Field(ge=1)]
    body: Annotated[str, Field(min_length=1, max_length=60_000)]
    marker: Annotated[
        str, Field(pattern=r"^<!-- appsec-triage:case=\d+:followup=[a-z0-9-]{1,60} -->$")
    ]
    close: bool = False

    @property
    def comment(self) -> str:
        return f"{self.body}\n\n{self.marker}\n"


def followup_marker(case_id: int, key: str) -> str:
    """The hidden marker of one follow-up of a case (``key``: lower-case, digits, dashes)."""
    return f"<!-- appsec-triage:case={case_id}:followup={key} -->"


class GithubIssueFollowups(GithubWriter):
    """Comments on, and closes, issues in the follow-up's repository."""

    def find(self, followup: IssueFollowup) -> str | None:
        """The follow-up comment's URL, if the issue has it (and is closed, if it must be)."""
        issue = self._issue(followup)
        url = self._find_comment(issue, followup)
        if url is None:
            return None
        if followup.close and self._call(lambda: issue.state) != "closed":
            return None
        return url

    def apply(self, followup: IssueFollowup) -> str:
        """Post the comment once, then close the issue if asked; returns the comment's URL."""
        issue = self._issue(followup)
        url = self._find_comment(issue, followup) or self._post(issue, followup)
        if followup.close:
            self._close(issue, followup)
        return url

    def _post(self, issue: Issue, followup: IssueFollowup) -> str:
        failure = ""
        for attempt in range(1, self._settings.attempts + 1):
            try:
                return str(issue.create_comment(followup.comment).html_url)
            except GithubException as exc:
                wait = self._secondary_limit_wait(exc)
                if wait is not None:
                    self._sleep(wait)
                    continue
                if exc.status < 500:
                    raise PublishError(_refused(exc, followup), written=False) from exc
                failure = f"GitHub answered {exc.status}"
            except requests.RequestException as exc:
                raise PublishError(
                    f"{type(exc).__name__} commenting on {followup.repository}#"
                    f"{followup.issue_number}; GitHub may still post it, so nothing is retried",
                    written=None,
                ) from exc
            found = self._find_comment(issue, followup)
            if found is not None:
                return found
            log.warning("%s (attempt %d); no comment carries the marker", failure, attempt)
        raise PublishError(
            f"{failure}: could not confirm the comment after {self._settings.attempts} attempts",
            written=None,
        )

    def _close(self, issue: Issue, followup: IssueFollowup) -> None:
        failure = ""
        for _attempt in range(self._settings.attempts):
            try:
                issue.edit(state="closed", state_reason="completed")
                return
            except GithubException as exc:
                wait = self._secondary_limit_wait(exc)
                if wait is not None:
                    self._sleep(wait)
                    continue
                if exc.status < 500:
                    raise PublishError(_refused(exc, followup), written=None) from exc
                failure = f"GitHub answered {exc.status}"
            except requests.RequestException as exc:
                failure = f"{type(exc).__name__} talking to GitHub"
            # Closing a closed issue changes nothing: the same PATCH again is safe.
        raise PublishError(
            f"{failure}: the comment is posted but the issue could not be closed; the next "
            "attempt closes it",
            written=None,
        )

    def _find_comment(self, issue: Issue, followup: IssueFollowup) -> str | None:
        def look() -> str | None:
            for comment in issue.get_comments():
                if followup.marker in (comment.body or ""):
                    return str(comment.html_url)
            return None

        return self._call(look)

    def _issue(self, followup: IssueFollowup) -> Issue:
        github = self._client(followup.repository, PUBLISH_ISSUES)
        return github.get_repo(followup.repository).get_issue(followup.issue_number)

    def _call(self, read: Callable[[], str | None]) -> str | None:
        try:
            return read()
        except GithubException as exc:
            data = exc.data if isinstance(exc.data, dict) else {}
            raise PublishError(
                f"cannot read the issue's comments: {exc.status} {data.get('message', '')}"[:300]
            ) from exc
        except requests.RequestException as exc:
            raise PublishError(f"cannot reach GitHub: {type(exc).__name__}") from exc


def _refused(exc: GithubException, followup: IssueFollowup) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    message = str(data.get("message") or "")[:200]
    return (
        f"GitHub refused the follow-up on {followup.repository}#{followup.issue_number}: "
        f"{exc.status} {message}"
    )
