"""A GitHub token for one repository and one action: a fixed PAT, or a freshly minted App token.

Callers ask ``token_for(repository, permissions)`` right before they talk to GitHub. A
fine-grained PAT ignores the question (its scope was fixed when it was created); a GitHub App
mints an installation token limited to exactly that repository and those permissions
(tools/github/app_tokens.py), so a bug or a forged payload cannot use the token elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from github import Auth, GithubException

from tools.errors import ToolError

Permissions = Mapping[str, str]
"""GitHub App permission names (``issues``, ``contents``, ...) → ``read`` or ``write``."""

PUBLISH_ISSUES: Permissions = {"issues": "write", "metadata": "read"}
"""Open issues, comment on them, close them (and list ours to find a marker again)."""

SECRET_SCANNING_ALERTS = "secret_scanning_alerts"  # noqa: S105  # nosec B105
"""A permission's name, not a secret: named once, so the password checks of ruff and Bandit
(a key or a name with "secret" in it) need silencing only here."""

READ_ALERTS: Permissions = {
    "contents": "read",
    "metadata": "read",
    "security_events": "read",
    "vulnerability_alerts": "read",
    SECRET_SCANNING_ALERTS: "read",
}
"""``ingest --github``: the three alert lists and the default branch's commit."""

READ_CODE: Permissions = {"contents": "read", "metadata": "read"}
"""Code context at a commit (tools/repo/github_source.py)."""

DISMISS_CODE_SCANNING: Permissions = {"security_events": "write", "metadata": "read"}
DISMISS_DEPENDABOT: Permissions = {"vulnerability_alerts": "write", "metadata": "read"}
RESOLVE_SECRET_SCANNING: Permissions = {
    SECRET_SCANNING_ALERTS: "write",
    "metadata": "read",
}

FIX_PULL_REQUEST: Permissions = {
    "contents": "write",
    "pull_requests": "write",
    "metadata": "read",
}
"""A branch, a commit and a draft pull request for a mechanical fix."""


class CredentialsError(ToolError):
    """No token could be had for a repository; the message says what to check."""


class GithubCredentials(Protocol):
    """Where GitHub tokens come from."""

    @property
    def kind(self) -> str:
        """``token`` or ``app``, for messages."""
        ...

    def token_for(self, repository: str, permissions: Permissions) -> str:
        """A token good for ``repository`` with at least ``permissions``."""
        ...


class StaticToken:
    """A fine-grained PAT (or any token handed in): the same token whatever is asked."""

    kind = "token"

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "StaticToken(***)"

    def token_for(self, repository: str, permissions: Permissions) -> str:
        return self._token


class RepositoryAuth(Auth.Auth):
    """PyGithub authentication that asks ``credentials`` for a token at each request.

    For clients that live longer than one App token (an hour): the token is minted on first use
    and re-minted when it is about to expire. A token that cannot be had surfaces as a 401
    GithubException carrying the reason, so callers report it like any refused request.
    """

    def __init__(
        self, credentials: GithubCredentials, repository: str, permissions: Permissions
    ) -> None:
        self._credentials = credentials
        self._repository = repository
        self._permissions = dict(permissions)

    def __repr__(self) -> str:
        return f"RepositoryAuth({self._repository!r})"

    @property
    def token_type(self) -> str:
        return "token"

    @property
    def token(self) -> str:
        try:
            return self._credentials.token_for(self._repository, self._permissions)
        except CredentialsError as exc:
            raise GithubException(401, {"message": str(exc)}, None) from exc

    @property
    def _masked_token(self) -> str:
        return "token (removed)"
