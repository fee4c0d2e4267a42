"""Storing parsed reports with dedup against what the store already holds, and finding queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from tools.findings.finding import Finding
from tools.ingest.report import ParsedReport
from tools.store.tables import CaseFindingRow, FindingRow, OccurrenceRow, ReportRow

_IN_CHUNK = 500


@dataclass(frozen=True)
class StoredReport:
    report_id: int
    new: int
    """Findings the store had not seen before."""
    seen_before: int
    """Findings the store already held (from an earlier report)."""


def store_report(
    session: Session,
    *,
    parsed: ParsedReport,
    file_name: str,
    sha256: str,
    repository: str,
    repo_root: str | None,
    now: datetime,
) -> StoredReport:
    """Record a report, its new findings and an occurrence for every finding. No commit."""
    report = ReportRow(
        file_name=file_name,
        sha256=sha256,
        format=parsed.format,
        tools=list(parsed.tools),
        repository=repository,
        repo_root=repo_root,
        results=parsed.results,
        ingested_at=now,
    )
    session.add(report)
    existing = _existing_by_fingerprint(
        session, repository, [finding.fingerprint for finding in parsed.findings]
    )
    new = 0
    for finding in parsed.findings:
        row = existing.get(finding.fingerprint)
        if row is None:
            row = _new_row(finding, repository=repository, repo_root=repo_root, now=now)
            new += 1
        else:
            row.last_seen = now
            row.start_line, row.end_line = finding.start_line, finding.end_line
            row.snippet = finding.snippet
            row.repo_root = repo_root or row.repo_root
        session.add(row)
        existing[finding.fingerprint] = row
    session.flush()
    assert report.id is not None
    for finding in parsed.findings:
        row = existing[finding.fingerprint]
        assert row.id is not None
        session.add(
            OccurrenceRow(
                finding_id=row.id,
                report_id=report.id,
                start_line=finding.start_line,
                end_line=finding.end_line,
            )
        )
    return StoredReport(report_id=report.id, new=new, seen_before=len(parsed.findings) - new)


def list_findings(session: Session) -> Sequence[FindingRow]:
    return session.exec(select(FindingRow).order_by(col(FindingRow.id))).all()


def untriaged_findings(session: Session, limit: int | None) -> Sequence[FindingRow]:
    """Findings that belong to no case yet, oldest first."""
    in_a_case = select(CaseFindingRow.finding_id)
    query = (
        select(FindingRow).where(col(FindingRow.id).not_in(in_a_case)).order_by(col(FindingRow.id))
    )
    if limit is not None:
        query = query.limit(limit)
    return session.exec(query).all()


def _existing_by_fingerprint(
    session: Session, repository: str, fingerprints: list[str]
) -> dict[str, FindingRow]:
    found: dict[str, FindingRow] = {}
    unique = sorted(set(fingerprints))
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        rows = session.exec(
            select(FindingRow).where(
                FindingRow.repository == repository, col(FindingRow.fingerprint).in_(chunk)
            )
        ).all()
        found.update({row.fingerprint: row for row in rows})
    return found


def _new_row(
    finding: Finding, *, repository: str, repo_root: str | None, now: datetime
) -> FindingRow:
    return FindingRow(
        repository=repository,
        fingerprint=finding.fingerprint,
        kind=finding.kind,
        tool=finding.tool,
        tool_version=finding.tool_version,
        rule_id=finding.rule_id,
        rule_name=finding.rule_name,
        cwe_ids=list(finding.cwe_ids),
        message=finding.message,
        tool_severity=finding.tool_severity,
        path=finding.path,
        start_line=finding.start_line,
        end_line=finding.end_line,
        snippet=finding.snippet,
        repo_root=repo_root,
        first_seen=now,
        last_seen=now,
    )
