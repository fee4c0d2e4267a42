"""Who may decide in Slack: configured users and user-group members of the configured workspace.

The identity comes from the signed request body (never from a button value). Group membership is
looked up with ``usergroups.users.list`` and cached for a configured time, so a removed approver
loses the right within that time without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError

from config.slack import SlackConfig


@dataclass(frozen=True)
class Actor:
    user_id: str
    team_id: str | None
    enterprise_id: str | None

    @property
    def key(self) -> str:
        """How the actor is recorded in votes and the audit trail."""
        return f"slack:{self.team_id}:{self.user_id}"

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Actor:
        user = body.get("user") or {}
        team = body.get("team") or {}
        enterprise = body.get("enterprise") or {}
        return cls(
            user_id=str(user.get("id", "")),
            team_id=user.get("team_id") or team.get("id"),
            enterprise_id=enterprise.get("id") if isinstance(enterprise, dict) else None,
        )


class UserGroupLookup(Protocol):
    """The one Slack Web API call this module makes (slack_sdk's WebClient provides it)."""

    def usergroups_users_list(self, *, usergroup: str) -> Any: ...


class Approvers:
    def __init__(self, config: SlackConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def refusal(self, actor: Actor, client: UserGroupLookup) -> str | None:
        """None when ``actor`` may decide, else the reason to show them."""
        if actor.team_id != self.config.team_id:
            return "You are not in the workspace this approval belongs to."
        if self.config.enterprise_id and actor.enterprise_id != self.config.enterprise_id:
            return "You are not in the organisation this approval belongs to."
        if actor.user_id in self.config.approver_users:
            return None
        for group in sorted(self.config.approver_usergroups):
            if actor.user_id in self._members(group, client):
                return None
        return "You are not an approver for security findings. Ask the AppSec team to add you."

    def _members(self, group: str, client: UserGroupLookup) -> frozenset[str]:
        # One lock around lookup and fill: concurrent clicks after expiry make one API call, and
        # lookups are rare enough (once per group per cache period) that serialising them is free.
        with self._lock:
            now = self.clock()
            cached = self._groups.get(group)
            if cached and cached[0] > now:
                return cached[1]
            try:
                response = client.usergroups_users_list(usergroup=group)
                members = frozenset(str(u) for u in response.get("users") or ())
            except SlackApiError:
                members = frozenset()  # fail closed: an unreadable group grants nothing
            self._groups[group] = (now + self.config.usergroup_cache_seconds, members)
            return members
