"""``appsec-triage github …``: the GitHub writes after the issue, each behind its own approval.

``followups``, ``dismiss`` and ``fix`` only open approvals; nothing is written to GitHub until
``apply`` runs an approval that ``approvals approve`` has approved. ``apply`` makes every check a
publish makes (agent/approved_writes.py) before its single write.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import col, select

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
)
from agent.dismissals import (
    ACTION_DISMISS_ALERT,
    alert_numbers_for,
    dismiss_approved,
    request_dismissal,
)
from agent.errors import AgentError
from agent.fix_pulls import ACTION_OPEN_FIX_PR, open_approved_fix, propose_fix_pr
from agent.followups import (
    ACTION_CLOSE_ISSUE,
    ACTION_COMMENT_ISSUE,
    apply_followup,
    propose_followups,
)
from agent.runtime import Runtime
from approvals.errors import ApprovalError
from approvals.requests import get_approval
from tools.errors import ToolError
from tools.github.credentials import READ_ALERTS, GithubCredentials, RepositoryAuth
from tools.ingest.github_alerts import fetch_alert_lists, read_client
from tools.publish.alert_dismissal import (
    ALERT_KIND_OF_TOOL,
    AlertDismissal,
    GithubAlertDismisser,
    dismissal_comment,
)
from tools.publish.fix_pull_request import GithubFixPullRequests
from tools.publish.github_writer import GithubSettings
from tools.publish.issue_followups import GithubIssueFollowups
from tools.store.tables import CaseFindingRow, FindingRow, ProposalRow

github_app = typer.Typer(
    help="Follow-ups, alert dismissals and fix PRs on GitHub, each behind an approval.",
    no_args_is_help=True,
)
app.add_typer(github_app, name="github")


def _github(runtime: Runtime) -> tuple[GithubSettings, GithubCredentials]:
    settings = runtime.settings
    if "*" in settings.allowed_repositories:
        fail(
            EXIT_BAD_INPUT,
            "writing to GitHub needs an explicit APPSEC_TRIAGE_ALLOWED_REPOSITORIES "
            '(for example \'["acme/*"]\'); "*" is only for the dry-run outbox',
        )
    credentials = runtime.github_credentials()
    if credentials is None:
        fail(
            EXIT_BAD_INPUT,
            "this needs APPSEC_TRIAGE_GITHUB_TOKEN (or …_TOKEN_FILE) or a GitHub App "
            "(APPSEC_TRIAGE_GITHUB_APP_*); see docs/github.md for the permissions",
        )
    github = GithubSettings(
        base_url=settings.github_api_url, timeout_seconds=settings.github_timeout_seconds
    )
    return github, credentials


@github_app.command("followups")
def followups_command(as_json: JsonOption = False) -> None:
    """Propose a comment on each published issue a later scan saw again, and closing the issues
    whose findings are all fixed; each is an approval."""
    runtime = open_cli_runtime()
    ids = propose_followups(runtime.deps())
    if as_json:
        print_json(ids)
        return
    for approval_id in ids:
        out.print(approval_id)
    err.print(f"{len(ids)} follow-up approval(s) open; decide them with `approvals approve`")


@github_app.command("dismiss")
def dismiss_command(case_id: int, as_json: JsonOption = False) -> None:
    """Propose dismissing, on GitHub, the alert behind a case triaged as a false positive."""
    runtime = open_cli_runtime()
    deps = runtime.deps()
    with deps.database.session() as session:
        proposal = session.exec(
            select(ProposalRow)
            .where(ProposalRow.case_id == case_id)
            .order_by(col(ProposalRow.id).desc())
        ).first()
        findings = session.exec(
            select(FindingRow)
            .join(CaseFindingRow, col(CaseFindingRow.finding_id) == col(FindingRow.id))
            .where(CaseFindingRow.case_id == case_id)
        ).all()
    if proposal is None or proposal.verdict != "false_positive":
        fail(EXIT_REFUSED, f"case {case_id} was not triaged as a false positive")
    from_alerts = [f for f in findings if f.tool in ALERT_KIND_OF_TOOL]
    if len(from_alerts) != 1 or len(findings) != 1:
        fail(EXIT_REFUSED, f"case {case_id} is not one finding from one GitHub alert")
    finding = from_alerts[0]
    kind = ALERT_KIND_OF_TOOL[finding.tool]
    settings = runtime.settings
    credentials = runtime.github_credentials(read_only=True)
    if credentials is None:
        fail(EXIT_BAD_INPUT, "reading the alerts needs a GitHub token or App (docs/github.md)")
    client = read_client(
        settings.github_api_url,
        RepositoryAuth(credentials, finding.repository, READ_ALERTS),
        timeout_seconds=settings.github_timeout_seconds,
    )
    listing = next(
        a for a in fetch_alert_lists(client, finding.repository, since=None) if a.kind == kind
    )
    if listing.alerts is None:
        fail(EXIT_REFUSED, f"cannot read the {kind.value} alerts: {listing.error}")
    numbers = alert_numbers_for(
        listing.alerts,
        kind=kind,
        fingerprint=finding.fingerprint,
        context=runtime.ingest_options().context,
    )
    if len(numbers) != 1:
        fail(EXIT_REFUSED, f"{len(numbers)} open alerts match case {case_id}; expected one")
    dismissal = AlertDismissal(
        repository=finding.repository,
        kind=kind,
        alert_number=numbers[0],
        comment=dismissal_comment(case_id=case_id),
    )
    approval_id = request_dismissal(
        deps, case_id=case_id, dismissal=dismissal, tool_severity=finding.tool_severity
    )
    print_json({"approval": approval_id}) if as_json else out.print(approval_id)


@github_app.command("fix")
def fix_command(
    case_id: int,
    base: Annotated[str, typer.Option(help="The branch the PR goes into.")] = "main",
    as_json: JsonOption = False,
) -> None:
    """Propose a draft PR that bumps a case's vulnerable dependency to its fixed version."""
    runtime = open_cli_runtime()
    deps = runtime.deps()
    with deps.database.session() as session:
        findings = session.exec(
            select(FindingRow)
            .join(CaseFindingRow, col(CaseFindingRow.finding_id) == col(FindingRow.id))
            .where(CaseFindingRow.case_id == case_id)
        ).all()
    if len(findings) != 1:
        fail(EXIT_REFUSED, f"case {case_id} is not one finding")
    finding = findings[0]
    details = finding.details if isinstance(finding.details, dict) else {}
    fixed = details.get("fixed_versions")
    package, ecosystem = details.get("package"), details.get("ecosystem")
    if not (isinstance(fixed, list) and fixed and package and ecosystem and finding.path):
        fail(EXIT_REFUSED, f"case {case_id} names no package, manifest and fixed version")
    github, credentials = _github(runtime)
    try:
        approval_id = propose_fix_pr(
            deps,
            GithubFixPullRequests(github, credentials),
            case_id=case_id,
            repository=finding.repository,
            base_branch=base,
            manifest=finding.path,
            ecosystem=str(ecosystem),
            package=str(package),
            fixed_version=str(fixed[0]),
            advisory=finding.rule_id,
        )
    except (ToolError, ValueError) as exc:
        fail(EXIT_REFUSED, str(exc))
    print_json({"approval": approval_id}) if as_json else out.print(approval_id)


@github_app.command("apply")
def apply_command(
    approval_id: str,
    reconcile: Annotated[
        bool,
        typer.Option(
            "--reconcile",
            help="A write left in doubt whose marker is still missing never happened: write it.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Write one approved follow-up, dismissal or fix PR to GitHub, exactly once."""
    runtime = open_cli_runtime()
    deps = runtime.deps()
    try:
        with deps.database.session() as session:
            approval = get_approval(session, approval_id)
            action, case_id = approval.action, approval.case_id
    except ApprovalError as exc:
        fail(EXIT_BAD_INPUT, str(exc))
    github, credentials = _github(runtime)
    try:
        if action == ACTION_DISMISS_ALERT:
            ref = dismiss_approved(
                deps, GithubAlertDismisser(github, credentials), approval_id, case_id=case_id
            )
        elif action in (ACTION_COMMENT_ISSUE, ACTION_CLOSE_ISSUE):
            ref = apply_followup(
                deps,
                GithubIssueFollowups(github, credentials),
                approval_id,
                case_id=case_id,
                resolve_doubt=reconcile,
            )
        elif action == ACTION_OPEN_FIX_PR:
            ref = open_approved_fix(
                deps,
                GithubFixPullRequests(github, credentials),
                approval_id,
                case_id=case_id,
                resolve_doubt=reconcile,
            )
        else:
            fail(
                EXIT_BAD_INPUT,
                f"approval {approval_id} is {action}; `github apply` does not run it",
            )
    except (AgentError, ToolError) as exc:
        fail(EXIT_REFUSED, str(exc))
    print_json({"approval": approval_id, "ref": ref}) if as_json else out.print(ref)
