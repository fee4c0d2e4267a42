"""Score the deterministic triage of the bundled example app against its hand-written labels.

Run: ``.venv/bin/python -m evals.example_app`` (uses a throwaway SQLite store).
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
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from agent.demo import DEMO_REPO, ingest_example
from agent.runtime import Runtime, open_runtime
from agent.workflow import triage
from config.settings import Settings
from tools.findings.severity import Severity
from tools.store.tables import CaseFindingRow, FindingRow, ProposalRow

LABELS = DEMO_REPO / "labels.json"


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
    tp = [lab for lab in labels if lab["label"] == "true_positive"]
    fp = [lab for lab in labels if lab["label"] == "false_positive"]

    def proposal(label: dict[str, Any]) -> tuple[str, str, str]:
        return proposals[(label["rule_id"], label["path"], label["line"])]

    def meets(label: dict[str, Any], index: int) -> bool:
        deserved = Severity(label["expected_min_severity"])
        return Severity(proposal(label)[index]).rank >= deserved.rank

    met = sum(meets(lab, 1) for lab in tp)
    return Scored(
        labelled=len(labels),
        true_positives=len(tp),
        false_positives=len(fp),
        severity_met=met,
        scanner_severity_met=sum(meets(lab, 2) for lab in tp),
        missed_true_positives=len(tp) - met,
        auto_filed_false_positives=sum(proposal(lab)[0] == "true_positive" for lab in fp),
        false_positives_sent_to_a_human=sum(proposal(lab)[0] == "needs_human" for lab in fp),
        unsafe_closures=sum(proposal(lab)[0] == "false_positive" for lab in tp),
    )


def triage_example(runtime: Runtime) -> Proposals:
    """Ingest and triage the example app and return what was proposed for each finding."""
    ingest_example(runtime)
    with runtime.workflow() as (deps, graph):
        triage(deps, graph, limit=None)
    with runtime.database.session() as session:
        rows = session.exec(
            select(FindingRow, ProposalRow)
            .join(CaseFindingRow, col(CaseFindingRow.finding_id) == col(FindingRow.id))
            .join(ProposalRow, col(ProposalRow.case_id) == col(CaseFindingRow.case_id))
        ).all()
    return {
        (f.rule_id, f.path or "", f.start_line or 0): (p.verdict, p.severity, p.tool_severity)
        for f, p in rows
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        runtime = open_runtime(Settings(state_dir=Path(tmp)))
        scored = score(triage_example(runtime), json.loads(LABELS.read_text()))
        runtime.database.dispose()
    sys.stdout.write(json.dumps(asdict(scored), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
