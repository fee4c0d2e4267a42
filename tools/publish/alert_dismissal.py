"""Writing an approved false positive back to GitHub as an alert dismissal.

One dismissal is one ``PATCH`` of one alert: code scanning and Dependabot alerts become
``dismissed`` with a reason and a comment, a secret-scanning alert becomes ``resolved`` with a
resolution and a comment. The request body is a pure function of the ``AlertDismissal`` the
approval covers (``request_body``), and the approval's hash covers that body too
(agent/dismissals.py), so what is sent is exactly what a person approved.

Setting an alert to the state it already has changes nothing, so a dismissal is idempotent by
nature: after an ambiguous failure (5xx, timeout, dropped connection) the same PATCH is simply
sent again. PyGithub's own retries stay off all the same, so every attempt is ours and counted.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Annotated, Any

import requests
from github import GithubException
from pydantic import BaseModel, ConfigDict, Field

from tools.github.credentials import (
    DISMISS_CODE_SCANNING,
    DISMISS_DEPENDABOT,
    RESOLVE_SECRET_SCANNING,
    Permissions,
)
from tools.ingest.formats import github_code_scanning, github_dependabot, github_secret_scanning
from tools.publish.github_writer import GithubWriter
from tools.publish.publisher import PublishError
from tools.sanitize.plain_comment import plain_comment

log = logging.getLogger(__name__)

MAX_COMMENT = 280
"""GitHub's limit for code-scanning and Dependabot dismissal comments; used for all three."""


class AlertKind(StrEnum):
    """Each is a segment of the alert's API path (``secret-scanning`` is no password)."""

    CODE_SCANNING = "code-scanning"
    DEPENDABOT = "dependabot"
    SECRET_SCANNING = "secret-scanning"  # noqa: S105  # nosec B105


ALERT_KIND_OF_TOOL = {
    github_code_scanning.TOOL: AlertKind.CODE_SCANNING,
    github_dependabot.TOOL: AlertKind.DEPENDABOT,
    github_secret_scanning.TOOL: AlertKind.SECRET_SCANNING,
}
"""The finding's ``tool`` → the kind of GitHub alert it was ingested from."""

FORMAT_OF_KIND = {
    AlertKind.CODE_SCANNING: github_code_scanning.FORMAT,
    AlertKind.DEPENDABOT: github_dependabot.FORMAT,
    AlertKind.SECRET_SCANNING: github_secret_scanning.FORMAT,
}

_PERMISSIONS: dict[AlertKind, Permissions] = {
    AlertKind.CODE_SCANNING: DISMISS_CODE_SCANNING,
    AlertKind.DEPENDABOT: DISMISS_DEPENDABOT,
    AlertKind.SECRET_SCANNING: RESOLVE_SECRET_SCANNING,
}
_PERMISSION_NAMES = {
    AlertKind.CODE_SCANNING: "Code scanning alerts: read and write",
    AlertKind.DEPENDABOT: "Dependabot alerts: read and write",
    AlertKind.SECRET_SCANNING: "Secret scanning alerts: read and write",
}


class AlertDismissal(BaseModel):
    """One alert to dismiss as a false positive, and the comment that says why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repository: Annotated[
        str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
    ]
    kind: AlertKind
    alert_number: Annotated[int, Field(ge=1)]
    comment: Annotated[str, Field(max_length=MAX_COMMENT)]

    def request_body(self) -> dict[str, Any]:
        """The exact PATCH body, per GitHub's description of each update-alert operation."""
        comment = plain_comment(self.comment, max_length=MAX_COMMENT)
        if self.kind is AlertKind.SECRET_SCANNING:
            return {
                "state": "resolved",
                "resolution": "false_positive",
                "resolution_comment": comment,
            }
        reason = "false positive" if self.kind is AlertKind.CODE_SCANNING else "inaccurate"
        return {"state": "dismissed", "dismissed_reason": reason, "dismissed_comment": comment}

    @property
    def path(self) -> str:
        return f"/repos/{self.repository}/{self.kind.value}/alerts/{self.alert_number}"


def dismissal_comment(*, case_id: int, note: str | None = None) -> str:
    """The comment GitHub shows on the dismissed alert; who approved it is in our audit trail."""
    text = f"False positive, confirmed by review in appsec-triage (case {case_id})."
    if note:
        text += f" {note}"
    return plain_comment(text, max_length=MAX_COMMENT)


class GithubAlertDismisser(GithubWriter):
    """Sends approved dismissals to GitHub's update-alert operations."""

    def dismiss(self, dismissal: AlertDismissal, body: dict[str, Any]) -> str:
        """Send ``body`` (the approved one) for ``dismissal``; returns the alert's URL."""
        client = self._client(dismissal.repository, _PERMISSIONS[dismissal.kind])
        failure = ""
        for attempt in range(1, self._settings.attempts + 1):
            try:
                _, data = client.requester.requestJsonAndCheck("PATCH", dismissal.path, input=body)
            except GithubException as exc:
                wait = self._secondary_limit_wait(exc)
                if wait is not None:
                    log.warning("GitHub secondary rate limit; waiting %.0f s", wait)
                    self._sleep(wait)
                    continue
                if exc.status < 500:
                    raise PublishError(_refused(exc, dismissal), written=False) from exc
                failure = f"GitHub answered {exc.status}"
            except requests.RequestException as exc:
                failure = f"{type(exc).__name__} talking to GitHub"
            else:
                url = data.get("html_url") if isinstance(data, dict) else None
                return str(url) if url else f"{self._settings.base_url}{dismissal.path}"
            # The same PATCH again is harmless: the alert ends in the same state either way.
            log.warning("%s dismissing %s (attempt %d)", failure, dismissal.path, attempt)
        raise PublishError(
            f"{failure} dismissing alert {dismissal.alert_number} of {dismissal.repository} after "
            f"{self._settings.attempts} attempts; the next attempt sends the same dismissal",
            written=None,
        )


def _refused(exc: GithubException, dismissal: AlertDismissal) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    message = str(data.get("message") or "")[:200]
    where = f"alert {dismissal.alert_number} ({dismissal.kind.value}) of {dismissal.repository}"
    if exc.status == 404:
        return f"404 {message}: {where} does not exist, or the token cannot see it"
    if exc.status in (401, 403):
        return f"{exc.status} {message}: the token needs '{_PERMISSION_NAMES[dismissal.kind]}'"
    return f"{exc.status} {message}: GitHub refused to dismiss {where}"
