"""A mechanical fix as a draft pull request: one branch, one commit, one PR that links the issue.

What is approved (``FixPullRequest``) is the whole new content of one manifest, the blob it
replaces, the branch, the commit message and the PR's title and body. The write then:

1. looks for a PR from our branch whose body carries the marker; if there is one, that is it;
2. checks the manifest on the base branch is still the blob the fix was made from (else the
   approval no longer describes the change; nothing is written);
3. creates the branch at the base branch's head (it may exist from an earlier attempt: a
   branch is only ours if its name is, and it is reused);
4. commits the new content through the contents API, unless the branch already has it;
5. opens the draft PR. After a 5xx or a "pull request already exists" the marker is looked up
   before anything is resent; after a timeout or a dropped connection we stop with "outcome
   unknown" for reconcile, as for issues.

Steps 3 and 4 are idempotent given the checks before them, so an attempt that died anywhere can
simply run again.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Annotated, Any
from urllib.parse import quote

import requests
from github import GithubException
from pydantic import BaseModel, ConfigDict, Field

from tools.github.credentials import FIX_PULL_REQUEST
from tools.publish.github_writer import GithubWriter
from tools.publish.publisher import PublishError

log = logging.getLogger(__name__)

BRANCH_PREFIX = "appsec-triage/"


class FixPullRequest(BaseModel):
    """Exactly what a fix PR changes and says; an approval covers all of it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repository: Annotated[
        str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
    ]
    base_branch: Annotated[str, Field(min_length=1, max_length=250)]
    branch: Annotated[str, Field(pattern=r"^appsec-triage/[a-z0-9][a-z0-9._-]{0,100}$")]
    path: Annotated[str, Field(min_length=1, max_length=1000)]
    base_blob: Annotated[str, Field(pattern=r"^[0-9a-f]{40}$")]
    """The git blob sha of the manifest the fix was computed from."""
    content: Annotated[str, Field(max_length=1_000_000)]
    commit_message: Annotated[str, Field(min_length=1, max_length=500)]
    title: Annotated[str, Field(min_length=1, max_length=256)]
    body: Annotated[str, Field(max_length=60_000)]
    marker: Annotated[str, Field(pattern=r"^<!-- appsec-triage:case=\d+:fix=[a-z0-9.-]{1,80} -->$")]

    @property
    def pr_body(self) -> str:
        return f"{self.body}\n\n{self.marker}\n"


def blob_sha(data: bytes) -> str:
    """The git blob sha of ``data``: what GitHub reports as a file's ``sha``."""
    header = f"blob {len(data)}\x00".encode()
    return hashlib.sha1(header + data, usedforsecurity=False).hexdigest()


class GithubFixPullRequests(GithubWriter):
    """Opens approved fix PRs as drafts."""

    def find(self, fix: FixPullRequest) -> str | None:
        """The URL of a PR from the fix's branch whose body carries its marker, if any."""
        owner = fix.repository.split("/")[0]
        pulls = self._json(
            fix.repository,
            "GET",
            f"/repos/{fix.repository}/pulls",
            {"state": "all", "head": f"{owner}:{fix.branch}"},
        )
        for pull in pulls if isinstance(pulls, list) else []:
            if isinstance(pull, dict) and fix.marker in str(pull.get("body") or ""):
                return str(pull.get("html_url"))
        return None

    def read_manifest(self, repository: str, ref: str, path: str) -> tuple[str, str]:
        """The text of ``path`` at ``ref`` and its blob sha, to compute a fix from."""
        data = self._file(repository, path, ref)
        if data is None:
            raise PublishError(f"{path} is not a file at {ref} in {repository}", written=False)
        try:
            text = base64.b64decode(str(data.get("content") or "")).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            raise PublishError(f"{path} is not UTF-8 text", written=False) from exc
        return text, str(data.get("sha"))

    def open(self, fix: FixPullRequest) -> str:
        """Branch, commit and draft PR, each only if not done yet; returns the PR's URL."""
        try:
            return self._open(fix)
        except _Ambiguous as exc:
            # The branch or the commit may or may not exist now; both steps are checked before
            # they are done again, so running the whole write again is safe.
            raise PublishError(
                f"{exc.message} preparing the fix branch; run it again", written=None
            ) from exc

    def _open(self, fix: FixPullRequest) -> str:
        found = self.find(fix)
        if found is not None:
            return found
        repo = f"/repos/{fix.repository}"
        current = self._file(fix.repository, fix.path, fix.base_branch)
        if current is None or current.get("sha") != fix.base_blob:
            raise PublishError(
                f"{fix.path} on {fix.base_branch} is no longer the file this fix was made from; "
                "propose the fix again",
                written=False,
            )
        base = self._json(fix.repository, "GET", f"{repo}/git/ref/heads/{quote(fix.base_branch)}")
        base_sha = base["object"]["sha"] if isinstance(base, dict) else None
        try:
            self._json(
                fix.repository,
                "POST",
                f"{repo}/git/refs",
                body={"ref": f"refs/heads/{fix.branch}", "sha": base_sha},
                write=True,
            )
        except _Refused as exc:
            if "already exists" not in exc.message:
                raise PublishError(exc.message, written=False) from exc
            log.info("branch %s exists from an earlier attempt; reusing it", fix.branch)
        new = fix.content.encode("utf-8")
        on_branch = self._file(fix.repository, fix.path, fix.branch)
        if on_branch is None or on_branch.get("sha") != blob_sha(new):
            try:
                self._json(
                    fix.repository,
                    "PUT",
                    f"{repo}/contents/{quote(fix.path)}",
                    body={
                        "message": fix.commit_message,
                        "content": base64.b64encode(new).decode(),
                        "sha": on_branch.get("sha") if on_branch else None,
                        "branch": fix.branch,
                    },
                    write=True,
                )
            except _Refused as exc:
                raise PublishError(exc.message, written=None) from exc
        return self._create_pull(fix)

    def _create_pull(self, fix: FixPullRequest) -> str:
        body = {
            "title": fix.title,
            "head": fix.branch,
            "base": fix.base_branch,
            "body": fix.pr_body,
            "draft": True,
        }
        failure = ""
        for attempt in range(1, self._settings.attempts + 1):
            try:
                pull = self._json(
                    fix.repository, "POST", f"/repos/{fix.repository}/pulls", body=body, write=True
                )
            except _Refused as exc:
                if "already exists" not in exc.message:
                    raise PublishError(exc.message, written=None) from exc
                failure = "GitHub says a pull request already exists"
            except _Ambiguous as exc:
                if exc.still_running:
                    raise PublishError(
                        f"{exc.message} while opening the pull request; GitHub may still open it, "
                        "so nothing is retried: run `appsec-triage reconcile`",
                        written=None,
                    ) from exc
                failure = exc.message
            else:
                return str(pull.get("html_url")) if isinstance(pull, dict) else ""
            found = self.find(fix)
            if found is not None:
                return found
            log.warning("%s (attempt %d); no PR carries %s", failure, attempt, fix.marker)
        raise PublishError(f"{failure}: could not confirm the pull request", written=None)

    def _file(self, repository: str, path: str, ref: str) -> dict[str, Any] | None:
        try:
            data = self._json(
                repository, "GET", f"/repos/{repository}/contents/{quote(path)}", {"ref": ref}
            )
        except _Refused as exc:
            if exc.status == 404:
                return None
            raise PublishError(exc.message, written=False) from exc
        return data if isinstance(data, dict) and data.get("type") == "file" else None

    def _json(
        self,
        repository: str,
        method: str,
        url: str,
        parameters: dict[str, Any] | None = None,
        *,
        body: dict[str, Any] | None = None,
        write: bool = False,
    ) -> Any:
        client = self._client(repository, FIX_PULL_REQUEST)
        try:
            _, data = client.requester.requestJsonAndCheck(
                method,
                url,
                parameters,
                input={k: v for k, v in (body or {}).items() if v is not None} if body else None,
            )
        except GithubException as exc:
            details = exc.data if isinstance(exc.data, dict) else {}
            listed = details.get("errors")
            errors: list[Any] = listed if isinstance(listed, list) else []
            text = " ".join(
                [str(details.get("message") or "")]
                + [str(e.get("message", "")) for e in errors if isinstance(e, dict)]
            ).strip()
            if exc.status >= 500:
                if not write:
                    raise PublishError(f"GitHub answered {exc.status}", written=False) from exc
                raise _Ambiguous(f"GitHub answered {exc.status}", still_running=False) from exc
            raise _Refused(exc.status, f"{exc.status} {text}"[:300]) from exc
        except requests.RequestException as exc:
            if not write:
                raise PublishError(
                    f"cannot reach GitHub: {type(exc).__name__}", written=False
                ) from exc
            raise _Ambiguous(f"{type(exc).__name__} talking to GitHub", still_running=True) from exc
        return data


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Ambiguous(Exception):
    def __init__(self, message: str, *, still_running: bool) -> None:
        super().__init__(message)
        self.message = message
        self.still_running = still_running
