"""GitHub's own alerts (code scanning, Dependabot, secret scanning), as the REST API sends them.

Each list goes to the same parser as an exported file of that format, so the API and a file on
disk make the same findings. Secret-scanning alerts carry the secret itself: the document stays in
memory and the parser redacts it, as it does for a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from github import Auth, Github, GithubException
from urllib3.util.retry import Retry

ALERT_KINDS = {
    "code-scanning": "github-code-scanning",
    "dependabot": "github-dependabot",
    "secret-scanning": "github-secret-scanning",
}
"""REST path segment → our format name."""

_PERMISSION = {
    "code-scanning": "Code scanning alerts: read",
    "dependabot": "Dependabot alerts: read",
    "secret-scanning": "Secret scanning alerts: read",
}
MAX_PAGES = 200
"""100 alerts a page: 20,000 alerts of one kind is more than any repository we expect."""


@dataclass(frozen=True)
class AlertList:
    kind: str
    format_name: str
    alerts: list[Any] | None
    """All pages, oldest page first; None when the list could not be read (see ``error``)."""
    error: str | None = None


def fetch_alert_lists(
    github: Github, repository: str, *, since: datetime | None
) -> list[AlertList]:
    """Every alert of every kind in ``repository``; ``since`` keeps those updated on or after it."""
    return [_fetch(github, repository, kind, since) for kind in ALERT_KINDS]


def _fetch(github: Github, repository: str, kind: str, since: datetime | None) -> AlertList:
    format_name = ALERT_KINDS[kind]
    url: str | None = f"/repos/{repository}/{kind}/alerts"
    parameters: dict[str, Any] | None = {"per_page": 100}
    alerts: list[Any] = []
    try:
        for _page in range(MAX_PAGES):
            if url is None:
                break
            headers, data = github.requester.requestJsonAndCheck("GET", url, parameters)
            if not isinstance(data, list):
                return AlertList(kind, format_name, None, "GitHub did not answer with a list")
            alerts.extend(data)
            url, parameters = _next_page(headers), None  # the next link carries its parameters
        else:
            return AlertList(kind, format_name, None, f"more than {MAX_PAGES} pages of alerts")
    except GithubException as exc:
        return AlertList(kind, format_name, None, _explain(exc, kind))
    except requests.RequestException as exc:
        return AlertList(kind, format_name, None, f"cannot reach GitHub: {type(exc).__name__}")
    if since is not None:
        alerts = [alert for alert in alerts if _changed_since(alert, since)]
    return AlertList(kind, format_name, alerts)


def _next_page(headers: dict[str, Any]) -> str | None:
    for part in str(headers.get("link", "")).split(","):
        target, _, relation = part.partition(";")
        if 'rel="next"' in relation:
            return target.strip().strip("<>")
    return None


def _changed_since(alert: Any, since: datetime) -> bool:
    updated = _updated(alert)
    return updated is None or updated >= since  # an alert without a date is kept


def _updated(alert: Any) -> datetime | None:
    stamp = alert.get("updated_at") or alert.get("created_at") if isinstance(alert, dict) else None
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) if stamp else None
    except ValueError:
        return None


def _explain(exc: GithubException, kind: str) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    message = str(data.get("message") or "")[:200]
    if exc.status == 404:
        return (
            f"404 {message}: {kind} is not enabled on this repository, or the token cannot see it"
        )
    if exc.status in (401, 403):
        return f"{exc.status} {message}: the token needs '{_PERMISSION[kind]}'"
    return f"{exc.status} {message}"


def read_client(base_url: str, token: str | Auth.Auth, *, timeout_seconds: int) -> Github:
    """A client for reading alerts: GETs retried briefly on 5xx, never a wait for a rate-limit
    reset (PyGithub's default can sleep for an hour; a triage run would rather say so)."""
    retry = Retry(
        total=2,
        backoff_factor=0.5,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=False,
        raise_on_status=False,
    )
    return Github(
        base_url=base_url,
        auth=Auth.Token(token) if isinstance(token, str) else token,
        timeout=timeout_seconds,
        retry=retry,
        per_page=100,
        seconds_between_requests=None,
    )
