"""Commands that run the workflow and decide approvals: triage, approvals …."""

from __future__ import annotations

import getpass
from typing import Annotated, Any

import typer
from rich.text import Text

from agent.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_REFUSED,
    JsonOption,
    app,
    approvals_app,
    err,
    fail,
    open_cli_runtime,
    out,
    print_json,
    text_table,
)
from agent.cli.slack import slack_client_and_config
from agent.errors import AgentError
from agent.llm.usage import usage_since
from agent.workflow import TriageSummary, decide_and_resume, triage
from approvals.card import approval_subject, load_card
from approvals.decisions import Decision
from approvals.errors import ApprovalError
from approvals.requests import get_approval, list_approvals
from approvals.slack.blocks import card_blocks, fallback_text
from approvals.slack.poster import RateLimiter, post_pending_cards
from tools.errors import ToolError


@app.command("triage")
def triage_command(
    limit: Annotated[int | None, typer.Option(min=1, help="Open at most N new cases.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Run the workflow for untriaged findings; stops at approvals that wait for a human."""
    runtime = open_cli_runtime()
    with runtime.workflow() as (deps, graph):
        started_at = deps.clock()
        summary = triage(
            deps, graph, limit=limit, progress=lambda m: None if as_json else err.print(m)
        )
    model = deps.model_stage.model_name if deps.model_stage else None
    with runtime.database.session() as session:
        usage = usage_since(session, started_at)
    if runtime.settings.slack_config and runtime.settings.slack_bot_token and summary.pending:
        client, config = slack_client_and_config(runtime.settings)
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
        "model": usage.as_json(model),
    }
    for case_id, error in summary.failed.items():
        err.print(Text("failed ", style="bold red") + Text(f"case {case_id}: {error}"))
    if as_json:
        print_json(result)
    else:
        _print_triage_summary(summary)
        if model is not None:
            out.print(usage.summary_line(model), markup=False)
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
    runtime = open_cli_runtime()
    with runtime.database.session() as session:
        rows: list[dict[str, Any]] = [
            {
                "id": row.id,
                "case": row.case_id,
                "action": row.action,
                "content_hash": row.content_hash,
                "status": row.status,
                "title": approval_subject(row.payload).title,
            }
            for row in list_approvals(session, status)
        ]
    if as_json:
        print_json(rows)
        return
    out.print(
        text_table(
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
    runtime = open_cli_runtime()
    with runtime.database.session() as session:
        try:
            row = get_approval(session, approval_id)
            card = load_card(session, approval_id)
        except ApprovalError as exc:
            fail(EXIT_BAD_INPUT, str(exc))
        data = row.model_dump(mode="json")
    if slack_json:
        print_json({"text": fallback_text(card), "blocks": card_blocks(card)})
        return
    if as_json:
        print_json(data)
        return
    out.print(
        f"approval {data['id']} · case {data['case_id']} · {data['action']} · {data['status']}\n"
        f"content hash {data['content_hash']} · expires {data['expires_at']}\n"
        f"repository {card.repository} · labels {', '.join(card.labels) or 'none'}\n"
        f"verdict {card.verdict} · severity {card.severity} (scanner {card.tool_severity}) · "
        f"flags {', '.join(card.flags) or 'none'}\n",
        markup=False,
    )
    if "injection_suspected" in card.flags:
        out.print(
            "WARNING: the finding, its code or what the model read contains instruction-like "
            "text (injection_suspected): read it as data, and check any model analysis.\n",
            markup=False,
        )
    out.print(f"# {card.title}\n\n{card.body}", markup=False)


def _decide(approval_id: str, decision: Decision, actor: str, reason: str | None) -> None:
    runtime = open_cli_runtime()
    with runtime.workflow() as (deps, graph):
        try:
            result, outcome = decide_and_resume(
                deps, graph, approval_id=approval_id, decision=decision, actor=actor, reason=reason
            )
        except (ApprovalError, AgentError, ToolError) as exc:
            fail(EXIT_REFUSED, str(exc))
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
        fail(EXIT_BAD_INPUT, "--reason must not be empty")
    _decide(approval_id, Decision.REJECT, as_ or getpass.getuser(), reason.strip())
