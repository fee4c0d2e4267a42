"""Combining the policy proposal with the model's reading: asymmetric, and decided by code.

The policy proposal (agent/policy.py) is the starting point; the model can only add to it:

- raising the severity is free (a ticket filed too high costs little);
- a false-positive verdict never dismisses anything: the case goes to a human, flagged;
- a severity below the policy floor, or below the scanner's rating of a high or critical finding,
  is refused: the severity stays, the case goes to a human, flagged;
- any other downgrade is applied only with verified evidence and a well-behaved model, flagged;
- evidence that fails code's checks, or tool calls the model may not make, send the case to a
  human;
- instruction-like text in what the model read sets ``injection_suspected``.

The model's prose travels only in ``Proposal.analysis``, which code never reads to choose a
repository, a label, an assignee or an action.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.llm.evidence import EvidenceCheck, Quote
from agent.proposal import Analysis, EvidenceItem, Flag, Proposal, Verdict
from tools.findings.severity import Severity

_SERIOUS = (Severity.HIGH, Severity.CRITICAL)


@dataclass(frozen=True)
class Opinion:
    """The model's answer, as merge needs it (built from agent.llm.answer.ModelAnswer)."""

    verdict: Verdict
    severity: Severity
    rationale: str
    fix_recommendation: str
    confidence: float
    evidence: tuple[Quote, ...] = ()
    cwe_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reading:
    """One consultation of the model about a case, with code's checks of it."""

    model: str
    prompt_version: str
    opinion: Opinion | None
    """None when the model gave no usable answer."""
    evidence: EvidenceCheck = field(default_factory=lambda: EvidenceCheck((), ()))
    violations: tuple[str, ...] = ()
    """Each refused tool call's kind (unknown_tool, bad_arguments, path_refused, …)."""
    instructions_seen: bool = False
    """Instruction-like text in what the model read (tool outputs, its quotes of the code)."""
    cache_hit: bool = False


def merge(proposal: Proposal, reading: Reading, *, floor: Severity | None) -> Proposal:
    """The proposal after the model's reading; never less safe than ``proposal``."""
    result = _Draft(proposal)
    if reading.violations:
        kinds = ", ".join(sorted(set(reading.violations)))
        result.to_human(
            Flag.MODEL_MISBEHAVED,
            f"the model made {len(reading.violations)} refused tool call(s) ({kinds})"[:300],
        )
    if reading.instructions_seen:
        result.flag(
            Flag.INJECTION_SUSPECTED,
            "text the model read contains instruction-like content: read its analysis with care",
        )
    opinion = reading.opinion
    if opinion is None:
        result.flag(
            Flag.MODEL_UNAVAILABLE,
            "the model gave no usable answer; the policy proposal stands",
        )
        return result.finish(floor, analysis=None)
    if not reading.evidence.ok:
        result.to_human(
            Flag.EVIDENCE_UNVERIFIED,
            f"{len(reading.evidence.failures)} of the model's evidence check(s) failed",
        )
    if opinion.verdict == Verdict.FALSE_POSITIVE:
        result.to_human(
            Flag.MODEL_SAYS_FALSE_POSITIVE,
            "the model called it a false positive: only a human may dismiss a finding",
        )
    elif opinion.verdict == Verdict.NEEDS_HUMAN:
        result.to_human(None, "the model asks for a human to review it")
    _merge_severity(result, opinion.severity, reading, floor)
    return result.finish(floor, analysis=_analysis(reading, opinion))


def _merge_severity(
    result: _Draft, proposed: Severity, reading: Reading, floor: Severity | None
) -> None:
    current = result.severity
    if proposed.rank > current.rank:
        result.severity = proposed
        result.flag(Flag.RAISED, f"raised to {proposed.value} by the model's analysis")
        return
    if proposed.rank == current.rank:
        return
    tool = result.tool_severity
    if floor is not None and proposed.rank < floor.rank:
        why = f"below the policy floor ({floor.value})"
    elif tool in _SERIOUS and proposed.rank < tool.rank:
        why = f"below the scanner's {tool.value} rating"
    elif not reading.evidence.ok or not reading.evidence.verified or reading.violations:
        why = "without verified evidence"
    else:
        result.severity = proposed
        result.flag(
            Flag.MODEL_DOWNGRADE,
            f"lowered to {proposed.value} by the model's analysis, with verified evidence",
        )
        return
    result.to_human(
        Flag.MODEL_DOWNGRADE_REFUSED,
        f"the model proposed {proposed.value}, {why}: kept at {current.value}; a human decides",
    )


def _analysis(reading: Reading, opinion: Opinion) -> Analysis:
    verified = set(reading.evidence.verified)
    return Analysis(
        model=reading.model[:200],
        prompt_version=reading.prompt_version[:50],
        confidence=min(1.0, max(0.0, opinion.confidence)),
        verdict=opinion.verdict,
        severity=opinion.severity,
        rationale=opinion.rationale[:2000],
        fix_recommendation=opinion.fix_recommendation[:2000],
        evidence=tuple(
            EvidenceItem(
                path=quote.path[:300],
                start_line=max(1, quote.start_line),
                end_line=max(1, quote.end_line),
                quote=quote.quote[:2000],
                verified=index in verified,
            )
            for index, quote in enumerate(opinion.evidence)
        ),
        cwe_ids=tuple(cwe[:20] for cwe in opinion.cwe_ids),
        evidence_problems=tuple(f.detail[:300] for f in reading.evidence.failures),
        cache_hit=reading.cache_hit,
    )


class _Draft:
    """The proposal being merged: flags and factors only ever added, never removed."""

    def __init__(self, proposal: Proposal) -> None:
        self.proposal = proposal
        self.verdict = proposal.verdict
        self.severity = proposal.severity
        self.tool_severity = proposal.tool_severity
        self.flags: list[Flag] = list(proposal.flags)
        self.factors: list[str] = list(proposal.factors)

    def flag(self, flag: Flag | None, factor: str) -> None:
        if flag is not None and flag not in self.flags:
            self.flags.append(flag)
        self.factors.append(factor[:300])

    def to_human(self, flag: Flag | None, factor: str) -> None:
        self.flag(flag, factor)
        self.verdict = Verdict.NEEDS_HUMAN

    def finish(self, floor: Severity | None, *, analysis: Analysis | None) -> Proposal:
        severity = self.severity
        if floor is not None and severity.rank < floor.rank:
            severity = floor  # defensive: no path above lowers below the floor
        verdict = self.verdict
        if verdict == Verdict.FALSE_POSITIVE:
            verdict = Verdict.NEEDS_HUMAN  # a dismissal is never automatic, whatever came in
        return self.proposal.model_copy(
            update={
                "verdict": verdict,
                "severity": severity,
                "flags": tuple(self.flags),
                "factors": tuple(self.factors),
                "analysis": analysis,
            }
        )
