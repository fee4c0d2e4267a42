"""GitHub App authentication: an installation token minted per run, per repository, per action.

The App's private key signs a short JWT (RS256, ``iss`` = the App id, valid for at most nine
minutes; GitHub refuses more than ten). With it we ask GitHub for an installation access token
(``POST /app/installations/{installation_id}/access_tokens``) limited to the one repository we
are about to touch and the permissions that action needs, nothing else. GitHub answers with the
permissions it actually granted; a grant wider than asked for is refused here, so a
misconfigured App never hands a broader token to the rest of the code.

Tokens live for an hour; one is reused for the same repository and permissions until five
minutes before it expires. The private key and the tokens are never logged or put in messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from github import Auth, Github, GithubException

from tools.github.credentials import CredentialsError, Permissions

log = logging.getLogger(__name__)

JWT_LIFETIME_SECONDS = 540
"""Nine minutes: under GitHub's ten-minute cap even with a clock a little ahead."""
JWT_BACKDATE_SECONDS = 60
"""``iat`` a minute in the past, as GitHub recommends, for clocks a little behind."""
REFRESH_BEFORE = timedelta(minutes=5)
_LEVELS = {"read": 1, "write": 2, "admin": 3}


class AppTokenError(CredentialsError):
    """No installation token could be minted; the message says what to check."""


@dataclass(frozen=True)
class GithubApp:
    """A GitHub App installation: which App, which installation, and the App's private key."""

    app_id: str
    installation_id: int
    private_key: str = field(repr=False)
    """PEM; from a file or the environment only (config/settings.py), never logged."""


@dataclass(frozen=True)
class _Minted:
    token: str = field(repr=False)
    expires_at: datetime


class AppInstallationTokens:
    """Mints and caches installation tokens scoped to one repository and a set of permissions."""

    kind = "app"

    def __init__(
        self,
        app: GithubApp,
        *,
        base_url: str,
        timeout_seconds: int = 15,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._app = app
        self._clock = clock
        self._cache: dict[tuple[str, tuple[tuple[str, str], ...]], _Minted] = {}
        auth = Auth.AppAuth(
            app.app_id,
            app.private_key,
            jwt_expiry=JWT_LIFETIME_SECONDS,
            jwt_issued_at=-JWT_BACKDATE_SECONDS,
        )
        # retry=None: a mint is cheap to repeat, but a triage run would rather say "GitHub is
        # down" than sit in PyGithub's backoff; the caller's next run mints again.
        self._github = Github(
            base_url=base_url,
            auth=auth,
            retry=None,
            timeout=timeout_seconds,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )

    def __repr__(self) -> str:
        return f"AppInstallationTokens(app_id={self._app.app_id!r})"

    def token_for(self, repository: str, permissions: Permissions) -> str:
        """An installation token for ``repository`` (OWNER/REPO) with exactly ``permissions``."""
        wanted = tuple(sorted(permissions.items()))
        key = (repository.lower(), wanted)
        cached = self._cache.get(key)
        if cached is not None and cached.expires_at - REFRESH_BEFORE > self._clock():
            return cached.token
        minted = self._mint(repository, dict(wanted))
        self._cache[key] = minted
        return minted.token

    def _mint(self, repository: str, permissions: dict[str, str]) -> _Minted:
        owner, sep, name = repository.partition("/")
        if not sep or not owner or not name or "/" in name:
            raise AppTokenError(f"not an OWNER/REPO name: {repository!r}")
        url = f"/app/installations/{self._app.installation_id}/access_tokens"
        body = {"repositories": [name], "permissions": permissions}
        try:
            _, data = self._github.requester.requestJsonAndCheck("POST", url, input=body)
        except GithubException as exc:
            raise AppTokenError(_explain(exc, self._app, repository, permissions)) from exc
        except requests.RequestException as exc:
            raise AppTokenError(
                f"cannot reach GitHub to mint an App token: {type(exc).__name__}"
            ) from exc
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            raise AppTokenError("GitHub's answer to the token request carried no token")
        _check_grant(data, permissions, repository)
        expires_at = _parse_time(data.get("expires_at")) or self._clock() + timedelta(minutes=55)
        log.info(
            "minted a GitHub App token for %s (%s), valid until %s",
            repository,
            ", ".join(f"{k}:{v}" for k, v in sorted(permissions.items())),
            expires_at.isoformat(),
        )
        return _Minted(str(data["token"]), expires_at)


def _check_grant(data: dict[str, object], asked: dict[str, str], repository: str) -> None:
    """Refuse a token wider than asked: more permissions, or every repository of the account."""
    granted = data.get("permissions")
    if isinstance(granted, dict):
        wider = sorted(
            name
            for name, level in granted.items()
            if _LEVELS.get(str(level), 3) > _LEVELS.get(asked.get(str(name), ""), 0)
        )
        if wider:
            raise AppTokenError(
                f"GitHub granted more than asked for {repository} ({', '.join(wider)}); refusing "
                "the token"
            )
    if data.get("repository_selection") == "all":
        raise AppTokenError(
            f"GitHub granted a token for every repository of the installation, not {repository}; "
            "refusing it"
        )


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _explain(
    exc: GithubException, app: GithubApp, repository: str, permissions: Permissions
) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    message = str(data.get("message") or "")[:200]
    asked = ", ".join(f"{k}: {v}" for k, v in sorted(permissions.items()))
    if exc.status == 401:
        return (
            f"401 {message}: GitHub did not accept the App's JWT; check "
            f"APPSEC_TRIAGE_GITHUB_APP_ID ({app.app_id}), that the private key is this App's, "
            "and the clock"
        )
    if exc.status == 404:
        return (
            f"404 {message}: no installation {app.installation_id} for App {app.app_id}; check "
            "APPSEC_TRIAGE_GITHUB_APP_INSTALLATION_ID"
        )
    if exc.status == 422:
        return (
            f"422 {message}: the installation cannot grant {asked} on {repository}; install the "
            "App on that repository and give it those permissions (docs/github.md)"
        )
    return f"{exc.status} {message}: could not mint an App token for {repository}"
