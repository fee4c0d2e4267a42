"""The ingest step of a batch run: one repository's reports on disk and GitHub alerts.

A report already stored with the same content for the same repository is skipped: that is what
makes a rerun after a kill continue instead of counting every finding as seen twice (and a
nightly run over unchanged reports does no work). A killed ingest committed nothing (each report
is one transaction), so its report is not skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from sqlmodel import select

from agent.github_code import CommitUnknown, alert_locations, default_branch_commit
from agent.ingest import IngestOptions, IngestResult, ingest_document, ingest_file
from config.batch import RepositoryEntry, report_paths
from tools.ingest.errors import ReportRejected
from tools.ingest.github_alerts import fetch_alert_lists, read_client
from tools.ingest.loader import file_sha256
from tools.store.database import Database
from tools.store.tables import ReportRow


@dataclass(frozen=True)
class GithubAccess:
    """How to read alerts: the API base URL, a read-only token, the request timeout."""

    api_url: str
    token: str
    timeout_seconds: int


@dataclass
class RepositoryIngest:
    """What the ingest step did for one repository."""

    reports: int = 0
    """Reports stored now."""
    unchanged: int = 0
    """Reports skipped: the same content was stored before (an earlier or interrupted run)."""
    new_findings: int = 0
    problems: list[str] = field(default_factory=list)
    """Rejected reports, unreadable alert lists, globs that matched nothing."""


def ingest_repository(
    database: Database,
    entry: RepositoryEntry,
    *,
    base: Path,
    options: IngestOptions,
    github: GithubAccess | None,
    note: Callable[[str], None] = lambda _message: None,
) -> RepositoryIngest:
    """Store what ``entry`` names; each report in its own transaction."""
    result = RepositoryIngest()
    paths = report_paths(entry, base)
    if entry.reports and not paths:
        result.problems.append(f"no file matches {', '.join(entry.reports)}")
    for path in paths:
        note(f"{entry.name}: {path.name}")
        try:
            digest = file_sha256(path)
        except (OSError, ReportRejected) as exc:
            result.problems.append(f"{path}: cannot read: {exc}")
            continue
        if _stored(database, entry.name, digest):
            result.unchanged += 1
            continue
        _count(
            result,
            ingest_file(
                database,
                path,
                repo_root=entry.repo_root,
                repository=entry.name,
                format_name=entry.format,
                options=options,
            ),
        )
    if entry.github is not None:
        if github is None:
            result.problems.append(
                f"github: {entry.github} needs APPSEC_TRIAGE_GITHUB_TOKEN (read access to alerts)"
            )
        else:
            note(f"{entry.name}: GitHub alerts of {entry.github}")
            _ingest_alerts(database, entry, github, options, result)
    return result


def _ingest_alerts(
    database: Database,
    entry: RepositoryEntry,
    github: GithubAccess,
    options: IngestOptions,
    result: RepositoryIngest,
) -> None:
    assert entry.github is not None
    client = read_client(github.api_url, github.token, timeout_seconds=github.timeout_seconds)
    alert_lists = fetch_alert_lists(client, entry.github, since=None)
    head = None
    if any(alert_list.alerts for alert_list in alert_lists):
        try:
            head = default_branch_commit(client, entry.github)
        except CommitUnknown as exc:
            result.problems.append(f"{entry.github}: no default-branch commit ({exc})")
    for alert_list in alert_lists:
        name = f"github:{entry.github}:{alert_list.kind}"
        if alert_list.alerts is None:
            result.problems.append(f"{name}: {alert_list.error}")
            continue
        # The same digest ingest_document stores for the document.
        if _stored(
            database, entry.name, hashlib.sha256(orjson.dumps(alert_list.alerts)).hexdigest()
        ):
            result.unchanged += 1
            continue
        _count(
            result,
            ingest_document(
                database,
                alert_list.alerts,
                name=name,
                format_name=alert_list.format_name,
                repository=entry.name,
                partial=False,
                options=options,
                locations=alert_locations(
                    alert_list.alerts,
                    format_name=alert_list.format_name,
                    repository=entry.github,
                    default_commit=head,
                    options=options,
                ),
            ),
        )


def _count(result: RepositoryIngest, ingested: IngestResult) -> None:
    if ingested.status != "ok":
        result.problems.append(f"{ingested.file}: rejected: {ingested.error}")
        return
    result.reports += 1
    result.new_findings += ingested.new


def _stored(database: Database, repository: str, digest: str) -> bool:
    with database.session() as session:
        return (
            session.exec(
                select(ReportRow.id).where(
                    ReportRow.repository == repository, ReportRow.sha256 == digest
                )
            ).first()
            is not None
        )
