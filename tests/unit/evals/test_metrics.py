"""The metric functions, table-driven: every row states its expected numbers."""

from __future__ import annotations

from typing import Literal

import pytest

from evals.metrics import (
    DROPPED,
    FALSE_POSITIVE,
    NEEDS_HUMAN,
    RULES,
    TRUE_POSITIVE,
    BenchmarkCase,
    Confusion,
    Outcome,
    auto_decided,
    auto_filed_false_positives,
    case_confusion,
    confusion,
    dismissals,
    flagged_cases,
    per_category,
    severity_agreement,
    unsafe_closures,
    verdict_matrix,
)
from tools.findings.severity import Severity

TP, FP, NH = TRUE_POSITIVE, FALSE_POSITIVE, NEEDS_HUMAN


def o(
    truth: str | None,
    verdict: str,
    *,
    expected: Severity | None = None,
    severity: Severity | None = None,
    tool_severity: Severity | None = None,
    case: str | None = None,
    in_category: bool = True,
    tool: str = "bandit",
) -> Outcome:
    return Outcome(
        tool=tool,
        rule_id="R",
        path="p.py",
        line=1,
        truth=truth,
        verdict=verdict,
        severity=severity,
        tool_severity=tool_severity,
        expected_severity=expected,
        test_case=case,
        in_category=in_category,
    )


@pytest.mark.parametrize(
    ("matrix", "precision", "recall", "f1", "fpr"),
    [
        (Confusion(tp=3, fp=1, tn=4, fn=1), 0.75, 0.75, 0.75, 0.2),
        (Confusion(tp=1, fp=0, tn=0, fn=3), 1.0, 0.25, 0.4, None),
        (Confusion(tp=0, fp=0, tn=5, fn=2), None, 0.0, None, 0.0),  # nothing predicted
        (Confusion(tp=0, fp=2, tn=0, fn=0), 0.0, None, None, 1.0),  # nothing to find
        (Confusion(tp=0, fp=1, tn=0, fn=1), 0.0, 0.0, None, 1.0),  # p + r == 0
    ],
)
def test_confusion_ratios_are_none_when_undefined(
    matrix: Confusion,
    precision: float | None,
    recall: float | None,
    f1: float | None,
    fpr: float | None,
) -> None:
    assert matrix.precision == (None if precision is None else pytest.approx(precision))
    assert matrix.recall == (None if recall is None else pytest.approx(recall))
    assert matrix.f1 == (None if f1 is None else pytest.approx(f1))
    assert matrix.fpr == (None if fpr is None else pytest.approx(fpr))


def test_confusion_counts_each_quadrant() -> None:
    pairs = [(True, True)] * 3 + [(True, False)] * 2 + [(False, False)] * 5 + [(False, True)]
    assert confusion(pairs) == Confusion(tp=3, fp=2, tn=5, fn=1)


@pytest.mark.parametrize(
    ("outcomes", "count", "of"),
    [
        ([], 0, 0),
        ([o(TP, TP), o(TP, NH)], 0, 2),
        ([o(TP, FP), o(TP, TP), o(TP, TP), o(TP, TP)], 1, 4),  # dismissed
        ([o(TP, DROPPED), o(TP, TP)], 1, 2),  # never reached anyone: closed without a human
        ([o(FP, FP), o(None, FP), o(None, DROPPED)], 0, 0),  # only real ones count
        ([o(TP, FP), o(TP, DROPPED), o(FP, TP)], 2, 2),
    ],
)
def test_unsafe_closures_count_real_vulnerabilities_dismissed_or_dropped(
    outcomes: list[Outcome], count: int, of: int
) -> None:
    rate = unsafe_closures(outcomes)
    assert (rate.count, rate.of) == (count, of)
    assert rate.value == (count / of if of else None)


@pytest.mark.parametrize(
    ("outcomes", "count", "of"),
    [
        ([], 0, 0),
        ([o(TP, TP), o(FP, FP), o(None, TP)], 3, 3),
        ([o(TP, NH), o(FP, NH), o(None, TP)], 1, 3),
        ([o(TP, DROPPED), o(FP, FP)], 1, 2),  # a dropped finding was not decided: it was lost
    ],
)
def test_auto_decided_counts_verdicts_other_than_needs_human(
    outcomes: list[Outcome], count: int, of: int
) -> None:
    rate = auto_decided(outcomes)
    assert (rate.count, rate.of) == (count, of)


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        # No dismissal at all: precision undefined, recall 0.
        ([o(TP, TP), o(FP, TP), o(FP, NH)], Confusion(tp=0, fp=0, tn=1, fn=2)),
        # Two right dismissals, one wrong, one missed; unscored findings are ignored.
        (
            [o(FP, FP), o(FP, FP), o(TP, FP), o(FP, NH), o(None, FP), o(None, TP)],
            Confusion(tp=2, fp=1, tn=0, fn=1),
        ),
        ([o(FP, DROPPED), o(TP, TP)], Confusion(tp=0, fp=0, tn=1, fn=1)),
    ],
)
def test_dismissals_score_the_false_positive_verdict(
    outcomes: list[Outcome], expected: Confusion
) -> None:
    assert dismissals(outcomes) == expected


def test_dismissal_precision_recall_f1_on_a_mixed_run() -> None:
    scores = dismissals([o(FP, FP), o(FP, FP), o(TP, FP), o(FP, NH)])
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.f1 == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("outcomes", "count", "of"),
    [
        ([o(FP, TP), o(FP, NH), o(FP, FP), o(TP, TP)], 1, 3),
        ([o(TP, TP)], 0, 0),
    ],
)
def test_auto_filed_false_positives(outcomes: list[Outcome], count: int, of: int) -> None:
    rate = auto_filed_false_positives(outcomes)
    assert (rate.count, rate.of) == (count, of)


def test_verdict_matrix_puts_every_outcome_in_one_cell() -> None:
    matrix = verdict_matrix([o(TP, TP), o(TP, NH), o(FP, FP), o(None, DROPPED), o(None, TP)])
    assert matrix == {
        TP: {TP: 1, NH: 1, FP: 0, DROPPED: 0},
        FP: {TP: 0, NH: 0, FP: 1, DROPPED: 0},
        "unscored": {TP: 1, NH: 0, FP: 0, DROPPED: 1},
    }


H, M, L = Severity.HIGH, Severity.MEDIUM, Severity.LOW


@pytest.mark.parametrize(
    ("outcomes", "which", "exact", "at_or_above", "of"),
    [
        # Proposed severities: exact, above, below.
        (
            [
                o(TP, TP, expected=H, severity=H, tool_severity=L),
                o(TP, TP, expected=M, severity=H, tool_severity=M),
                o(TP, NH, expected=H, severity=M, tool_severity=M),
            ],
            "proposed",
            1,
            2,
            3,
        ),
        # The same findings, judged on the scanner's own rating.
        (
            [
                o(TP, TP, expected=H, severity=H, tool_severity=L),
                o(TP, TP, expected=M, severity=H, tool_severity=M),
                o(TP, NH, expected=H, severity=M, tool_severity=M),
            ],
            "scanner",
            1,
            1,
            3,
        ),
        # False positives, unlabelled severities and dropped findings are left out.
        (
            [
                o(FP, TP, expected=L, severity=H, tool_severity=H),
                o(TP, TP, severity=H, tool_severity=H),
                o(TP, DROPPED, expected=H),
                o(TP, TP, expected=L, severity=L, tool_severity=L),
            ],
            "proposed",
            1,
            1,
            1,
        ),
    ],
)
def test_severity_agreement(
    outcomes: list[Outcome],
    which: Literal["proposed", "scanner"],
    exact: int,
    at_or_above: int,
    of: int,
) -> None:
    agreement = severity_agreement(outcomes, which)
    assert agreement is not None
    assert (agreement.exact.count, agreement.at_or_above.count, agreement.exact.of) == (
        exact,
        at_or_above,
        of,
    )
    assert sum(sum(row.values()) for row in agreement.matrix.values()) == of


def test_severity_confusion_matrix_cells() -> None:
    agreement = severity_agreement(
        [o(TP, TP, expected=H, severity=M), o(TP, TP, expected=H, severity=M)], "proposed"
    )
    assert agreement is not None
    assert agreement.matrix["high"]["medium"] == 2
    assert agreement.matrix["high"]["high"] == 0


def test_no_severity_labels_means_not_measured() -> None:
    assert severity_agreement([o(TP, TP, severity=H, tool_severity=H)], "proposed") is None


CASES = {"c1": True, "c2": False, "c3": True, "c4": False}


@pytest.mark.parametrize(
    ("outcomes", "rule", "flagged", "expected"),
    [
        # The raw scanner: any in-category finding flags its test case.
        (
            [o(TP, TP, case="c1"), o(FP, NH, case="c2"), o(None, TP, case="c4", in_category=False)],
            "scanner",
            {"c1", "c2"},
            Confusion(tp=1, fp=1, tn=1, fn=1),
        ),
        # Filed: only findings proposed true_positive.
        (
            [o(TP, TP, case="c1"), o(FP, NH, case="c2"), o(TP, FP, case="c3")],
            "filed",
            {"c1"},
            Confusion(tp=1, fp=0, tn=2, fn=1),
        ),
        # Open: anything not dismissed or dropped; one open finding keeps the case flagged.
        (
            [
                o(TP, TP, case="c1"),
                o(FP, NH, case="c2"),
                o(TP, FP, case="c3"),
                o(FP, FP, case="c4"),
                o(FP, TP, case="c4"),
            ],
            "open",
            {"c1", "c2", "c4"},
            Confusion(tp=1, fp=2, tn=0, fn=1),
        ),
        # A finding outside any known test case flags nothing.
        (
            [o(TP, TP, case="elsewhere"), o(None, TP)],
            "scanner",
            {"elsewhere"},
            Confusion(0, 0, 2, 2),
        ),
    ],
)
def test_test_case_views(
    outcomes: list[Outcome], rule: str, flagged: set[str], expected: Confusion
) -> None:
    found = flagged_cases(outcomes, RULES[rule])
    assert found == flagged
    assert case_confusion(CASES, found) == expected


def test_per_category_splits_the_test_cases() -> None:
    cases = [
        BenchmarkCase("a1", "sqli", True),
        BenchmarkCase("a2", "sqli", False),
        BenchmarkCase("b1", "xss", True),
    ]
    result = per_category(cases, {"a1", "a2"})
    assert list(result) == ["sqli", "xss"]
    assert result["sqli"] == Confusion(tp=1, fp=1, tn=0, fn=0)
    assert result["xss"] == Confusion(tp=0, fp=0, tn=0, fn=1)
