"""Commands on the audit trail."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from agent.cli.common import (
    EXIT_REFUSED,
    JsonOption,
    audit_app,
    err,
    open_cli_runtime,
    out,
    print_json,
)
from tools.store.audit import verify_chain


@audit_app.command("verify")
def audit_verify(
    expect_head: Annotated[
        str | None,
        typer.Option(help="Head hash recorded earlier; detects records cut from the end."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute the hash chain; exit 1 if any record was edited, deleted or reordered."""
    runtime = open_cli_runtime()
    with runtime.database.session() as session:
        report = verify_chain(session, expect_head=expect_head)
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "records": report.records,
                "head": report.head,
                "problems": report.problems,
            }
        )
    else:
        for problem in report.problems:
            err.print(Text("broken ", style="bold red") + Text(problem))
        verdict = "intact" if report.ok else f"BROKEN ({len(report.problems)} problems)"
        out.print(f"audit trail {verdict}: {report.records} records, head {report.head}")
    if not report.ok:
        raise typer.Exit(EXIT_REFUSED)
