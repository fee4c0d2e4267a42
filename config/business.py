"""Business context per repository or path glob: exposure, data sensitivity, criticality.

The first matching entry wins, so list specific paths before whole repositories. Nothing
matching means "unknown", which the risk rubric treats as the worse case (internet-facing).
"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Exposure = Literal["internet", "internal", "none", "unknown"]
Level = Literal["low", "medium", "high", "unknown"]


class BusinessContextError(Exception):
    """The business context file is missing or invalid."""


class ContextEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    repository: Annotated[str, Field(min_length=1)]
    """OWNER/REPO, or a glob such as ``example/*``."""
    paths: tuple[str, ...] = ("*",)
    """Globs over repository-relative paths (``*`` crosses ``/``)."""
    exposure: Exposure = "unknown"
    data_sensitivity: Level = "unknown"
    criticality: Level = "unknown"


class BusinessFacts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    exposure: Exposure
    data_sensitivity: Level
    criticality: Level
    source: str
    """Which config entry said so, or "no entry matched"."""


class BusinessContext(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    entries: tuple[ContextEntry, ...] = ()

    def facts_for(self, repository: str, path: str | None) -> BusinessFacts:
        for index, entry in enumerate(self.entries):
            if fnmatchcase(repository, entry.repository) and any(
                fnmatchcase(path or "", glob) for glob in entry.paths
            ):
                return BusinessFacts(
                    exposure=entry.exposure,
                    data_sensitivity=entry.data_sensitivity,
                    criticality=entry.criticality,
                    source=f"business context entry {index + 1} ({entry.repository})",
                )
        return BusinessFacts(
            exposure="unknown",
            data_sensitivity="unknown",
            criticality="unknown",
            source="no business context entry matched",
        )


def load_business_context(path: Path | None) -> BusinessContext:
    if path is None:
        return BusinessContext()
    try:
        return BusinessContext.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise BusinessContextError(f"cannot read business context {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise BusinessContextError(f"invalid business context {path}: {exc}") from exc
