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
    MODEL_SAYS_FALSE_POSITIVE = "model_says_false_positive"
    """The model called it a false positive: only a human may dismiss a finding."""
    MODEL_DOWNGRADE_REFUSED = "model_downgrade_refused"
    """The model proposed a severity below a policy floor or a high/critical scanner rating."""
    MODEL_DOWNGRADE = "model_downgrade"
    """The model lowered the severity within what policy allows."""
    EVIDENCE_UNVERIFIED = "evidence_unverified"
    """A quote was not found at its cited lines, or a cited CWE does not exist."""
    MODEL_MISBEHAVED = "model_misbehaved"
    """The model asked for a tool that does not exist, bad arguments or a refused path."""
    MODEL_UNAVAILABLE = "model_unavailable"
    """The model gave no usable answer (error, budget, invalid output): policy stands."""


class EvidenceItem(BaseModel):
    """A quote the model cited, and whether code found it verbatim at the cited lines."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: Annotated[str, Field(max_length=300)]
    start_line: Annotated[int, Field(ge=1)]
    end_line: Annotated[int, Field(ge=1)]
    quote: Annotated[str, Field(max_length=2000)]
    verified: bool


class Analysis(BaseModel):
    """What the model wrote about a case, kept apart from what code decided.

    Only prose and checked evidence: nothing here names a repository, a label, an assignee or an
    action, and nothing here is read back by code to decide one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: Annotated[str, Field(max_length=200)]
    prompt_version: Annotated[str, Field(max_length=50)]
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]
    verdict: Verdict
    """What the model proposed; the proposal's own verdict is what code made of it."""
    severity: Severity
    rationale: Annotated[str, Field(max_length=2000)]
    fix_recommendation: Annotated[str, Field(max_length=2000)]
    evidence: tuple[EvidenceItem, ...] = ()
    cwe_ids: tuple[Annotated[str, Field(max_length=20)], ...] = ()
    evidence_problems: tuple[Annotated[str, Field(max_length=300)], ...] = ()
    """Each failed check, in words built by code from the cited location."""
    cache_hit: bool = False


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
    analysis: Analysis | None = None
    """The model's reading of the case, when a model was consulted (agent/llm/merge.py)."""
