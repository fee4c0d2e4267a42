"""The GitHub App side of the GitHub stub: minting installation tokens, and honouring their scope.

``GithubStub.enable_app(StubApp(...))`` makes the stub behave like an App installation:

- ``POST /app/installations/{id}/access_tokens`` needs a JWT signed RS256 with the App's key,
  ``iss`` = the App id and an ``exp`` no more than ten minutes ahead (else 401, as GitHub); it
  grants a token for the repositories and permissions asked, if the installation has them
  (else 422), and records the decoded JWT and the grant;
- a request carrying a minted token only reaches the token's repositories (404 elsewhere, as
  GitHub hides what a token cannot see) and only with the permission its operation needs (403
  "Resource not accessible by integration" otherwise).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

MAX_JWT_SECONDS = 600
_LEVELS = {"read": 1, "write": 2, "admin": 3}

REQUIRED_PERMISSION: dict[str, tuple[str, str]] = {
    "repos/get": ("metadata", "read"),
    "repos/get-content": ("contents", "read"),
    "git/get-tree": ("contents", "read"),
    "git/get-blob": ("contents", "read"),
    "repos/get-commit": ("contents", "read"),
    "git/get-ref": ("contents", "read"),
    "git/create-ref": ("contents", "write"),
    "repos/create-or-update-file-contents": ("contents", "write"),
    "pulls/create": ("pull_requests", "write"),
    "pulls/list": ("pull_requests", "read"),
    "issues/list-for-repo": ("issues", "read"),
    "issues/get": ("issues", "read"),
    "issues/create": ("issues", "write"),
    "issues/update": ("issues", "write"),
    "issues/create-comment": ("issues", "write"),
    "issues/list-comments": ("issues", "read"),
    "search/issues-and-pull-requests": ("issues", "read"),
    "code-scanning/list-alerts-for-repo": ("security_events", "read"),
    "code-scanning/update-alert": ("security_events", "write"),
    "dependabot/list-alerts-for-repo": ("vulnerability_alerts", "read"),
    "dependabot/update-alert": ("vulnerability_alerts", "write"),
    "secret-scanning/list-alerts-for-repo": ("secret_scanning_alerts", "read"),
    "secret-scanning/update-alert": ("secret_scanning_alerts", "write"),
}
"""What a fine-grained token needs per operation (GitHub's "permissions required" tables)."""


@dataclass(frozen=True)
class Grant:
    token: str
    repositories: tuple[str, ...]
    """Full names, lower-cased; empty means every repository of the installation."""
    permissions: dict[str, str]
    expires_at: datetime


@dataclass
class StubApp:
    app_id: str
    installation_id: int
    account: str
    public_key_pem: bytes
    permissions: Mapping[str, str]
    """What the installation was granted by the account owner."""
    repositories: frozenset[str] | None = None
    """Repository names the App is installed on (lower-case, without owner); None: all."""
    grants: list[Grant] = field(default_factory=list)
    jwt_claims: list[dict[str, Any]] = field(default_factory=list)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def mint(
        self,
        installation_id: int,
        jwt_token: str | None,
        body: Any,
        known_repositories: set[str],
    ) -> tuple[int, dict[str, Any]]:
        """GitHub's answer to a token request: (status, body)."""
        refused = self._check_jwt(jwt_token)
        if refused is not None:
            return 401, _message(refused)
        if installation_id != self.installation_id:
            return 404, _message("Not Found")
        body = body if isinstance(body, dict) else {}
        names = [str(name).lower() for name in body.get("repositories") or []]
        for name in names:
            full = f"{self.account}/{name}".lower()
            installed = self.repositories is None or name in self.repositories
            if full not in known_repositories or not installed:
                return 422, _message(
                    "There is at least one repository that does not exist or is not accessible "
                    "to the parent installation."
                )
        asked = dict(body.get("permissions") or self.permissions)
        for name, level in asked.items():
            if _LEVELS.get(level, 9) > _LEVELS.get(self.permissions.get(name, ""), 0):
                return 422, _message(
                    "The permissions requested are not granted to this installation."
                )
        token = f"ghs_app{next(self._serial):04d}" + "x" * 29
        expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
        grant = Grant(token, tuple(f"{self.account}/{n}".lower() for n in names), asked, expires)
        self.grants.append(grant)
        answer = {
            "token": token,
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "permissions": asked,
            "repository_selection": "selected" if names else "all",
        }
        return 201, answer

    def grant_of(self, token: str | None) -> Grant | None:
        return next((g for g in self.grants if g.token == token), None)

    def refusal(
        self, grant: Grant, operation_id: str, params: Mapping[str, str]
    ) -> tuple[int, dict[str, Any]] | None:
        """Why a request with ``grant`` may not proceed, or None."""
        if grant.expires_at <= datetime.now(UTC):
            return 401, _message("Bad credentials")
        if "owner" in params and "repo" in params:
            full = f"{params['owner']}/{params['repo']}".lower()
            if grant.repositories and full not in grant.repositories:
                return 404, _message("Not Found")
        needed = REQUIRED_PERMISSION.get(operation_id)
        if needed is not None:
            name, level = needed
            if _LEVELS[level] > _LEVELS.get(grant.permissions.get(name, ""), 0):
                return 403, _message("Resource not accessible by integration")
        return None

    def _check_jwt(self, token: str | None) -> str | None:
        if not token:
            return "A JSON web token could not be decoded"
        try:
            claims = jwt.decode(
                token,
                self.public_key_pem,
                algorithms=["RS256"],
                options={"require": ["exp", "iat", "iss"], "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            return f"A JSON web token could not be decoded ({type(exc).__name__})"
        self.jwt_claims.append(claims)
        if str(claims["iss"]) != self.app_id:
            return "Integration not found"
        if claims["exp"] > time.time() + MAX_JWT_SECONDS:
            return "'Expiration time' claim ('exp') is too far in the future"
        return None


def _message(text: str) -> dict[str, Any]:
    return {"message": text, "documentation_url": "https://docs.github.com/rest", "status": ""}
