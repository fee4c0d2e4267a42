"""``appsec-triage demo``: the whole loop on the bundled, intentionally vulnerable example app."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.cases import latest_verdicts
from agent.errors import AgentError
from agent.ingest import IngestResult, ingest_file
from agent.runtime import Runtime
from agent.workflow import triage
from approvals.card import approval_subject
from approvals.requests import list_approvals
from tools.findings.severity import Severity
from tools.store.tables import ApprovalRow, ApprovalStatus

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DEMO_REPORT = EXAMPLES / "reports" / "bandit.sarif"
DEMO_REPO = EXAMPLES / "vulnerable-app"
DEMO_REPOSITORY = "example/notesvc"


class DemoUnavailable(AgentError):
    pass


def _severity(approval: ApprovalRow) -> Severity:
    labels = approval_subject(approval.payload).labels
    return next(
        (Severity(label.split(":", 1)[1]) for label in labels if label.startswith("severity:")),
        Severity.INFO,
    )


def ingest_example(runtime: Runtime) -> IngestResult:
    """Ingest the example app's Bandit report, with the app as the repository root."""
    if not DEMO_REPORT.is_file():
        raise DemoUnavailable(f"the demo needs the repository checkout; {DEMO_REPORT} is missing")
    return ingest_file(
        runtime.database,
        DEMO_REPORT,
        repo_root=DEMO_REPO,
        repository=DEMO_REPOSITORY,
        format_name=None,
        options=runtime.ingest_options(),
    )


def run_demo(runtime: Runtime, console: Console) -> None:
    console.print(f"1. Ingesting {DEMO_REPORT.relative_to(EXAMPLES.parent)} (Bandit, SARIF 2.1.0)")
    result = ingest_example(runtime)
    console.print(
        f"   {result.results} results → {result.findings} findings "
        f"({result.new} new, {result.duplicates} seen before)"
    )
    console.print("2. Triaging (deterministic policy; no model configured)")
    with runtime.workflow() as (deps, graph):
        summary = triage(deps, graph, limit=None)
    console.print(f"   {summary.started} case(s) triaged, {summary.resumed} resumed")
    with runtime.database.session() as session:
        pending = sorted(
            list_approvals(session, ApprovalStatus.PENDING),
            key=lambda a: (-_severity(a).rank, a.case_id),
        )
        verdicts = latest_verdicts(session, [a.case_id for a in pending])
    table = Table("approval", "case", "severity", "verdict", "ticket title", title="3. Pending")
    for approval in pending:
        table.add_row(
            approval.id,
            str(approval.case_id),
            _severity(approval).value,
            verdicts.get(approval.case_id, "?"),
            Text(approval_subject(approval.payload).title),
        )
    console.print(table)
    first = pending[0].id if pending else "ID"
    outbox = runtime.settings.resolved_outbox_dir()
    console.print(
        f"{len(pending)} approval(s) wait for a human. Next steps:\n"
        f"  .venv/bin/appsec-triage approvals show {first}      # the exact ticket\n"
        f"  .venv/bin/appsec-triage approvals approve {first}   # writes {outbox}/case-N.md\n"
        f"  .venv/bin/appsec-triage approvals reject ID --reason '...'\n"
        f"  .venv/bin/appsec-triage findings list"
    )
