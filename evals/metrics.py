"""Triage-quality metrics: pure functions over what was proposed for each labelled finding.

Nothing here touches a store or a file, so every number is checked by table-driven tests
(tests/unit/evals/). Vocabulary:

- ``truth``: the label, ``true_positive`` (a real vulnerability), ``false_positive``, or None when
  the dataset does not score the finding;
- ``verdict``: what triage proposed, ``true_positive``, ``false_positive`` or ``needs_human``, or
  ``dropped`` when the finding never got a proposal (lost at ingest, or never triaged): a finding
  nobody looks at is closed without a human, so it counts against safety like a dismissal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tools.findings.severity import Severity

TRUE_POSITIVE = "true_positive"
FALSE_POSITIVE = "false_positive"
NEEDS_HUMAN = "needs_human"
DROPPED = "dropped"
VERDICTS = (TRUE_POSITIVE, NEEDS_HUMAN, FALSE_POSITIVE, DROPPED)
CLOSED = frozenset({FALSE_POSITIVE, DROPPED})
"""Verdicts that end a finding's life without a human looking at it."""
AUTOMATIC = frozenset({TRUE_POSITIVE, FALSE_POSITIVE})
"""Verdicts reached without asking a human (the ticket itself still waits for approval)."""
UNSCORED = "unscored"


@dataclass(frozen=True)
class Outcome:
    """One finding of a dataset: its label, and what triage proposed for it."""

    tool: str
    rule_id: str
    path: str
    line: int
    truth: str | None
    verdict: str
    severity: Severity | None = None
    """The proposed severity; None when dropped."""
    tool_severity: Severity | None = None
    expected_severity: Severity | None = None
    """The lowest severity the label says the finding deserves, where the dataset has one."""
    test_case: str | None = None
    in_category: bool = False
    """The finding reports its test case's weakness class (the benchmark's "mapped" mode)."""


@dataclass(frozen=True)
class Rate:
    count: int
    of: int

    @property
    def value(self) -> float | None:
        return self.count / self.of if self.of else None

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count, "of": self.of}


@dataclass(frozen=True)
class Confusion:
    """A binary confusion matrix; a ratio with a zero denominator is None (undefined), not 0."""

    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def precision(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)

    @property
    def fpr(self) -> float | None:
        return _ratio(self.fp, self.fp + self.tn)

    def as_json(self) -> dict[str, Any]:
        return {
            "TP": self.tp,
            "FP": self.fp,
            "TN": self.tn,
            "FN": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "fpr": self.fpr,
        }


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def confusion(pairs: Iterable[tuple[bool, bool]]) -> Confusion:
    """``pairs`` of (predicted positive, actually positive)."""
    counts = Counter(pairs)
    return Confusion(
        tp=counts[(True, True)],
        fp=counts[(True, False)],
        tn=counts[(False, False)],
        fn=counts[(False, True)],
    )


def _scored(outcomes: Iterable[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.truth in (TRUE_POSITIVE, FALSE_POSITIVE)]


def dismissals(outcomes: Iterable[Outcome]) -> Confusion:
    """The false-positive verdict as a classifier over scored findings.

    Precision: of the findings triage dismissed, the share that really were false positives.
    Recall: of the real false positives, the share triage dismissed.
    """
    return confusion(
        (o.verdict == FALSE_POSITIVE, o.truth == FALSE_POSITIVE) for o in _scored(outcomes)
    )


def unsafe_closures(outcomes: Iterable[Outcome]) -> Rate:
    """Real vulnerabilities dismissed or dropped, out of all real vulnerabilities."""
    real = [o for o in outcomes if o.truth == TRUE_POSITIVE]
    return Rate(sum(o.verdict in CLOSED for o in real), len(real))


def auto_decided(outcomes: Iterable[Outcome]) -> Rate:
    """Findings given a verdict without asking a human, out of every finding."""
    every = list(outcomes)
    return Rate(sum(o.verdict in AUTOMATIC for o in every), len(every))


def auto_filed_false_positives(outcomes: Iterable[Outcome]) -> Rate:
    """False positives proposed as true positives without a human (noise for developers)."""
    fps = [o for o in outcomes if o.truth == FALSE_POSITIVE]
    return Rate(sum(o.verdict == TRUE_POSITIVE for o in fps), len(fps))


def verdict_matrix(outcomes: Iterable[Outcome]) -> dict[str, dict[str, int]]:
    """Label (``true_positive``, ``false_positive``, ``unscored``) x verdict → count."""
    matrix = {
        truth: dict.fromkeys(VERDICTS, 0) for truth in (TRUE_POSITIVE, FALSE_POSITIVE, UNSCORED)
    }
    for o in outcomes:
        matrix[o.truth or UNSCORED][o.verdict] += 1
    return matrix


@dataclass(frozen=True)
class SeverityAgreement:
    """Labelled (deserved) severity against a given severity, for real vulnerabilities."""

    matrix: dict[str, dict[str, int]]
    """Deserved severity → given severity → count."""
    exact: Rate
    at_or_above: Rate
    """Given at least the deserved severity: the label is a minimum."""

    def as_json(self) -> dict[str, Any]:
        return {
            "matrix": self.matrix,
            "exact": self.exact.as_json(),
            "at_or_above": self.at_or_above.as_json(),
        }


def severity_agreement(
    outcomes: Iterable[Outcome], which: Literal["proposed", "scanner"]
) -> SeverityAgreement | None:
    """None when no real vulnerability carries a severity label."""
    pairs: list[tuple[Severity, Severity]] = []
    for o in outcomes:
        given = o.severity if which == "proposed" else o.tool_severity
        if o.truth == TRUE_POSITIVE and o.expected_severity is not None and given is not None:
            pairs.append((o.expected_severity, given))
    if not pairs:
        return None
    matrix = {str(s): {str(g): 0 for g in Severity} for s in Severity}
    for expected, given in pairs:
        matrix[str(expected)][str(given)] += 1
    return SeverityAgreement(
        matrix=matrix,
        exact=Rate(sum(e == g for e, g in pairs), len(pairs)),
        at_or_above=Rate(sum(g.rank >= e.rank for e, g in pairs), len(pairs)),
    )


# Per test case (OWASP Benchmark scoring): a test case is a file that either is or is not a real
# vulnerability of one category. A tool "flags" it when it reports a finding of that category in
# it. The three views below differ only in which findings still count after triage.

FlagRule = Callable[[Outcome], bool]

RULES: Mapping[str, FlagRule] = {
    "scanner": lambda o: True,
    "filed": lambda o: o.verdict == TRUE_POSITIVE,
    "open": lambda o: o.verdict not in CLOSED,
}
"""``scanner``: every finding (the raw baseline); ``filed``: findings triage proposed as true
positives on its own; ``open``: findings triage did not close (filed, or sent to a human)."""


def flagged_cases(outcomes: Iterable[Outcome], rule: FlagRule) -> set[str]:
    return {o.test_case for o in outcomes if o.test_case and o.in_category and rule(o)}


def case_confusion(cases: Mapping[str, bool], flagged: set[str]) -> Confusion:
    """``cases``: test case → real vulnerability. A flagged name outside ``cases`` is ignored."""
    return confusion((name in flagged, real) for name, real in cases.items())


@dataclass(frozen=True)
class BenchmarkCase:
    name: str
    category: str
    real: bool


def per_category(cases: Sequence[BenchmarkCase], flagged: set[str]) -> dict[str, Confusion]:
    """Category → confusion over that category's test cases."""
    by_category: dict[str, dict[str, bool]] = {}
    for case in cases:
        by_category.setdefault(case.category, {})[case.name] = case.real
    return {
        category: case_confusion(members, flagged)
        for category, members in sorted(by_category.items())
    }
