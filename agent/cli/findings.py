"""Commands that read reports and findings: ingest, findings list/show."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from agent.cases import summary_of
from agent.cli.common import (
    EXIT_BAD_INPUT,
    JsonOption,
    app,
    err,
    fail,
    findings_app,
    open_cli_runtime,
    out,
    print_json,
    text_table,
)
from agent.github_code import CommitUnknown, alert_locations, default_branch_commit
from agent.ingest import IngestResult, ingest_document, ingest_file
from agent.runtime import Runtime
from agent.steps import code_context, propose
from config.ai_frameworks import framework_of
from tools.github.credentials import READ_ALERTS, RepositoryAuth
from tools.ingest.github_alerts import fetch_alert_lists, read_client
from tools.store.findings import list_findings
from tools.store.tables import FindingRow, FindingStatus

_REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")


@app.command()
def ingest(
    reports: Annotated[
        list[Path] | None,
        typer.Argument(help="Report files in any supported format (docs/formats.md)."),
    ] = None,
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
    github: Annotated[
        str | None,
        typer.Option(
            "--github",
            help="Also pull this OWNER/REPO's code-scanning, Dependabot, secret-scanning alerts.",
        ),
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="With --github: only alerts updated on or after this date (a partial view: "
            "nothing is marked fixed).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Validate and store scanner reports; duplicates are merged, bad files rejected."""
    reports = reports or []
    if repo_root is not None and not repo_root.is_dir():
        fail(EXIT_BAD_INPUT, f"--repo-root {repo_root}: not a directory")
    if not reports and github is None:
        fail(EXIT_BAD_INPUT, "name report files, or --github OWNER/REPO, or both")
    if since is not None and github is None:
        fail(EXIT_BAD_INPUT, "--since applies to --github only")
    if github is not None and not _REPOSITORY.fullmatch(github):
        fail(EXIT_BAD_INPUT, f"--github {github!r}: expected OWNER/REPO")
    runtime = open_cli_runtime()
    results: list[IngestResult] = []
    if github is not None:
        results.extend(_github_alerts(runtime, github, since))
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
                options=runtime.ingest_options(),
            )
        )
    if as_json:
        print_json([result.as_json() for result in results])
    else:
        out.print(
            text_table(
                "file",
                "format",
                "results",
                "findings",
                "new",
                "duplicates",
                "fixed",
                "quarantined",
                "status",
                rows=[
                    [
                        r.file,
                        r.format,
                        r.results,
                        r.findings,
                        r.new,
                        r.duplicates,
                        r.fixed,
                        r.quarantined,
                        r.status,
                    ]
                    for r in results
                ],
            )
        )
    for r in results:
        for reason in r.quarantine_reasons:
            err.print(Text("quarantined ", style="yellow") + Text(f"{r.file}: {reason}"))
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
        "kind": row.kind,
        "status": row.status,
        "duplicate_of": row.duplicate_of,
        "frameworks": list(_frameworks(row.details)),
    }


def _frameworks(details: object) -> tuple[str, ...]:
    """OWASP LLM / ATLAS ids an AI finding's details carry (stored JSON: checked, not trusted)."""
    ids = details.get("frameworks") if isinstance(details, dict) else None
    if not isinstance(ids, list):
        return ()
    return tuple(i for i in ids if isinstance(i, str) and framework_of(i) is not None)


def _github_alerts(runtime: Runtime, repository: str, since: datetime | None) -> list[IngestResult]:
    settings = runtime.settings
    credentials = runtime.github_credentials(read_only=True)
    if credentials is None:
        fail(
            EXIT_BAD_INPUT,
            "--github needs APPSEC_TRIAGE_GITHUB_TOKEN (or …_GITHUB_TOKEN_FILE), or a GitHub App "
            "(APPSEC_TRIAGE_GITHUB_APP_*)",
        )
    # A GitHub App mints a token for this repository with the read permissions ingest needs.
    client = read_client(
        settings.github_api_url,
        RepositoryAuth(credentials, repository, READ_ALERTS),
        timeout_seconds=settings.github_timeout_seconds,
    )
    err.print(f"fetching alerts of {repository} from {settings.github_api_url}")
    alert_lists = fetch_alert_lists(
        client, repository, since=since.replace(tzinfo=UTC) if since else None
    )
    # Findings read their code at the commit scanned: a code-scanning alert's own commit, else
    # the default branch's head now (docs/github.md).
    head = None
    if any(alert_list.alerts for alert_list in alert_lists):
        try:
            head = default_branch_commit(client, repository)
        except CommitUnknown as exc:
            err.print(
                f"cannot resolve the default branch of {repository} ({exc}): findings without "
                "an alert commit get no code context from GitHub",
                markup=False,
            )
    options = runtime.ingest_options()
    results: list[IngestResult] = []
    for alert_list in alert_lists:
        name = f"github:{repository}:{alert_list.kind}"
        if alert_list.alerts is None:
            results.append(IngestResult(name, None, 0, 0, 0, 0, 0, "rejected", alert_list.error))
            continue
        results.append(
            ingest_document(
                runtime.database,
                alert_list.alerts,
                name=name,
                format_name=alert_list.format_name,
                repository=repository,
                partial=since is not None,
                options=options,
                locations=alert_locations(
                    alert_list.alerts,
                    format_name=alert_list.format_name,
                    repository=repository,
                    default_commit=head,
                    options=options,
                ),
            )
        )
    return results


@findings_app.command("list")
def findings_list(
    status: Annotated[
        FindingStatus | None,
        typer.Option(help="Only findings in this lifecycle state (new, open, fixed, reopened)."),
    ] = None,
    framework: Annotated[
        str | None,
        typer.Option(
            help="Only AI findings mapped to this framework: owasp-llm (OWASP Top 10 for LLM "
            "Applications 2025) or atlas (MITRE ATLAS)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Distinct findings, oldest first."""
    if framework not in (None, "owasp-llm", "atlas"):
        fail(EXIT_BAD_INPUT, f"--framework must be owasp-llm or atlas, not {framework!r}")
    runtime = open_cli_runtime()
    with runtime.database.session() as session:
        rows = [
            _finding_json(row)
            for row in list_findings(session, status=status)
            if framework is None
            or any(framework_of(i) == framework for i in _frameworks(row.details))
        ]
    if as_json:
        print_json(rows)
        return
    out.print(
        text_table(
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
    runtime = open_cli_runtime()
    with runtime.database.session() as session:
        row = session.get(FindingRow, finding_id)
        if row is None:
            fail(
                EXIT_BAD_INPUT, f"no finding {finding_id}; `appsec-triage findings list` shows them"
            )
        data = _finding_json(row) | {
            "repository": row.repository,
            "rule_name": row.rule_name,
            "message": row.message,
            "snippet": row.snippet,
            "details": row.details,
            "correlation_key": row.correlation_key,
            "repo_source": row.repo_source,
            "first_seen": row.first_seen.isoformat(),
            "last_seen": row.last_seen.isoformat(),
            "fixed_at": row.fixed_at.isoformat() if row.fixed_at else None,
        }
        summary = summary_of(row)
    deps = runtime.deps()
    context = code_context(deps, finding_id)
    data["context"] = context.model_dump(mode="json")
    # What triage would propose now, with every risk factor and where it came from.
    data["assessment"] = propose(deps, summary, context).model_dump(mode="json")
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        out.print(Text(f"{key}: ", style="bold") + Text(str(value)))
