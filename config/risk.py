"""The risk rubric's data: SLAs, priorities, automatable weakness classes, exploit thresholds."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULT_RISK = Path(__file__).with_name("risk.toml")

Decision = Literal["act", "attend", "track*", "track"]


class RiskRubricError(Exception):
    """The risk rubric file is missing or invalid."""


class ExploitationRules(BaseModel):
    """When exploitation counts as "poc": only CISA KEV makes it "active"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    poc_min_epss: Annotated[float, Field(gt=0.0, le=1.0)]
    """A CVE whose EPSS probability is at least this has (at least) a proof of concept."""
    poc_exploit_maturity: frozenset[Annotated[str, Field(pattern=r"^[A-Z]$")]]
    """Values of a CVSS vector's exploit-maturity metric (``E:``) that mean public exploit code."""


class CvssRules(BaseModel):
    """How a CVSS vector and base score inform "automatable" and "impact"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    high_impact_score: Annotated[float, Field(gt=0.0, le=10.0)]
    automatable_vector: dict[
        Annotated[str, Field(pattern=r"^[A-Z]{1,3}$")], Annotated[str, Field(pattern=r"^[A-Z]$")]
    ] = Field(min_length=1)
    """Base metrics that must all hold for the weakness to be automatable (e.g. AV:N, UI:N)."""


class RiskRubric(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Annotated[str, Field(min_length=1)]
    sla_days: dict[Decision, Annotated[int, Field(gt=0, le=3650)]]
    priority: dict[Decision, Annotated[str, Field(min_length=1, max_length=10)]]
    automatable_cwes: frozenset[str] = frozenset()
    exploitation: ExploitationRules
    cvss: CvssRules


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
