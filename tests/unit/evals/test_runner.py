"""Joining labels to what the workflow proposed, without running the workflow."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.datasets import Dataset, Label
from evals.runner import EvalError, Proposed, Triaged, decided_by_policy, join
from tools.findings.severity import Severity

A = ("bandit", "B1", "a.py", 1)
B = ("bandit", "B2", "b.py", 2)
C = ("semgrep", "S1", "c.py", 3)


def _proposed(verdict: str, decided_by: str = "policy@1") -> Proposed:
    return Proposed(
        verdict=verdict, severity=Severity.HIGH, tool_severity=Severity.LOW, decided_by=decided_by
    )


def _dataset(*labels: Label) -> Dataset:
    return Dataset(name="t", root=Path(), repository="t/t", reports=(), labels=labels, files=())


def test_every_label_and_every_unlabelled_finding_gets_one_outcome() -> None:
    triaged = Triaged(
        proposals={A: _proposed("true_positive"), C: _proposed("needs_human")},
        findings=[A, C],
        tool_severity={A: Severity.LOW, C: Severity.MEDIUM},
    )
    dataset = _dataset(
        Label(A, "true_positive", expected_severity=Severity.HIGH),
        Label(B, "true_positive"),  # never stored or never triaged
    )
    outcomes, unlabelled = join(dataset, triaged)
    assert unlabelled == 1
    assert [(o.path, o.truth, o.verdict) for o in outcomes] == [
        ("a.py", "true_positive", "true_positive"),
        ("b.py", "true_positive", "dropped"),
        ("c.py", None, "needs_human"),
    ]
    assert outcomes[0].severity == Severity.HIGH and outcomes[0].tool_severity == Severity.LOW
    assert outcomes[0].expected_severity == Severity.HIGH
    assert outcomes[1].severity is None


def test_a_label_matching_two_findings_is_refused() -> None:
    triaged = Triaged(proposals={A: _proposed("true_positive")}, findings=[A, A])
    with pytest.raises(EvalError, match="matches 2 findings"):
        join(_dataset(Label(A, "false_positive")), triaged)


def test_only_policy_proposals_can_be_reported_as_free() -> None:
    policy = Triaged(proposals={A: _proposed("true_positive"), B: _proposed("needs_human")})
    assert decided_by_policy(policy) == {"policy@1": 2}
    mixed = Triaged(proposals={A: _proposed("false_positive", "model@gpt-x/prompt-3")})
    with pytest.raises(EvalError, match="model@gpt-x/prompt-3"):
        decided_by_policy(mixed)
