"""The risk rubric's data: SLAs, priorities and the automatable weakness classes."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULT_RISK = Path(__file__).with_name("risk.toml")

Decision = Literal["act", "attend", "track*", "track"]


class RiskRubricError(Exception):
    """The risk rubric file is missing or invalid."""


class RiskRubric(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Annotated[str, Field(min_length=1)]
    sla_days: dict[Decision, Annotated[int, Field(gt=0, le=3650)]]
    priority: dict[Decision, Annotated[str, Field(min_length=1, max_length=10)]]
    automatable_cwes: frozenset[str] = frozenset()


def load_risk_rubric(path: Path = DEFAULT_RISK) -> RiskRubric:
    try:
        rubric = RiskRubric.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise RiskRubricError(f"cannot read risk rubric {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise RiskRubricError(f"invalid risk rubric {path}: {exc}") from exc
    decisions = {"act", "attend", "track*", "track"}
    if set(rubric.sla_days) != decisions or set(rubric.priority) != decisions:
        raise RiskRubricError(f"risk rubric {path}: every decision needs an SLA and a priority")
    return rubric
