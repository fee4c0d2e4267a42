"""Slack approval settings: where cards go, who may decide, what an edit may choose from."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

SlackId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,30}$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Login = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")]


class SlackConfigError(Exception):
    """The Slack config file is missing or invalid."""


class SlackConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    team_id: SlackId
    """The workspace approvers must click from; a click from any other team is refused."""
    enterprise_id: SlackId | None = None
    """For Enterprise Grid: the organisation the clicking user must belong to."""
    default_channel: SlackId
    channels: dict[str, SlackId] = Field(default_factory=dict)
    """Repository (OWNER/REPO) → channel id, for repositories not in the default channel."""
    approver_users: frozenset[SlackId] = frozenset()
    approver_usergroups: frozenset[SlackId] = frozenset()
    usergroup_cache_seconds: Annotated[int, Field(ge=0, le=86_400)] = 300
    posts_per_second: Annotated[float, Field(gt=0, le=50)] = 1.0
    """Slack allows about one message per second per channel."""
    edit_labels: tuple[Label, ...] = ("security", "appsec-triage")
    edit_assignees: tuple[Login, ...] = ()

    def channel_for(self, repository: str) -> str:
        return self.channels.get(repository, self.default_channel)


def load_slack_config(path: Path) -> SlackConfig:
    try:
        return SlackConfig.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise SlackConfigError(f"cannot read Slack config {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise SlackConfigError(f"invalid Slack config {path}: {exc}") from exc
