"""Storing parsed reports: dedup, cross-tool correlation and the finding lifecycle; queries.

A report is written with set-based statements (one bulk insert of new findings, one bulk update of
those seen again, one statement marking the absent ones fixed), so a 100,000-result report costs a
handful of round trips, not 100,000 ORM objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from tools.findings.correlation import correlation_key
from tools.findings.finding import Finding
from tools.ingest.report import ParsedReport
from tools.store.tables import (
    CaseFindingRow,
    FindingRow,
    FindingStatus,
    OccurrenceRow,
    ReportRow,
)

_IN_CHUNK = 500
_FINDING = FindingRow.__table__  # type: ignore[attr-defined]
_OCCURRENCE = OccurrenceRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StoredReport:
    report_id: int
    new: int
    """Findings the store had not seen before."""
    seen_before: int
    """Findings the store already held (from an earlier report)."""
    reopened: int
    """Findings that were fixed and are back."""
    fixed: int
    """The tool's findings in this repository that this (complete) scan no longer reports."""
    cross_tool_duplicates: int
    """New findings another tool had already reported (same correlation key)."""


@dataclass(frozen=True)
class _Known:
    id: int
    status: str


def store_report(
    session: Session,
    *,
    parsed: ParsedReport,
    file_name: str,
    sha256: str,
    repository: str,
    repo_root: str | None,
    now: datetime,
    cwe_families: Mapping[str, str],
) -> StoredReport:
    """Record a report, its findings, an occurrence for each, and the lifecycle. No commit."""
    report = ReportRow(
        file_name=file_name,
        sha256=sha256,
        format=parsed.format,
        tools=list(parsed.tools),
        repository=repository,
        repo_root=repo_root,
        results=parsed.results,
        ingested_at=now,
        complete=parsed.complete,
        quarantined=[q.model_dump() for q in parsed.quarantined],
    )
    session.add(report)
    session.flush()
    assert report.id is not None
    known = _known_by_fingerprint(session, repository, [f.fingerprint for f in parsed.findings])
    fresh = [
        _new_row(f, repository, repo_root, report.id, now, cwe_families)
        for f in parsed.findings
        if f.fingerprint not in known
    ]
    ids = _insert_new(session, fresh)
    seen_again = [f for f in parsed.findings if f.fingerprint in known]
    reopened = sum(known[f.fingerprint].status == FindingStatus.FIXED for f in seen_again)
    _update_seen(session, seen_again, known, repo_root, report.id, now)
    ids.update({fingerprint: k.id for fingerprint, k in known.items()})
    duplicates = _link_cross_tool_duplicates(
        session,
        repository,
        [(ids[row["fingerprint"]], row["correlation_key"], row["tool"]) for row in fresh],
    )
    if parsed.findings:
        session.execute(
            insert(_OCCURRENCE),
            [
                {
                    "finding_id": ids[f.fingerprint],
                    "report_id": report.id,
                    "start_line": f.start_line,
                    "end_line": f.end_line,
                }
                for f in parsed.findings
            ],
        )
    fixed = _mark_absent_fixed(session, repository, parsed, report.id, now)
    return StoredReport(
        report_id=report.id,
        new=len(fresh),
        seen_before=len(seen_again),
        reopened=reopened,
        fixed=fixed,
        cross_tool_duplicates=duplicates,
    )


def list_findings(session: Session, *, status: FindingStatus | None = None) -> Sequence[FindingRow]:
    query = select(FindingRow).order_by(col(FindingRow.id))
    if status is not None:
        query = query.where(FindingRow.status == status)
    return session.exec(query).all()


def untriaged_findings(session: Session, limit: int | None) -> Sequence[FindingRow]:
    """Findings that need a decision: in no case yet, not fixed, not another tool's duplicate."""
    in_a_case = select(CaseFindingRow.finding_id)
    query = (
        select(FindingRow)
        .where(
            col(FindingRow.id).not_in(in_a_case),
            col(FindingRow.duplicate_of).is_(None),
            FindingRow.status != FindingStatus.FIXED,
        )
        .order_by(col(FindingRow.id))
    )
    if limit is not None:
        query = query.limit(limit)
    return session.exec(query).all()


def _known_by_fingerprint(
    session: Session, repository: str, fingerprints: list[str]
) -> dict[str, _Known]:
    found: dict[str, _Known] = {}
    unique = sorted(set(fingerprints))
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        rows = session.exec(
            select(FindingRow.fingerprint, FindingRow.id, FindingRow.status).where(
                FindingRow.repository == repository, col(FindingRow.fingerprint).in_(chunk)
            )
        ).all()
        found.update(
            {fingerprint: _Known(int(id_ or 0), status) for fingerprint, id_, status in rows}
        )
    return found


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    if not rows:
        return {}
    statement = insert(_FINDING).returning(
        _FINDING.c.id, _FINDING.c.fingerprint, sort_by_parameter_order=True
    )
    return {fingerprint: id_ for id_, fingerprint in session.execute(statement, rows).all()}


def _new_row(
    finding: Finding,
    repository: str,
    repo_root: str | None,
    report_id: int,
    now: datetime,
    cwe_families: Mapping[str, str],
) -> dict[str, Any]:
    return {
        "repository": repository,
        "fingerprint": finding.fingerprint,
        "kind": finding.kind.value,
        "tool": finding.tool,
        "tool_version": finding.tool_version,
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "cwe_ids": list(finding.cwe_ids),
        "message": finding.message,
        "tool_severity": finding.tool_severity.value,
        "path": finding.path,
        "start_line": finding.start_line,
        "end_line": finding.end_line,
        "snippet": finding.snippet,
        "repo_root": repo_root,
        "status": FindingStatus.NEW.value,
        "first_seen": now,
        "last_seen": now,
        "details": finding.details.model_dump(mode="json") if finding.details else None,
        "correlation_key": correlation_key(finding, cwe_families),
        "duplicate_of": None,
        "last_report_id": report_id,
        "fixed_at": None,
    }


def _update_seen(
    session: Session,
    findings: list[Finding],
    known: dict[str, _Known],
    repo_root: str | None,
    report_id: int,
    now: datetime,
) -> None:
    if not findings:
        return
    rows = [
        {
            "id": known[f.fingerprint].id,
            "status": _next_status(known[f.fingerprint].status),
            "last_seen": now,
            "last_report_id": report_id,
            "start_line": f.start_line,
            "end_line": f.end_line,
            "snippet": f.snippet,
            "fixed_at": None,
        }
        for f in findings
    ]
    if repo_root is not None:
        for row in rows:
            row["repo_root"] = repo_root
    session.execute(update(FindingRow), rows)


def _next_status(status: str) -> str:
    """A finding seen again: new becomes open, fixed becomes reopened, the rest stay."""
    if status == FindingStatus.NEW:
        return FindingStatus.OPEN.value
    if status == FindingStatus.FIXED:
        return FindingStatus.REOPENED.value
    return status


def _link_cross_tool_duplicates(
    session: Session, repository: str, new: list[tuple[int, str | None, str]]
) -> int:
    """Point each new finding at the key's earliest finding when another tool reported that.

    Always the earliest, so duplicates never chain; the same tool reporting two findings with one
    key is two problems by that tool's own judgement, and both stay.
    """
    keys = sorted({key for _id, key, _tool in new if key})
    keyed: dict[str, list[tuple[int, str]]] = {}
    for start in range(0, len(keys), _IN_CHUNK):
        rows = session.exec(
            select(FindingRow.id, FindingRow.correlation_key, FindingRow.tool)
            .where(
                FindingRow.repository == repository,
                col(FindingRow.correlation_key).in_(keys[start : start + _IN_CHUNK]),
                col(FindingRow.duplicate_of).is_(None),
            )
            .order_by(col(FindingRow.id))
        ).all()
        for id_, key, tool in rows:
            keyed.setdefault(str(key), []).append((int(id_ or 0), tool))
    links = [
        {"id": id_, "duplicate_of": canonical[0]}
        for id_, key, tool in new
        if key is not None and (canonical := keyed[key][0])[0] < id_ and canonical[1] != tool
    ]
    if links:
        session.execute(update(FindingRow), links)
    return len(links)


def _mark_absent_fixed(
    session: Session, repository: str, parsed: ParsedReport, report_id: int, now: datetime
) -> int:
    """The tools' findings this complete scan did not report are fixed; a partial one fixes none."""
    if not parsed.complete or not parsed.tools:
        return 0
    result = session.execute(
        update(FindingRow)
        .where(
            col(FindingRow.repository) == repository,
            col(FindingRow.tool).in_(parsed.tools),
            col(FindingRow.status) != FindingStatus.FIXED,
            (col(FindingRow.last_report_id).is_(None))
            | (col(FindingRow.last_report_id) != report_id),
        )
        .values(status=FindingStatus.FIXED.value, fixed_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
