"""The GitHub publisher: an approved ticket becomes one issue, whatever fails on the way.

Exactly once rests on three things. The caller claims an idempotency key in the store before the
call (agent/publishing.py). PyGithub's automatic retries are off, so a POST is sent once per
attempt, by us. And after an ambiguous failure we look for the case's hidden marker before
anything else:

- a 5xx answer: GitHub has finished with the request, so if no issue carries the marker, none
  was created, and the POST is sent again;
- a timeout or a dropped connection: GitHub may still be working on it, so a marker not found yet
  proves nothing. We stop with "outcome unknown"; ``appsec-triage reconcile`` looks again later.

Failures that prove nothing was written (a secondary rate limit, a 422) are retried after the
wait GitHub asks for, or reported as unwritten.
"""

from __future__ import annotations

import logging

import requests
from github import GithubException
from github.Repository import Repository

from tools.github.credentials import PUBLISH_ISSUES
from tools.publish.github_writer import GithubWriter
from tools.publish.publisher import PublishError
from tools.publish.ticket import Ticket

log = logging.getLogger(__name__)

BOT_LABEL = "appsec-triage"
"""Every issue we open carries it: the marker lookup lists these first."""


class GithubIssues(GithubWriter):
    """Creates issues in the ticket's repository through the GitHub REST API."""

    def find_published(self, repository: str, marker: str) -> str | None:
        """The URL of an issue in ``repository`` whose body carries ``marker``, if any.

        Lists our labelled issues (consistent, unlike search), then falls back to search in case
        someone removed the label.
        """
        repo = self._repository(repository)
        try:
            for issue in repo.get_issues(state="all", labels=[BOT_LABEL]):
                if marker in (issue.body or ""):
                    return str(issue.html_url)
            query = f'repo:{repository} is:issue in:body "{marker}"'
            for issue in self._client(repository, PUBLISH_ISSUES).search_issues(query):
                if marker in (issue.body or ""):
                    return str(issue.html_url)
        except GithubException as exc:
            raise PublishError(f"cannot look for {marker} in {repository}: {_reason(exc)}") from exc
        except requests.RequestException as exc:
            raise PublishError(f"cannot reach GitHub to look for {marker}: {exc}") from exc
        return None

    def publish(self, ticket: Ticket, marker: str) -> str:
        repo = self._repository(ticket.repository)
        body = f"{ticket.body}\n\n{marker}\n"
        labels = list(dict.fromkeys((*ticket.labels, BOT_LABEL)))
        for attempt in range(1, self._settings.attempts + 1):
            try:
                issue = repo.create_issue(
                    title=ticket.title, body=body, labels=labels, assignees=list(ticket.assignees)
                )
            except GithubException as exc:
                wait = self._secondary_limit_wait(exc)
                if wait is not None:
                    log.warning("GitHub secondary rate limit; waiting %.0f s", wait)
                    self._sleep(wait)
                    continue
                if exc.status < 500:
                    # 4xx: GitHub refused the request, so nothing was created.
                    raise PublishError(
                        f"GitHub refused the issue for {ticket.repository}: {_reason(exc)}",
                        written=False,
                    ) from exc
                failure = f"GitHub answered {exc.status}"
                still_running = False
            except requests.RequestException as exc:
                failure = f"{type(exc).__name__} talking to GitHub"
                still_running = True
            else:
                return str(issue.html_url)
            # Ambiguous: the issue may exist. Look before anything else.
            found = self.find_published(ticket.repository, marker)
            if found is not None:
                log.info("%s after the create; the issue exists: %s", failure, found)
                return found
            if still_running:
                raise PublishError(
                    f"{failure} while creating the issue in {ticket.repository}; GitHub may "
                    "still create it, so nothing is retried: run `appsec-triage reconcile`",
                    written=None,
                )
            log.warning("%s (attempt %d); no issue carries %s", failure, attempt, marker)
        raise PublishError(
            f"could not confirm an issue for {ticket.repository} after "
            f"{self._settings.attempts} attempts",
            written=None,
        )

    def _repository(self, full_name: str) -> Repository:
        return self._client(full_name, PUBLISH_ISSUES).get_repo(full_name)


def _reason(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    message = data.get("message") or str(exc)
    return f"{exc.status} {message}"[:300]
