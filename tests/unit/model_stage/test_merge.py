"""The merge of policy and model is asymmetric: table-driven, one row per rule."""

from __future__ import annotations

import itertools

import pytest

from agent.llm.evidence import EvidenceCheck, EvidenceFailure, EvidenceProblem, Quote
from agent.llm.merge import Opinion, Reading, merge
from agent.proposal import Flag, Proposal, Verdict
from tools.findings.severity import Severity

S = Severity

V = Verdict
OK = EvidenceCheck(verified=(0,), failures=())
NONE_VERIFIED = EvidenceCheck(verified=(), failures=())
FAILED = EvidenceCheck(
    verified=(),
    failures=(EvidenceFailure(EvidenceProblem.QUOTE_NOT_FOUND, "a.py:1-2: not there", 0),),
)


def _proposal(severity: S, tool: S, verdict: Verdict = V.TRUE_POSITIVE) -> Proposal:
    return Proposal(
        verdict=verdict,
        severity=severity,
        tool_severity=tool,
        factors=(f"scanner rated it {tool.value}",),
        decided_by="policy@test",
    )


def _reading(
    verdict: Verdict,
    severity: S,
    evidence: EvidenceCheck = OK,
    violations: tuple[str, ...] = (),
    instructions_seen: bool = False,
) -> Reading:
    return Reading(
        model="stub-model",
        prompt_version="triage-v1",
        opinion=Opinion(
            verdict=verdict,
            severity=severity,
            rationale="because",
            fix_recommendation="parameterise",
            confidence=0.9,
            evidence=(Quote("a.py", 1, 2, "x"),),
            cwe_ids=("CWE-89",),
        ),
        evidence=evidence,
        violations=violations,
        instructions_seen=instructions_seen,
    )


# (policy severity, tool severity, floor, model verdict, model severity, evidence, violations)
#   → (verdict, severity, flags added)
CASES = [
    # agreement changes nothing but adds the analysis
    (S.HIGH, S.HIGH, None, V.TRUE_POSITIVE, S.HIGH, OK, (), V.TRUE_POSITIVE, S.HIGH, ()),
    # raising is free
    (
        S.MEDIUM,
        S.MEDIUM,
        None,
        V.TRUE_POSITIVE,
        S.CRITICAL,
        OK,
        (),
        V.TRUE_POSITIVE,
        S.CRITICAL,
        (Flag.RAISED,),
    ),
    # raising is free even when the evidence failed (but the evidence sends it to a human)
    (
        S.LOW,
        S.LOW,
        None,
        V.TRUE_POSITIVE,
        S.HIGH,
        FAILED,
        (),
        V.NEEDS_HUMAN,
        S.HIGH,
        (Flag.EVIDENCE_UNVERIFIED, Flag.RAISED),
    ),
    # a false positive is never automatic
    (
        S.MEDIUM,
        S.MEDIUM,
        None,
        V.FALSE_POSITIVE,
        S.MEDIUM,
        OK,
        (),
        V.NEEDS_HUMAN,
        S.MEDIUM,
        (Flag.MODEL_SAYS_FALSE_POSITIVE,),
    ),
    (
        S.CRITICAL,
        S.CRITICAL,
        None,
        V.FALSE_POSITIVE,
        S.INFO,
        OK,
        (),
        V.NEEDS_HUMAN,
        S.CRITICAL,
        (Flag.MODEL_SAYS_FALSE_POSITIVE, Flag.MODEL_DOWNGRADE_REFUSED),
    ),
    # below a high/critical scanner rating: refused, to a human
    (
        S.CRITICAL,
        S.CRITICAL,
        None,
        V.TRUE_POSITIVE,
        S.LOW,
        OK,
        (),
        V.NEEDS_HUMAN,
        S.CRITICAL,
        (Flag.MODEL_DOWNGRADE_REFUSED,),
    ),
    (
        S.HIGH,
        S.HIGH,
        None,
        V.TRUE_POSITIVE,
        S.MEDIUM,
        OK,
        (),
        V.NEEDS_HUMAN,
        S.HIGH,
        (Flag.MODEL_DOWNGRADE_REFUSED,),
    ),
    # below the policy floor (the scanner said medium, the CWE floor says high): refused
    (
        S.HIGH,
        S.MEDIUM,
        S.HIGH,
        V.TRUE_POSITIVE,
        S.MEDIUM,
        OK,
        (),
        V.NEEDS_HUMAN,
        S.HIGH,
        (Flag.MODEL_DOWNGRADE_REFUSED,),
    ),
    # a downgrade within policy, with verified evidence: applied and flagged
    (
        S.MEDIUM,
        S.MEDIUM,
        None,
        V.TRUE_POSITIVE,
        S.LOW,
        OK,
        (),
        V.TRUE_POSITIVE,
        S.LOW,
        (Flag.MODEL_DOWNGRADE,),
    ),
    (
        S.HIGH,
        S.MEDIUM,
        S.MEDIUM,
        V.TRUE_POSITIVE,
        S.MEDIUM,
        OK,
        (),
        V.TRUE_POSITIVE,
        S.MEDIUM,
        (Flag.MODEL_DOWNGRADE,),
    ),
    # … but not without verified evidence, nor from a model that misbehaved
    (
        S.MEDIUM,
        S.MEDIUM,
        None,
        V.TRUE_POSITIVE,
        S.LOW,
        NONE_VERIFIED,
        (),
        V.NEEDS_HUMAN,
        S.MEDIUM,
        (Flag.MODEL_DOWNGRADE_REFUSED,),
    ),
    (
        S.MEDIUM,
        S.MEDIUM,
        None,
        V.TRUE_POSITIVE,
        S.LOW,
        FAILED,
        (),
        V.NEEDS_HUMAN,
        S.MEDIUM,
        (Flag.EVIDENCE_UNVERIFIED, Flag.MODEL_DOWNGRADE_REFUSED),
    ),
    (
        S.MEDIUM,
        S.MEDIUM,
        None,
        V.TRUE_POSITIVE,
        S.LOW,
        OK,
        ("path_refused",),
        V.NEEDS_HUMAN,
        S.MEDIUM,
        (Flag.MODEL_MISBEHAVED, Flag.MODEL_DOWNGRADE_REFUSED),
    ),
    # failed evidence or refused tool calls send even an agreeing answer to a human
    (
        S.HIGH,
        S.HIGH,
        None,
        V.TRUE_POSITIVE,
        S.HIGH,
        FAILED,
        (),
        V.NEEDS_HUMAN,
        S.HIGH,
        (Flag.EVIDENCE_UNVERIFIED,),
    ),
    (
        S.HIGH,
        S.HIGH,
        None,
        V.TRUE_POSITIVE,
        S.HIGH,
        OK,
        ("unknown_tool", "unknown_tool"),
        V.NEEDS_HUMAN,
        S.HIGH,
        (Flag.MODEL_MISBEHAVED,),
    ),
    # the model asking for a human gets one
    (S.LOW, S.LOW, None, V.NEEDS_HUMAN, S.LOW, OK, (), V.NEEDS_HUMAN, S.LOW, ()),
]


@pytest.mark.parametrize(
    (
        "policy",
        "tool",
        "floor",
        "m_verdict",
        "m_severity",
        "evidence",
        "violations",
        "verdict",
        "severity",
        "added",
    ),
    CASES,
)
def test_decision_table(
    policy: S,
    tool: S,
    floor: S | None,
    m_verdict: Verdict,
    m_severity: S,
    evidence: EvidenceCheck,
    violations: tuple[str, ...],
    verdict: Verdict,
    severity: S,
    added: tuple[Flag, ...],
) -> None:
    before = _proposal(policy, tool)
    after = merge(before, _reading(m_verdict, m_severity, evidence, violations), floor=floor)
    assert (after.verdict, after.severity) == (verdict, severity)
    assert after.flags == added
    assert after.factors[: len(before.factors)] == before.factors  # factors only added
    assert after.analysis is not None
    assert (after.analysis.verdict, after.analysis.severity) == (m_verdict, m_severity)
    assert after.analysis.model == "stub-model" and after.analysis.prompt_version == "triage-v1"
    # what code decides is untouched
    assert (after.tool_severity, after.decided_by, after.risk) == (tool, "policy@test", None)


def test_no_answer_keeps_the_policy_proposal_and_says_so() -> None:
    before = _proposal(S.HIGH, S.MEDIUM)
    after = merge(before, Reading(model="m", prompt_version="p", opinion=None), floor=None)
    assert (after.verdict, after.severity, after.analysis) == (V.TRUE_POSITIVE, S.HIGH, None)
    assert after.flags == (Flag.MODEL_UNAVAILABLE,)


def test_instruction_like_text_the_model_read_flags_injection_once() -> None:
    before = _proposal(S.HIGH, S.HIGH).model_copy(update={"flags": (Flag.INJECTION_SUSPECTED,)})
    after = merge(before, _reading(V.TRUE_POSITIVE, S.HIGH, instructions_seen=True), floor=None)
    assert after.flags == (Flag.INJECTION_SUSPECTED,)
    fresh = merge(
        _proposal(S.HIGH, S.HIGH),
        _reading(V.TRUE_POSITIVE, S.HIGH, instructions_seen=True),
        floor=None,
    )
    assert Flag.INJECTION_SUSPECTED in fresh.flags


def test_a_policy_needs_human_is_never_promoted_by_the_model() -> None:
    before = _proposal(S.LOW, S.MEDIUM, V.NEEDS_HUMAN)
    after = merge(before, _reading(V.TRUE_POSITIVE, S.MEDIUM), floor=None)
    assert after.verdict == V.NEEDS_HUMAN


@pytest.mark.parametrize(
    ("policy", "m_verdict", "m_severity", "evidence"),
    list(itertools.product(list(S), list(V), list(S), [OK, FAILED, NONE_VERIFIED])),
)
def test_no_answer_ever_dismisses_or_goes_below_the_floor(
    policy: S, m_verdict: Verdict, m_severity: S, evidence: EvidenceCheck
) -> None:
    # A known-exploited style floor of high, with the scanner at the policy severity.
    floor = S.HIGH
    start = S.highest(policy, floor)
    after = merge(_proposal(start, policy), _reading(m_verdict, m_severity, evidence), floor=floor)
    assert after.verdict != V.FALSE_POSITIVE
    assert after.severity.rank >= floor.rank
    if m_verdict == V.FALSE_POSITIVE or m_severity.rank < floor.rank:
        assert after.verdict == V.NEEDS_HUMAN
