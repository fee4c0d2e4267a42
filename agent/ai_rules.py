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
    """Severity of a red-team finding from how often the attack worked and what the app can do.

    The success rate sets the base (RATE_BANDS). Then what a successful attack reaches moves it:
    one step up when the application uses tools without a human approving each call, or reaches
    sensitive data (unknown counts as yes for both); two steps when the configuration says it
    does both; one step down when it holds no tools and reaches no data beyond public.
    """
    factors: list[str] = []
    severity = tool_severity
    if success_rate is not None:
        severity = next(s for floor, s in _RATE_BANDS if success_rate >= floor)
        factors.append(f"the attack succeeded in {success_rate:.0%} of attempts: {severity.value}")
    else:
        factors.append("the report gives no success rate: the scanner's rating stands")
    if application is None:
        factors.append("what the application can do is not configured: assumed the worst")
    steps, why = _capability_steps(application)
    # Lowering stops at low; a severity already below it is not raised by "lowering".
    floor = Severity.LOW if severity.rank >= Severity.LOW.rank else severity
    moved = severity.shifted(steps, floor=floor) if steps else severity
    if moved != severity:
        direction = "raised" if steps > 0 else "lowered"
        factors.append(f"{direction} to {moved.value}: {why}")
    elif why:
        factors.append(why)
    return moved, factors


def _capability_steps(application: AiApplication | None) -> tuple[int, str]:
    """How many severity steps what the application can do is worth, and why (ours, not the
    report's: the text comes from the configuration)."""
    tools = application.tools if application else None
    data = application.data if application else "unknown"
    autonomous = application.autonomous if application else None
    who = f"the application ({application.label})" if application else "the application"
    holds_tools = tools is None or bool(tools)
    acts_alone = holds_tools and autonomous is not False
    sensitive = data in _SENSITIVE
    held = f"tools ({', '.join(tools)})" if tools else "tools (not configured: assumed)"
    human = "" if autonomous is True else " (whether a human approves is unknown: assumed not)"
    reasons = []
    if acts_alone:
        reasons.append(f"{who} calls {held} without a human approving each call{human}")
    if sensitive:
        reasons.append(f"it reaches {data} data")
    if acts_alone and sensitive and tools and autonomous is True and data == "sensitive":
        return 2, "; ".join(reasons) + ": an attack both acts and reaches sensitive data"
    if reasons:
        return 1, "; ".join(reasons)
    if holds_tools:
        return 0, f"{who} holds {held}, but a human approves each call: not raised"
    if data in ("none", "public"):
        return -1, f"{who} holds no tools and reaches only {data} data"
    return 0, ""


def model_artifact_severity(
    tool_severity: Severity,
    *,
    has_unsafe_operator: bool,
    loaded_in_production: bool | None,
    file_role: FileRole,
    load_note: str | None = None,
) -> tuple[Severity, list[str]]:
    """An unsafe operator in a model file that production code loads is at least high.

    ``loaded_in_production`` comes from tools.repo.model_loads (None: not known, or no checkout
    to search); ``load_note`` says how it was decided, for the rationale.
    """
    factors: list[str] = []
    severity = tool_severity
    if not has_unsafe_operator:
        return severity, factors
    how = f" ({load_note})" if load_note else ""
    if loaded_in_production is False:
        factors.append(
            f"no production code loads this model file{how}: it runs code only if loaded"
        )
        return severity, factors
    if loaded_in_production is None:
        if file_role not in (FileRole.PRODUCTION, FileRole.UNKNOWN):
            factors.append(f"the model file is in {file_role.value} code; not known to be loaded")
            return severity, factors
        factors.append(
            f"whether production code loads this model file is unknown{how}: assumed it does"
        )
    elif load_note:
        factors.append(f"the model file is loaded: {load_note}")
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
    load_note: str | None = None,
) -> Proposal:
    """``proposal`` with the AI rules applied; unchanged for any other kind of finding.

    ``application``: what the attacked application can do (config/ai_applications.py), for
    ``llm``; ``loaded_in_production`` and ``load_note``: whether the repository's non-test code
    loads the model file (tools/repo/model_loads.py), for ``model_artifact``.
    """
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
            load_note=load_note,
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
