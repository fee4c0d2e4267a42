"""``appsec-triage reconcile``: finish publishes whose outcome was left unknown."""

from __future__ import annotations

from dataclasses import asdict

from agent.cli.common import (
    EXIT_REFUSED,
    JsonOption,
    app,
    err,
    open_cli_runtime,
    out,
    print_json,
    text_table,
)
from agent.reconcile import reconcile


@app.command("reconcile")
def reconcile_command(as_json: JsonOption = False) -> None:
    """Check the destination for each case in needs_reconciliation; record or publish it once."""
    runtime = open_cli_runtime()
    results = reconcile(runtime.deps())
    if as_json:
        print_json([asdict(result) for result in results])
    else:
        out.print(
            text_table(
                "case", "outcome", "ref", rows=[[r.case_id, r.outcome, r.ref] for r in results]
            )
        )
        err.print(f"{len(results)} cases needed reconciliation")
    if any(result.outcome.startswith("unresolved") for result in results):
        raise SystemExit(EXIT_REFUSED)
