"""What each AI application can do, for the red-team rule: tools it holds, data it reaches.

Read from a TOML file (``[[applications]]`` entries: ``repository`` glob, ``tools`` list,
``data`` level). The first matching entry wins. No entry means "unknown", which the rule treats
as the worse case, like the business context.
"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

DataReach = Literal["none", "public", "internal", "sensitive", "unknown"]


class AiApplicationsError(Exception):
    """The AI applications file is missing or invalid."""


class AiApplication(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    repository: Annotated[str, Field(min_length=1)]
    tools: tuple[Annotated[str, Field(min_length=1, max_length=100)], ...] | None = None
    """Tools the model can call (``shell``, ``send_email``); None when not known, () for none."""
    data: DataReach = "unknown"


class AiApplications(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    applications: tuple[AiApplication, ...] = ()

    def for_repository(self, repository: str) -> AiApplication | None:
        return next((a for a in self.applications if fnmatchcase(repository, a.repository)), None)


def load_ai_applications(path: Path | None) -> AiApplications:
    if path is None:
        return AiApplications()
    try:
        return AiApplications.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise AiApplicationsError(f"cannot read AI applications {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise AiApplicationsError(f"invalid AI applications {path}: {exc}") from exc
