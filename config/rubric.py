"""The deterministic triage rubric (severity floors by CWE, adjustments by file role)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

DEFAULT_RUBRIC = Path(__file__).with_name("rubric.toml")

SeverityName = Literal["info", "low", "medium", "high", "critical"]
RoleName = Literal["production", "test", "vendored", "generated", "example", "migration", "unknown"]


class RubricError(Exception):
    """The rubric file is missing or invalid."""


class RoleRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    shift: Annotated[int, Field(ge=-4, le=0)]
    """Steps down the severity scale; raising is the job of floors, never of a file's role."""
    needs_human: bool


class Rubric(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Annotated[str, Field(min_length=1, max_length=50)]
    cwe_floors: dict[Annotated[str, StringConstraints(pattern=r"^CWE-[1-9][0-9]*$")], SeverityName]
    floor_exempt_rules: frozenset[str] = frozenset()
    roles: dict[RoleName, RoleRule]


def load_rubric(path: Path = DEFAULT_RUBRIC) -> Rubric:
    """Read and validate a rubric file; RubricError names the file and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Rubric.model_validate(data)
    except OSError as exc:
        raise RubricError(f"cannot read rubric {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise RubricError(f"invalid rubric {path}: {exc}") from exc
