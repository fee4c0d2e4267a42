"""The deterministic triage of the example app, scored against its labels, must not regress."""

from __future__ import annotations

import json

from agent.runtime import Runtime
from evals.example_app import LABELS, score, triage_example


def test_deterministic_triage_beats_the_scanner_and_never_closes_a_real_issue(
    runtime: Runtime,
) -> None:
    labels = json.loads(LABELS.read_text())
    scored = score(triage_example(runtime), labels)
    assert scored.labelled == len(labels) == 19
    assert scored.unsafe_closures == 0
    # Baseline recorded 2026-11-27 (rubric 2026-11-27.1): 8 of 9 true positives at their deserved
    # severity (Bandit alone: 5); 9 of 10 false positives routed to a human, 1 auto-filed.
    assert scored.severity_met >= 8 > scored.scanner_severity_met
    assert scored.auto_filed_false_positives <= 1
    assert scored.false_positives_sent_to_a_human >= 9
