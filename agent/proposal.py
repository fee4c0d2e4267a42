"""A triage proposal: the verdict and severity a case is put forward with, and why."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from agent.risk import RiskDecision
from tools.findings.severity import Severity


class Verdict(StrEnum):
    TRUE_POSITIVE = "true_positive"
    FALSE_POSITIVE = "false_positive"
    NEEDS_HUMAN = "needs_human"


class Flag(StrEnum):
    """Things an approver must see before deciding."""

    DOWNGRADE = "downgrade"
    RAISED = "raised"
    NON_PRODUCTION = "non_production"
    INJECTION_SUSPECTED = "injection_suspected"
    KNOWN_EXPLOITED = "known_exploited"


class Proposal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Verdict
    severity: Severity
    tool_severity: Severity
    factors: tuple[Annotated[str, Field(max_length=300)], ...]
    """Each factor that moved the decision, in order, in plain words."""
    flags: tuple[Flag, ...] = ()
    decided_by: Annotated[str, Field(max_length=100)]
    """``policy@<rubric version>`` for the deterministic path."""
    risk: RiskDecision | None = None
    """Risk-based priority and SLA, each factor with its source (agent/risk.py)."""
