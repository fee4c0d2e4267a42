"""The ``appsec-triage`` command line.

Exit codes: 0 ok, 1 a refused or failed action, 2 bad input. Human output goes to stdout as
tables; ``--json`` prints machine-readable JSON instead; progress and errors go to stderr.
"""

from __future__ import annotations

import getpass
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from agent.errors import AgentError
from agent.ingest import IngestResult, ingest_file
from agent.runtime import Runtime, open_runtime
from agent.slack_service import slack_app
from agent.workflow import TriageSummary, decide_and_resume, triage
from approvals.card import load_card
from approvals.decisions import Decision
from approvals.errors import ApprovalError
from approvals.requests import get_approval, list_approvals
from approvals.slack.blocks import card_blocks, fallback_text
from approvals.slack.poster import RateLimiter, post_pending_cards
from approvals.slack.server import EVENTS_PATH, http_server
from approvals.slack.server import socket_mode as socket_mode_handler
from config.logs import configure_logging
from config.settings import Settings
from config.slack import SlackConfig, SlackConfigError, load_slack_config
from tools.errors import ToolError
from tools.store.audit import verify_chain
from tools.store.findings import list_findings
from tools.store.tables import FindingRow

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2

app = typer.Typer(
    help="Triage security-scanner findings; file tickets only after a human approves them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
findings_app = typer.Typer(help="Inspect ingested findings.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
approvals_app = typer.Typer(help="List and decide pending approvals.", no_args_is_help=True)
app.add_typer(findings_app, name="findings")
app.add_typer(approvals_app, name="approvals")
app.add_typer(audit_app, name="audit")

out = Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False, markup=False)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


class _State:
    db_url: str | None = None


_state = _State()


@app.callback()
def _global_options(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="Store URL (default: sqlite under .appsec-triage/, or APPSEC_TRIAGE_DB_URL).",
        ),
    ] = None,
) -> None:
    _state.db_url = db


def _settings() -> Settings:
    try:
        base = Settings()
    except ValidationError as exc:
        _fail(EXIT_BAD_INPUT, f"invalid APPSEC_TRIAGE_* setting: {exc}")
    return base.model_copy(update={"db_url": _state.db_url}) if _state.db_url else base


def _runtime() -> Runtime:
    settings = _settings()
    configure_logging(settings.log_level, settings.secret_values())
    try:
        return open_runtime(settings)
    except ToolError as exc:
        _fail(EXIT_BAD_INPUT, str(exc))


def _fail(code: int, message: str) -> NoReturn:
    err.print(Text("error: ", style="bold red") + Text(message))
    raise typer.Exit(code)


def _table(*columns: str, rows: list[list[Any]]) -> Table:
    """A table whose cells are plain text: untrusted values must not be read as Rich markup."""
    table = Table(*columns)
    for row in rows:
        table.add_row(*(Text("-" if value is None else str(value)) for value in row))
    return table


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


@app.command()
def ingest(
    reports: Annotated[list[Path], typer.Argument(help="Report files (SARIF 2.1.0).")],
    repo_root: Annotated[
        Path | None,
        typer.Option(help="Checkout the report's paths are relative to (for code context)."),
    ] = None,
    repository: Annotated[
        str | None, typer.Option(help="Repository name, e.g. OWNER/REPO (default: derived).")
    ] = None,
    report_format: Annotated[
        str | None, typer.Option("--format", help="Skip detection and parse as this format.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Validate and store scanner reports; duplicates are merged, bad files rejected."""
    if repo_root is not None and not repo_root.is_dir():
        _fail(EXIT_BAD_INPUT, f"--repo-root {repo_root}: not a directory")
    runtime = _runtime()
    settings = runtime.settings
    results: list[IngestResult] = []
    for index, path in enumerate(reports, start=1):
        if len(reports) > 1 and not as_json:
            err.print(f"[{index}/{len(reports)}] {path}")
        results.append(
            ingest_file(
                runtime.database,
                path,
                repo_root=repo_root,
                repository=repository,
                format_name=report_format,
                max_bytes=settings.max_report_bytes,
                max_results=settings.max_results_per_report,
            )
        )
    if as_json:
        _print_json([result.as_json() for result in results])
    else:
        out.print(
            _table(
                "file",
                "format",
                "results",
                "findings",
                "new",
                "duplicates",
                "status",
                rows=[
                    [r.file, r.format, r.results, r.findings, r.new, r.duplicates, r.status]
                    for r in results
                ],
            )
        )
    rejected = [r for r in results if r.status == "rejected"]
    for r in rejected:
        err.print(Text("rejected ", style="bold red") + Text(f"{r.file}: {r.error}"))
    if rejected:
        raise typer.Exit(EXIT_BAD_INPUT)


def _finding_json(row: FindingRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "fingerprint": row.fingerprint,
        "tool": row.tool,
        "rule_id": row.rule_id,
        "cwe": row.cwe_ids,
        "path": row.path,
        "start_line": row.start_line,
        "end_line": row.end_line,
        "tool_severity": row.tool_severity,
        "status": row.status,
    }


@findings_app.command("list")
def findings_list(as_json: JsonOption = False) -> None:
    """All distinct findings."""
    runtime = _runtime()
    with runtime.database.session() as session:
        rows = [_finding_json(row) for row in list_findings(session)]
    if as_json:
        _print_json(rows)
        return
    out.print(
        _table(
            "id",
            "tool",
            "rule",
            "cwe",
            "location",
            "severity",
            "status",
            rows=[
                [
                    row["id"],
                    row["tool"],
                    row["rule_id"],
                    ",".join(row["cwe"]),
                    f"{row['path']}:{row['start_line']}" if row["start_line"] else row["path"],
                    row["tool_severity"],
                    row["status"],
                ]
                for row in rows
            ],
        )
    )
    err.print(f"{len(rows)} findings")


@findings_app.command("show")
def findings_show(finding_id: int, as_json: JsonOption = False) -> None:
    """One finding in full."""
    runtime = _runtime()
    with runtime.database.session() as session:
        row = session.get(FindingRow, finding_id)
        if row is None:
            _fail(
                EXIT_BAD_INPUT, f"no finding {finding_id}; `appsec-triage findings list` shows them"
            )
        data = _finding_json(row) | {
            "repository": row.repository,
            "rule_name": row.rule_name,
            "message": row.message,
            "snippet": row.snippet,
            "first_seen": row.first_seen.isoformat(),
            "last_seen": row.last_seen.isoformat(),
        }
    if as_json:
        _print_json(data)
        return
    for key, value in data.items():
        out.print(Text(f"{key}: ", style="bold") + Text(str(value)))


@app.command("triage")
def triage_command(
    limit: Annotated[int | None, typer.Option(min=1, help="Open at most N new cases.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Run the workflow for untriaged findings; stops at approvals that wait for a human."""
    runtime = _runtime()
    with runtime.workflow() as (deps, graph):
        summary = triage(
            deps, graph, limit=limit, progress=lambda m: None if as_json else err.print(m)
        )
    if runtime.settings.slack_config and runtime.settings.slack_bot_token and summary.pending:
        client, config = _slack_client_and_config(runtime.settings)
        posted = post_pending_cards(
            runtime.database, client, config, RateLimiter(config.posts_per_second)
        )
        err.print(f"posted {posted.cards} approval card(s) to Slack")
    result = {
        "started": summary.started,
        "resumed": summary.resumed,
        "pending_approvals": summary.pending,
        "finished": {str(k): v for k, v in summary.finished.items()},
        "failed": {str(k): v for k, v in summary.failed.items()},
    }
    for case_id, error in summary.failed.items():
        err.print(Text("failed ", style="bold red") + Text(f"case {case_id}: {error}"))
    if as_json:
        _print_json(result)
    else:
        _print_triage_summary(summary)
    if summary.failed:
        raise typer.Exit(EXIT_REFUSED)


def _print_triage_summary(summary: TriageSummary) -> None:
    out.print(
        f"{summary.started} new case(s) triaged, {summary.resumed} resumed, "
        f"{len(summary.pending)} approval(s) pending, {len(summary.finished)} finished."
    )
    if summary.pending:
        out.print("Next: `appsec-triage approvals list`, then `approvals approve ID` or `reject`.")


@approvals_app.command("list")
def approvals_list(
    status: Annotated[
        str | None, typer.Option(help="Only this status: pending, approved or rejected.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Approval requests, oldest first."""
    runtime = _runtime()
    with runtime.database.session() as session:
        rows = [
            {
                "id": row.id,
                "case": row.case_id,
                "action": row.action,
                "content_hash": row.content_hash,
                "status": row.status,
                "title": row.payload.get("ticket", {}).get("title"),
            }
            for row in list_approvals(session, status)
        ]
    if as_json:
        _print_json(rows)
        return
    out.print(
        _table(
            "id",
            "case",
            "action",
            "hash",
            "status",
            "title",
            rows=[
                [r["id"], r["case"], r["action"], r["content_hash"][:12], r["status"], r["title"]]
                for r in rows
            ],
        )
    )


@approvals_app.command("show")
def approvals_show(
    approval_id: str,
    as_json: JsonOption = False,
    slack_json: Annotated[
        bool,
        typer.Option("--slack-json", help="Print the Slack card (Block Kit) exactly as posted."),
    ] = False,
) -> None:
    """The exact content an approval covers."""
    runtime = _runtime()
    with runtime.database.session() as session:
        try:
            row = get_approval(session, approval_id)
            card = load_card(session, approval_id)
        except ApprovalError as exc:
            _fail(EXIT_BAD_INPUT, str(exc))
        data = row.model_dump(mode="json")
    if slack_json:
        _print_json({"text": fallback_text(card), "blocks": card_blocks(card)})
        return
    if as_json:
        _print_json(data)
        return
    ticket = data["payload"]["ticket"]
    out.print(
        f"approval {data['id']} · case {data['case_id']} · {data['action']} · {data['status']}\n"
        f"content hash {data['content_hash']} · expires {data['expires_at']}\n"
        f"repository {ticket['repository']} · labels {', '.join(ticket['labels'])}\n",
        markup=False,
    )
    out.print(f"# {ticket['title']}\n\n{ticket['body']}", markup=False)


def _decide(approval_id: str, decision: Decision, actor: str, reason: str | None) -> None:
    runtime = _runtime()
    with runtime.workflow() as (deps, graph):
        try:
            result, outcome = decide_and_resume(
                deps, graph, approval_id=approval_id, decision=decision, actor=actor, reason=reason
            )
        except (ApprovalError, AgentError, ToolError) as exc:
            _fail(EXIT_REFUSED, str(exc))
    approval = result.approval
    if not result.complete:
        out.print(
            f"approval {approval.id}: approved by {actor} ({result.votes} of "
            f"{approval.required_approvals}); a second, different approver is needed",
            markup=False,
        )
        return
    out.print(
        f"approval {approval.id}: {approval.status} by {actor}; case {approval.case_id}: {outcome}",
        markup=False,
    )
    if outcome and outcome != "published" and decision == Decision.APPROVE:
        raise typer.Exit(EXIT_REFUSED)


@approvals_app.command("approve")
def approvals_approve(
    approval_id: str,
    as_: Annotated[
        str | None, typer.Option("--as", help="Approver name (default: OS user).")
    ] = None,
) -> None:
    """Approve exactly the content shown by `approvals show`, then publish it."""
    _decide(approval_id, Decision.APPROVE, as_ or getpass.getuser(), None)


@approvals_app.command("reject")
def approvals_reject(
    approval_id: str,
    reason: Annotated[str, typer.Option(help="Why; recorded in the audit trail.")],
    as_: Annotated[
        str | None, typer.Option("--as", help="Approver name (default: OS user).")
    ] = None,
) -> None:
    """Reject a proposal; nothing is published."""
    if not reason.strip():
        _fail(EXIT_BAD_INPUT, "--reason must not be empty")
    _decide(approval_id, Decision.REJECT, as_ or getpass.getuser(), reason.strip())


@audit_app.command("verify")
def audit_verify(
    expect_head: Annotated[
        str | None,
        typer.Option(help="Head hash recorded earlier; detects records cut from the end."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute the hash chain; exit 1 if any record was edited, deleted or reordered."""
    runtime = _runtime()
    with runtime.database.session() as session:
        report = verify_chain(session, expect_head=expect_head)
    if as_json:
        _print_json(
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


@approvals_app.command("post")
def approvals_post() -> None:
    """Post every pending approval to Slack that is not there yet (digest + one thread each)."""
    runtime = _runtime()
    client, config = _slack_client_and_config(runtime.settings)
    posted = post_pending_cards(
        runtime.database, client, config, RateLimiter(config.posts_per_second)
    )
    out.print(f"posted {posted.cards} card(s) under {posted.digests} digest message(s)")


serve_app = typer.Typer(help="Run a long-lived service.", no_args_is_help=True)
app.add_typer(serve_app, name="serve")


@serve_app.command("slack")
def serve_slack(
    port: Annotated[int, typer.Option(min=1, max=65535, help="HTTP port.")] = 3000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="Use Socket Mode instead of an HTTP endpoint.")
    ] = False,
) -> None:
    """The Slack approval app: Approve, Edit and Reject on cards; decisions resume cases."""
    runtime = _runtime()
    settings = runtime.settings
    client, config = _slack_client_and_config(settings)
    secret = settings.slack_signing_secret
    if not socket_mode and secret is None:
        _fail(EXIT_BAD_INPUT, "set APPSEC_TRIAGE_SLACK_SIGNING_SECRET (or use --socket-mode)")
    if socket_mode and settings.slack_app_token is None:
        _fail(EXIT_BAD_INPUT, "--socket-mode needs APPSEC_TRIAGE_SLACK_APP_TOKEN (xapp-…)")
    with runtime.workflow() as (deps, graph), ThreadPoolExecutor(max_workers=4) as resumer:
        bolt = slack_app(
            deps,
            graph,
            config=config,
            client=client,
            signing_secret=secret.get_secret_value() if secret else "socket-mode-unsigned",
            resume_executor=resumer,
        )
        if socket_mode:
            assert settings.slack_app_token is not None
            err.print("Slack approvals over Socket Mode; Ctrl-C stops.")
            handler = socket_mode_handler(bolt, settings.slack_app_token.get_secret_value())
            handler.start()  # type: ignore[no-untyped-call]  # slack_bolt leaves it unannotated
            return
        server = http_server(bolt, host, port)
        err.print(f"Slack approvals on http://{host}:{port}{EVENTS_PATH}; Ctrl-C stops.")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


def _slack_client_and_config(settings: Settings) -> tuple[WebClient, SlackConfig]:
    if settings.slack_config is None:
        _fail(EXIT_BAD_INPUT, "set APPSEC_TRIAGE_SLACK_CONFIG (see config/slack.example.toml)")
    if settings.slack_bot_token is None:
        _fail(EXIT_BAD_INPUT, "set APPSEC_TRIAGE_SLACK_BOT_TOKEN (the app's xoxb- token)")
    try:
        config = load_slack_config(settings.slack_config)
    except SlackConfigError as exc:
        _fail(EXIT_BAD_INPUT, str(exc))
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
    )
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client, config


@app.command()
def demo() -> None:
    """Ingest and triage the bundled example app, then show what to do next."""
    from agent.demo import run_demo

    try:
        run_demo(_runtime(), out)
    except AgentError as exc:
        _fail(EXIT_REFUSED, str(exc))


def main() -> None:
    app()
