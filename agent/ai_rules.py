"""Risk rules for AI findings: red-team results (``llm``) and unsafe model files.

Pure functions over plain values, applied after agent.policy.assess; they only move the severity
and add factors, so the verdict, the flags and the target repository stay the policy's. The text
of a finding (attack prompts, model answers) is never an input here: only counts and config.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.proposal import Flag, Proposal
from config.ai_applications import AiApplication
from tools.findings.severity import Severity
from tools.repo.file_role import FileRole

# Success rate → severity: an attack that works half the time is reliable enough to build on.
_RATE_BANDS: tuple[tuple[float, Severity], ...] = (
    (0.5, Severity.HIGH),
    (0.2, Severity.MEDIUM),
    (0.0, Severity.LOW),
)
_SENSITIVE = ("sensitive", "unknown")


def red_team_severity(
    tool_severity: Severity,
    success_rate: float | None,
    application: AiApplication | None,
) -> tuple[Severity, list[str]]:
    """Severity of a red-team finding from how often the attack worked and what the app can do."""
    factors: list[str] = []
    severity = tool_severity
    if success_rate is not None:
        severity = next(s for floor, s in _RATE_BANDS if success_rate >= floor)
        factors.append(f"the attack succeeded in {success_rate:.0%} of attempts: {severity.value}")
    else:
        factors.append("the report gives no success rate: the scanner's rating stands")
    if application is None or application.tools is None:
        factors.append("what the application can do is not configured: assumed to hold tools")
        holds_tools = True
    else:
        holds_tools = bool(application.tools)
    data = application.data if application else "unknown"
    if holds_tools or data in _SENSITIVE:
        raised = severity.shifted(1)
        if raised != severity:
            what = []
            if holds_tools:
                what.append(
                    f"holds tools ({', '.join(application.tools)})"
                    if application and application.tools
                    else "may hold tools"
                )
            if data in _SENSITIVE:
                what.append(f"reaches {data} data")
            factors.append(f"raised to {raised.value}: the application {' and '.join(what)}")
            severity = raised
    elif data in ("none", "public"):
        lowered = severity.shifted(-1, floor=Severity.LOW)
        if lowered != severity:
            factors.append(f"lowered to {lowered.value}: no tools and only {data} data")
            severity = lowered
    return severity, factors


def model_artifact_severity(
    tool_severity: Severity,
    *,
    has_unsafe_operator: bool,
    loaded_in_production: bool | None,
    file_role: FileRole,
) -> tuple[Severity, list[str]]:
    """An unsafe operator in a model file that production code loads is at least high."""
    factors: list[str] = []
    severity = tool_severity
    if not has_unsafe_operator:
        return severity, factors
    if loaded_in_production is False:
        factors.append("no production code loads this model file: it runs code only if loaded")
        return severity, factors
    if loaded_in_production is None:
        if file_role not in (FileRole.PRODUCTION, FileRole.UNKNOWN):
            factors.append(f"the model file is in {file_role.value} code; not known to be loaded")
            return severity, factors
        factors.append("whether production code loads this model file is unknown: assumed it does")
    if severity.rank < Severity.HIGH.rank:
        factors.append("raised to high: an unsafe operator in a model file production code loads")
        severity = Severity.HIGH
    return severity, factors


def apply_ai_rules(
    proposal: Proposal,
    *,
    kind: str,
    details: Mapping[str, Any] | None,
    application: AiApplication | None,
    file_role: FileRole,
    loaded_in_production: bool | None = None,
) -> Proposal:
    """``proposal`` with the AI rules applied; unchanged for any other kind of finding."""
    details = details or {}
    if kind == "llm":
        rate = details.get("success_rate")
        if not isinstance(rate, int | float) or isinstance(rate, bool):
            rate = details.get("max_score")
        rate = float(rate) if isinstance(rate, int | float) and 0 <= rate <= 1 else None
        severity, factors = red_team_severity(proposal.severity, rate, application)
    elif kind == "model_artifact":
        severity, factors = model_artifact_severity(
            proposal.severity,
            has_unsafe_operator=bool(details.get("operator") or details.get("module")),
            loaded_in_production=loaded_in_production,
            file_role=file_role,
        )
    else:
        return proposal
    flags = proposal.flags
    if severity.rank > proposal.severity.rank and Flag.RAISED not in flags:
        flags = (*flags, Flag.RAISED)
    if severity.rank < proposal.severity.rank and Flag.DOWNGRADE not in flags:
        flags = (*flags, Flag.DOWNGRADE)
    return proposal.model_copy(
        update={"severity": severity, "factors": (*proposal.factors, *factors), "flags": flags}
    )
