"""``appsec-triage worker``: claim cases from the shared store and advance them."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta
from types import FrameType
from typing import Annotated

import typer
from rich.text import Text

from agent.cli.common import EXIT_REFUSED, JsonOption, app, err, open_cli_runtime, out, print_json
from agent.worker import WorkerOptions, WorkerReport, new_worker_id, run_worker


@app.command("worker")
def worker_command(
    once: Annotated[
        bool, typer.Option("--once", help="Exit when nothing is left to claim, instead of polling.")
    ] = False,
    lease_seconds: Annotated[
        int,
        typer.Option(
            min=1,
            max=86_400,
            help="How long a claim holds without a heartbeat; a dead worker's cases are taken "
            "over after it.",
        ),
    ] = 300,
    concurrency: Annotated[
        int, typer.Option(min=1, max=256, help="Cases advanced at the same time.")
    ] = 4,
    decided_only: Annotated[
        bool,
        typer.Option(
            "--decided-only",
            help="Only resume cases a human decided (publish approved tickets); open and triage "
            "nothing new, so this process reads no new finding text.",
        ),
    ] = False,
    decision_grace_seconds: Annotated[
        int,
        typer.Option(
            min=0,
            max=86_400,
            help="Leave a decided approval this long to the process that recorded it (the Slack "
            "app resumes it at once) before a worker takes the case over.",
        ),
    ] = 120,
    poll_seconds: Annotated[
        float, typer.Option(min=0.1, max=3600, help="Pause between looks for new work.")
    ] = 5.0,
    as_json: JsonOption = False,
) -> None:
    """Claim cases and advance them through the workflow; run several on one PostgreSQL store.

    SIGTERM or Ctrl-C: no new case is claimed, the cases in flight finish, then it exits.
    """
    runtime = open_cli_runtime()
    options = WorkerOptions(
        worker_id=new_worker_id(),
        lease=timedelta(seconds=lease_seconds),
        concurrency=concurrency,
        once=once,
        poll_seconds=poll_seconds,
        decided_only=decided_only,
        decision_grace=timedelta(seconds=decision_grace_seconds),
    )
    stop = threading.Event()

    def ask_to_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)
    if not as_json:
        err.print(f"worker {options.worker_id}: claiming from {runtime.database.url!r}")
    with runtime.workflow(connections=concurrency) as (deps, graph):
        report = run_worker(deps, graph, options, stop=stop)
    _print(options.worker_id, report, as_json)
    if report.failed:
        raise typer.Exit(EXIT_REFUSED)


def _print(worker_id: str, report: WorkerReport, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "worker": worker_id,
                "advanced": report.advanced,
                "opened": report.opened,
                "pending_approvals": report.pending,
                "finished": {str(k): v for k, v in report.finished.items()},
                "failed": {str(k): v for k, v in report.failed.items()},
                "lost": report.lost,
                "stopped": report.stopped,
            }
        )
        return
    for case_id, error in report.failed.items():
        err.print(Text("failed ", style="bold red") + Text(f"case {case_id}: {error}"))
    out.print(
        f"worker {worker_id}: {len(report.advanced)} case(s) advanced, {report.opened} opened, "
        f"{len(report.pending)} approval(s) pending, {len(report.finished)} finished, "
        f"{len(report.failed)} failed."
    )
