"""What every GitHub writer shares: where it writes, its tokens, its client, its rate-limit rule.

The issue publisher, the follow-up writer, the alert dismisser and the fix-PR writer each send
different requests, but they get a token the same way (per repository and action, from a PAT or
a GitHub App installation), talk to GitHub through a client that never resends anything by
itself, and treat a secondary rate limit alike: wait as long as GitHub asks, up to a bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from github import Auth, Github, GithubException

from tools.github.credentials import CredentialsError, GithubCredentials, Permissions, StaticToken
from tools.publish.publisher import PublishError


@dataclass(frozen=True)
class GithubSettings:
    base_url: str
    """``https://api.github.com``, or ``https://HOST/api/v3`` for GitHub Enterprise Server."""
    timeout_seconds: int = 15
    attempts: int = 3
    """Write attempts per action; each after the first only once a lookup says it is unwritten."""
    max_retry_after_seconds: float = 120.0
    """Longest secondary-rate-limit wait we sit out; a longer one fails the write, unwritten."""


class GithubWriter:
    """The base of every class that writes to GitHub."""

    def __init__(
        self,
        settings: GithubSettings,
        token: str | GithubCredentials,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._settings = settings
        self._credentials = StaticToken(token) if isinstance(token, str) else token
        self._sleep = sleep

    @property
    def destination(self) -> str:
        """Where writes go, as recorded with each idempotency key."""
        return f"github:{urlsplit(self._settings.base_url).hostname or 'unknown'}"

    def _client(self, repository: str, permissions: Permissions) -> Github:
        """A client whose token is good for ``repository`` and ``permissions`` (a GitHub App
        mints one and reuses it until shortly before it expires; a PAT is the same every time)."""
        try:
            token = self._credentials.token_for(repository, permissions)
        except CredentialsError as exc:
            raise PublishError(str(exc), written=False) from exc
        # retry=None: PyGithub would otherwise resend a write after a timeout or a 5xx, and a
        # resent write after an unseen success is a duplicate issue, comment or pull request.
        return Github(
            base_url=self._settings.base_url,
            auth=Auth.Token(token),
            retry=None,
            timeout=self._settings.timeout_seconds,
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,  # get_repo sends nothing: the write or the lookup is the first request
        )

    def _secondary_limit_wait(self, exc: GithubException) -> float | None:
        """Seconds to wait for a secondary rate limit (403/429 with retry-after), else None.

        PublishError (unwritten) when GitHub asks for longer than we are willing to wait.
        """
        if exc.status not in (403, 429):
            return None
        headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
        retry_after = headers.get("retry-after")
        data = exc.data if isinstance(exc.data, dict) else {}
        message = str(data.get("message") or exc).lower()
        if retry_after is None and "secondary rate limit" not in message:
            return None
        try:
            wait = float(retry_after) if retry_after is not None else 60.0
        except ValueError:
            wait = 60.0
        if wait > self._settings.max_retry_after_seconds:
            raise PublishError(
                f"GitHub asks to wait {wait:.0f} s (secondary rate limit); try again later",
                written=False,
            ) from exc
        return wait
