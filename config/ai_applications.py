"""What each AI application under test can do, for the red-team rule (agent/ai_rules.py).

Read from a TOML file (``APPSEC_TRIAGE_AI_APPLICATIONS``; see ``ai_applications.example.toml``):
``[[applications]]`` entries, each matched by a ``repository`` glob and/or ``targets`` globs over
the model or endpoint the red-team scanner attacked (``details.target``: garak's generator,
promptfoo's provider). An entry with both must match both. The first matching entry wins, so list
specific entries first. What an entry does not say is unknown, and no entry at all means
"unknown", which the rule treats as the worse case, like the business context.
"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DataReach = Literal["none", "public", "internal", "sensitive", "unknown"]

Glob = Annotated[str, Field(min_length=1, max_length=300)]


class AiApplicationsError(Exception):
    """The AI applications file is missing or invalid."""


class AiApplication(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str | None, Field(max_length=100)] = None
    """A label for the rationale; the repository or first target when not given."""
    repository: Glob | None = None
    """OWNER/REPO or a glob (``acme/*``) of the repository the findings are ingested for."""
    targets: tuple[Glob, ...] = ()
    """Globs over the attacked model or endpoint (``openai:gpt-4o*``, ``rest:https://bot.*``)."""
    tools: tuple[Annotated[str, Field(min_length=1, max_length=100)], ...] | None = None
    """Tools the model can call (``shell``, ``send_email``); None when not known, () for none."""
    data: DataReach = "unknown"
    """The most sensitive data the application can read or reveal."""
    autonomous: bool | None = None
    """True: it calls its tools without a human approving each action; False: a human approves;
    None: not known (treated as True)."""

    @model_validator(mode="after")
    def _matched_by_something(self) -> Self:
        if self.repository is None and not self.targets:
            raise ValueError("an application needs a repository glob, targets, or both")
        return self

    @property
    def label(self) -> str:
        return self.name or self.repository or self.targets[0]

    def matches(self, repository: str, target: str | None) -> bool:
        """Whether a finding of ``repository`` against ``target`` is about this application."""
        if self.repository is not None and not fnmatchcase(repository, self.repository):
            return False
        if self.targets:
            return target is not None and any(fnmatchcase(target, glob) for glob in self.targets)
        return True


class AiApplications(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    applications: tuple[AiApplication, ...] = ()

    def for_finding(self, repository: str, target: str | None) -> AiApplication | None:
        """The first application matching the finding's repository and attacked target."""
        return next((a for a in self.applications if a.matches(repository, target)), None)

    def for_repository(self, repository: str) -> AiApplication | None:
        return self.for_finding(repository, None)


def load_ai_applications(path: Path | None) -> AiApplications:
    """The configured applications; none when ``path`` is None (every application unknown)."""
    if path is None:
        return AiApplications()
    try:
        return AiApplications.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise AiApplicationsError(f"cannot read AI applications {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, ValidationError, UnicodeDecodeError) as exc:
        raise AiApplicationsError(f"invalid AI applications {path}: {exc}") from exc
