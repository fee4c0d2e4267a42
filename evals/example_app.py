"""Score the deterministic triage of the bundled example app against its hand-written labels.

The full eval (report, baseline gate) is ``appsec-triage-eval --dataset example``; this module
keeps the compact score the graph tests assert on, computed with the same dataset, runner and
metrics. Run: ``.venv/bin/python -m evals.example_app`` (uses a throwaway SQLite store).
The labels (examples/vulnerable-app/labels.json) mark each Bandit result as a true or false
positive with the lowest severity it deserves. The numbers that matter:

- ``missed_true_positives``: real issues proposed below their deserved severity;
- ``auto_filed_false_positives``: false positives proposed as true_positive without asking a human
  (noise a developer would receive);
- ``unsafe_closures``: real issues proposed as false_positive (the deterministic path never does).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from typing import Any

from agent.runtime import Runtime
from evals.datasets import EXAMPLE_LABELS, example_dataset
from evals.metrics import (
    FALSE_POSITIVE,
    NEEDS_HUMAN,
    TRUE_POSITIVE,
    Outcome,
    auto_filed_false_positives,
    severity_agreement,
    unsafe_closures,
)
from evals.runner import run, triage_dataset
from tools.findings.severity import Severity

LABELS = EXAMPLE_LABELS


@dataclass(frozen=True)
class Scored:
    labelled: int
    true_positives: int
    false_positives: int
    severity_met: int
    """True positives proposed at or above their deserved severity."""
    scanner_severity_met: int
    """The same count for the scanner's own severity: the baseline triage must beat."""
    missed_true_positives: int
    auto_filed_false_positives: int
    false_positives_sent_to_a_human: int
    unsafe_closures: int


Proposals = dict[tuple[str, str, int], tuple[str, str, str]]


def score(proposals: Proposals, labels: list[dict[str, Any]]) -> Scored:
    """``proposals``: (rule, path, line) → (verdict, proposed severity, scanner severity)."""
    outcomes = [_outcome(label, proposals) for label in labels]
    tp = sum(o.truth == TRUE_POSITIVE for o in outcomes)
    fp = [o for o in outcomes if o.truth == FALSE_POSITIVE]
    proposed = severity_agreement(outcomes, "proposed")
    scanner = severity_agreement(outcomes, "scanner")
    met = proposed.at_or_above.count if proposed else 0
    return Scored(
        labelled=len(labels),
        true_positives=tp,
        false_positives=len(fp),
        severity_met=met,
        scanner_severity_met=scanner.at_or_above.count if scanner else 0,
        missed_true_positives=tp - met,
        auto_filed_false_positives=auto_filed_false_positives(outcomes).count,
        false_positives_sent_to_a_human=sum(o.verdict == NEEDS_HUMAN for o in fp),
        unsafe_closures=unsafe_closures(outcomes).count,
    )


def _outcome(label: dict[str, Any], proposals: Proposals) -> Outcome:
    verdict, severity, tool_severity = proposals[(label["rule_id"], label["path"], label["line"])]
    return Outcome(
        tool="bandit",
        rule_id=label["rule_id"],
        path=label["path"],
        line=label["line"],
        truth=label["label"],
        verdict=verdict,
        severity=Severity(severity),
        tool_severity=Severity(tool_severity),
        expected_severity=Severity(label["expected_min_severity"]),
    )


def triage_example(runtime: Runtime) -> Proposals:
    """Ingest and triage the example app and return what was proposed for each finding."""
    triaged = triage_dataset(runtime, example_dataset())
    return {
        (rule, path, line): (p.verdict, p.severity.value, p.tool_severity.value)
        for (_tool, rule, path, line), p in triaged.proposals.items()
    }


def main() -> int:
    result = run(example_dataset())
    proposals = {
        (o.rule_id, o.path, o.line): (o.verdict, str(o.severity), str(o.tool_severity))
        for o in result.outcomes
        if o.severity is not None
    }
    scored = score(proposals, json.loads(LABELS.read_text(encoding="utf-8")))
    sys.stdout.write(json.dumps(asdict(scored), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
