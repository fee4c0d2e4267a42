"""``appsec-triage batch --config repos.yaml``: scheduled triage over many repositories."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.text import Text

from agent.batch import BatchReport, BatchSetup, run_batch
from agent.batch_ingest import GithubAccess
from agent.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_REFUSED,
    JsonOption,
    app,
    err,
    fail,
    open_cli_runtime,
    out,
    print_json,
    text_table,
)
from agent.cli.slack import slack_client_and_config
from agent.runtime import Runtime
from approvals.slack.poster import RateLimiter, post_pending_cards
from config.batch import BatchConfigError, load_batch_config

EXIT_STOPPED = 3
"""A budget (or a signal) stopped the run before it got through everything: run it again."""


@app.command("batch")
def batch_command(
    config: Annotated[
        Path, typer.Option("--config", help="Repositories and budgets (config/repos.example.yaml).")
    ],
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, max=256, help="Cases advanced at once (default: the config's)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest, triage and post approvals for every repository in the config.

    Resumable: run it again after a kill and it continues; nothing is triaged, posted or published
    twice. Exit 0 when done, 1 when a case or report failed, 2 for a bad config, 3 when a budget
    stopped it (run again to continue).
    """
    try:
        batch_config = load_batch_config(config)
    except BatchConfigError as exc:
        fail(EXIT_BAD_INPUT, str(exc))
    runtime = open_cli_runtime()
    setup = BatchSetup(
        config=batch_config,
        base=config.resolve().parent,
        concurrency=concurrency or batch_config.concurrency,
        ingest_options=runtime.ingest_options(),
        github=_github_access(runtime),
        post_approvals=_slack_poster(runtime),
    )
    stop = threading.Event()

    def ask_to_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)
    with (
        runtime.workflow(connections=setup.concurrency) as (deps, graph),
        _BarProgress(enabled=not as_json) as progress,
    ):
        report = run_batch(deps, graph, setup, progress=progress, stop=stop)
    if as_json:
        print_json(_as_json(report))
    else:
        _print_summary(report)
    if report.stopped is not None:
        err.print(
            Text("stopped: ", style="bold yellow")
            + Text(
                f"{report.stopped}; {report.left} case(s) left. Run the same command again "
                "to continue where this run stopped."
            )
        )
        raise typer.Exit(EXIT_STOPPED)
    if report.worker.failed or any(o.ingest.problems for o in report.repositories.values()):
        raise typer.Exit(EXIT_REFUSED)


def _github_access(runtime: Runtime) -> GithubAccess | None:
    settings = runtime.settings
    token = settings.resolved_github_read_token()
    if not token:
        return None
    return GithubAccess(settings.github_api_url, token, settings.github_timeout_seconds)


def _slack_poster(runtime: Runtime) -> Any:
    settings = runtime.settings
    if not (settings.slack_config and settings.slack_bot_token):
        return None
    client, slack_config = slack_client_and_config(settings)

    def post() -> int:
        posted = post_pending_cards(
            runtime.database, client, slack_config, RateLimiter(slack_config.posts_per_second)
        )
        return posted.cards

    return post


class _BarProgress:
    """A rich progress bar on stderr: one task per phase (ingest, triage, post)."""

    def __init__(self, *, enabled: bool) -> None:
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}", markup=False),
            console=err,
            disable=not enabled,
            transient=False,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> _BarProgress:
        self.bar.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.bar.stop()

    def phase(self, description: str, total: int | None) -> None:
        if self.task is not None:
            self.bar.update(self.task, note="")
        self.task = self.bar.add_task(description, total=total, note="")

    def note(self, text: str) -> None:
        if self.task is not None:
            # Names come from the config and file system: shown as plain text, never markup.
            self.bar.update(self.task, note=text[:80])

    def advance(self) -> None:
        if self.task is not None:
            self.bar.advance(self.task)


def _as_json(report: BatchReport) -> dict[str, Any]:
    return {
        "repositories": {
            name: {
                "reports": o.ingest.reports,
                "unchanged_reports": o.ingest.unchanged,
                "new_findings": o.ingest.new_findings,
                "problems": o.ingest.problems,
                "cases_advanced": o.advanced,
                "pending_approvals": o.pending,
                "finished": o.finished,
                "failed": o.failed,
            }
            for name, o in report.repositories.items()
        },
        "advanced": report.worker.advanced,
        "opened": report.worker.opened,
        "pending_approvals": report.worker.pending,
        "failed": {str(k): v for k, v in report.worker.failed.items()},
        "posted": report.posted,
        "followups": report.followups,
        "model_tokens": report.tokens,
        "seconds": round(report.seconds, 3),
        "stopped": report.stopped,
        "left": report.left,
    }


def _print_summary(report: BatchReport) -> None:
    out.print(
        text_table(
            "repository",
            "reports",
            "unchanged",
            "new findings",
            "cases",
            "pending",
            "failed",
            "problems",
            rows=[
                [
                    name,
                    o.ingest.reports,
                    o.ingest.unchanged,
                    o.ingest.new_findings,
                    o.advanced,
                    o.pending,
                    o.failed,
                    "; ".join(o.ingest.problems) or None,
                ]
                for name, o in report.repositories.items()
            ],
        )
    )
    out.print(
        f"{len(report.worker.advanced)} case(s) advanced, {len(report.worker.pending)} "
        f"approval(s) pending, {report.posted} posted to Slack, {report.followups} GitHub "
        f"follow-up(s) proposed, {report.tokens} model tokens, "
        f"{report.seconds:.1f} s."
    )
    for case_id, error in report.worker.failed.items():
        err.print(Text("failed ", style="bold red") + Text(f"case {case_id}: {error}"))
