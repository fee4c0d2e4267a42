"""Storing parsed reports: dedup, cross-tool correlation and the finding lifecycle; queries.

A report is written with set-based statements (one bulk insert of new findings, one bulk update of
those seen again, one statement marking the absent ones fixed), so a 100,000-result report costs a
handful of round trips, not 100,000 ORM objects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, text, update
from sqlmodel import Session, col, select

from tools.ingest.report import ReportHeader
from tools.store.bulk import bulk_insert, bulk_update
from tools.store.rows import (
    CORRELATION_KEY,
    END_LINE,
    FINGERPRINT,
    NEW_COLUMNS,
    SNIPPET,
    START_LINE,
    TOOL,
    Row,
)
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
_OCCURRENCE_COLUMNS = ("finding_id", "start_line", "end_line")


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

    def plus(self, other: StoredReport) -> StoredReport:
        return StoredReport(
            report_id=self.report_id,
            new=self.new + other.new,
            seen_before=self.seen_before + other.seen_before,
            reopened=self.reopened + other.reopened,
            fixed=self.fixed + other.fixed,
            cross_tool_duplicates=self.cross_tool_duplicates + other.cross_tool_duplicates,
        )


@dataclass(frozen=True)
class _Known:
    id: int
    status: str


def store_report(
    session: Session,
    *,
    report: ReportHeader,
    batches: Iterable[Sequence[Row]],
    file_name: str,
    sha256: str,
    repository: str,
    repo_root: str | None,
    now: datetime,
) -> StoredReport:
    """Record a report, its findings (rows, in ``batches``), an occurrence for each, and the
    lifecycle.

    No commit. One batch at a time, so memory does not grow with the report; the report's tally
    is read after the last one.
    """
    row = ReportRow(
        file_name=file_name,
        sha256=sha256,
        format=report.format,
        tools=list(report.tools),
        repository=repository,
        repo_root=repo_root,
        results=0,
        ingested_at=now,
        complete=report.complete,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    # A repository's first report (the usual first import) has nothing to look up or mark
    # fixed: one index seek saves a fingerprint lookup per batch. Its own findings never
    # match each other: a report's fingerprints are distinct (tools.ingest.draft.finalise).
    known_before = _has_findings(session, repository)
    batch = _Batch(session, repository, repo_root, row.id, now, known_before)
    totals = StoredReport(
        row.id, new=0, seen_before=0, reopened=0, fixed=0, cross_tool_duplicates=0
    )
    for rows in batches:
        totals = totals.plus(batch.store(rows))
    # The tally is complete only now that the stream has been read to its end.
    row.results = report.tally.results
    row.quarantined = [q.model_dump() for q in report.tally.quarantine_samples]
    session.add(row)
    fixed = _mark_absent_fixed(session, repository, report, row.id, now) if known_before else 0
    return dataclasses.replace(totals, fixed=fixed)


@contextmanager
def _planned_for_its_values(session: Session) -> Iterator[None]:
    """On PostgreSQL, plan the statements in the block for their actual values.

    psycopg prepares a statement after five executions, and PostgreSQL may then switch to a
    generic plan. For the 500-parameter fingerprint lookup that plan filtered every finding of
    the repository against the list, a cost that grew with the report (a first 100,000-finding
    ingest spent ~100 s there); the plan for the values themselves takes milliseconds.
    Only around the lookups: for the whole transaction it also re-planned every foreign-key
    check of every inserted row (the inserts took twice as long). ``SET LOCAL`` takes no lock,
    unlike an ``ANALYZE``, and ends with the transaction at the latest.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    try:
        yield
    finally:
        session.execute(text("SET LOCAL plan_cache_mode = auto"))


@dataclass(frozen=True)
class _Batch:
    """Stores one batch of a report's findings; every batch of a report shares these values."""

    session: Session
    repository: str
    repo_root: str | None
    report_id: int
    now: datetime
    repository_had_findings: bool

    def _inserted_since(self, before: int) -> dict[str, int]:
        """Fingerprint → id of the rows this batch inserted: above the batch's starting id and
        stamped with this report (another transaction's concurrent rows have another report)."""
        rows = self.session.execute(
            select(_FINDING.c.fingerprint, _FINDING.c.id).where(
                _FINDING.c.id > before, _FINDING.c.last_report_id == self.report_id
            )
        ).all()
        return {str(fingerprint): int(id_) for fingerprint, id_ in rows}

    def store(self, rows: Sequence[Row]) -> StoredReport:
        session, repository = self.session, self.repository
        known = (
            _known_by_fingerprint(session, repository, [r[FINGERPRINT] for r in rows])
            if self.repository_had_findings
            else {}
        )
        fresh = [r for r in rows if r[FINGERPRINT] not in known]
        before = session.execute(select(func.max(_FINDING.c.id))).scalar() or 0
        bulk_insert(
            session.connection(),
            _FINDING,
            NEW_COLUMNS,
            fresh,
            constants={
                "repository": repository,
                "repo_root": self.repo_root,
                "status": FindingStatus.NEW.value,
                "first_seen": self.now,
                "last_seen": self.now,
                "duplicate_of": None,
                "last_report_id": self.report_id,
                "fixed_at": None,
            },
        )
        ids = {fp: k.id for fp, k in known.items()}
        ids.update(self._inserted_since(before))
        seen_again = [r for r in rows if r[FINGERPRINT] in known]
        _update_seen(session, seen_again, known, self.repo_root, self.report_id, self.now)
        duplicates = _link_cross_tool_duplicates(
            session,
            repository,
            [(ids[r[FINGERPRINT]], r[CORRELATION_KEY], r[TOOL]) for r in fresh],
        )
        bulk_insert(
            session.connection(),
            _OCCURRENCE,
            _OCCURRENCE_COLUMNS,
            [(ids[r[FINGERPRINT]], r[START_LINE], r[END_LINE]) for r in rows],
            constants={"report_id": self.report_id},
        )
        return StoredReport(
            report_id=self.report_id,
            new=len(fresh),
            seen_before=len(seen_again),
            reopened=sum(known[r[FINGERPRINT]].status == FindingStatus.FIXED for r in seen_again),
            fixed=0,
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


def _has_findings(session: Session, repository: str) -> bool:
    query = select(_FINDING.c.id).where(_FINDING.c.repository == repository).limit(1)
    return session.execute(query).first() is not None


def _known_by_fingerprint(
    session: Session, repository: str, fingerprints: list[str]
) -> dict[str, _Known]:
    found: dict[str, _Known] = {}
    unique = sorted(set(fingerprints))
    with _planned_for_its_values(session):
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start : start + _IN_CHUNK]
            rows = session.execute(
                select(_FINDING.c.fingerprint, _FINDING.c.id, _FINDING.c.status).where(
                    _FINDING.c.repository == repository, _FINDING.c.fingerprint.in_(chunk)
                )
            ).all()
            found.update({str(fp): _Known(int(id_), str(status)) for fp, id_, status in rows})
    return found


def _update_seen(
    session: Session,
    rows: list[Row],
    known: dict[str, _Known],
    repo_root: str | None,
    report_id: int,
    now: datetime,
) -> None:
    constants: dict[str, Any] = {"last_seen": now, "last_report_id": report_id, "fixed_at": None}
    if repo_root is not None:
        constants["repo_root"] = repo_root
    updates = []
    for row in rows:
        seen = known[row[FINGERPRINT]]
        updates.append(
            (seen.id, _next_status(seen.status), row[START_LINE], row[END_LINE], row[SNIPPET])
        )
    bulk_update(
        session.connection(),
        _FINDING,
        "id",
        ("status", "start_line", "end_line", "snippet"),
        updates,
        constants=constants,
    )


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
    """Point each new finding at the earliest finding another tool reported with its key.

    Only findings that are no one's duplicate are targets, so duplicates never chain. The same
    tool reporting two findings with one key is two problems by that tool's own judgement: both
    stay.
    """
    by_tool: dict[str, list[tuple[int, str]]] = {}
    for id_, key, tool in new:
        if key is not None:
            by_tool.setdefault(tool, []).append((id_, key))
    links: list[tuple[int, int]] = []
    for tool, keyed in by_tool.items():
        if not _other_tools_reported(session, repository, tool):
            continue  # the common case (one tool per repository so far): nothing to look up
        earliest = _earliest_of_other_tools(
            session, repository, tool, sorted({k for _, k in keyed})
        )
        links.extend(
            (id_, earliest[key]) for id_, key in keyed if key in earliest and earliest[key] < id_
        )
    bulk_update(session.connection(), _FINDING, "id", ("duplicate_of",), links)
    return len(links)


def _other_tools_reported(session: Session, repository: str, tool: str) -> bool:
    """Whether any other tool has a finding in the repository.

    Two seeks on ix_finding_repository_tool: a tool named before ``tool``, then one named after.
    Looking the correlation keys up instead reads every finding that shares a key, this tool's own
    included, which on a large repository cost more than storing the findings.
    """
    return any(
        session.execute(
            select(_FINDING.c.id).where(_FINDING.c.repository == repository, other).limit(1)
        ).first()
        for other in (_FINDING.c.tool < tool, _FINDING.c.tool > tool)
    )


def _earliest_of_other_tools(
    session: Session, repository: str, tool: str, keys: list[str]
) -> dict[str, int]:
    earliest: dict[str, int] = {}
    with _planned_for_its_values(session):
        for start in range(0, len(keys), _IN_CHUNK):
            rows = session.execute(
                select(_FINDING.c.correlation_key, func.min(_FINDING.c.id))
                .where(
                    _FINDING.c.repository == repository,
                    _FINDING.c.correlation_key.in_(keys[start : start + _IN_CHUNK]),
                    _FINDING.c.tool != tool,
                    _FINDING.c.duplicate_of.is_(None),
                )
                .group_by(_FINDING.c.correlation_key)
            ).all()
            earliest.update({str(key): int(id_) for key, id_ in rows})
    return earliest


def _mark_absent_fixed(
    session: Session, repository: str, parsed: ReportHeader, report_id: int, now: datetime
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
