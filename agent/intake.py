"""Opening cases for untriaged findings, in bulk, one opener at a time.

Several workers may look for new findings at once; the lock makes them take turns, so each
finding gets exactly one case and nobody spends its time on insert conflicts. Each later opener
sees the cases the earlier ones committed (PostgreSQL reads committed data per statement, and
the lock is taken before the read).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy import Select, func, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from tools.store.database import Database
from tools.store.locks import OPEN_CASES_LOCK, hold_until_commit
from tools.store.tables import CaseFindingRow, CaseRow, CaseStatus, FindingRow, FindingStatus


def open_untriaged(
    database: Database,
    *,
    now: datetime,
    limit: int,
    repositories: Collection[str] | None = None,
    group_key: Callable[[FindingRow], str | None] = lambda _finding: None,
) -> list[int]:
    """Open cases for up to ``limit`` untriaged findings; the new case ids (committed).

    Untriaged is the rule of ``tools.store.findings.untriaged_findings`` (in no case, not fixed,
    not another tool's duplicate), limited to ``repositories``. Findings with the same
    ``group_key`` (a root cause, agent/grouping.py) share a case, as ``agent.cases.open_case``
    does: a finding joins the case open under its key while nobody is advancing that case and it
    has not been drafted; otherwise it gets a case of its own.
    """
    if limit <= 0:
        return []
    query = _untriaged(repositories).order_by(_FINDING.c.id).limit(limit)
    with database.session() as session:
        hold_until_commit(session, OPEN_CASES_LOCK)
        ids = [int(row[0]) for row in session.execute(query).all()]
        opened: dict[str, CaseRow] = {}
        fresh: list[CaseRow] = []
        for finding in _findings(session, ids):
            key = group_key(finding)
            case = opened.get(key) if key is not None else None
            if case is None and key is not None:
                case = _joinable(session, key, now)
            if case is None:
                taken = key is None or _key_taken(session, key)
                case = CaseRow(
                    # The same key agent.cases.open_case gives a case of one finding.
                    group_key=f"finding:{finding.id}" if taken else str(key),
                    repository=finding.repository,
                    created_at=now,
                    updated_at=now,
                )
                session.add(case)
                session.flush()
                fresh.append(case)
                if not taken:
                    opened[str(key)] = case
            assert case.id is not None and finding.id is not None
            session.add(CaseFindingRow(case_id=case.id, finding_id=finding.id))
    return [case.id for case in fresh if case.id is not None]


def _findings(session: Session, ids: list[int]) -> list[FindingRow]:
    rows: list[FindingRow] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows.extend(session.exec(select(FindingRow).where(col(FindingRow.id).in_(chunk))).all())
    return sorted(rows, key=lambda row: row.id or 0)


def _key_taken(session: Session, key: str) -> bool:
    return session.exec(select(CaseRow.id).where(CaseRow.group_key == key)).first() is not None


def _joinable(session: Session, key: str, now: datetime) -> CaseRow | None:
    """The case open under ``key`` if a finding may still join it: not drafted, not held.

    The row stays locked until this transaction commits, so no worker claims it meanwhile
    (PostgreSQL; SQLite has one writer anyway).
    """
    return session.exec(
        select(CaseRow)
        .where(
            CaseRow.group_key == key,
            CaseRow.status == CaseStatus.TRIAGING,
            or_(col(CaseRow.claimed_by).is_(None), col(CaseRow.lease_expires_at) <= now),
        )
        .with_for_update(skip_locked=True)
    ).first()


def untriaged_count(database: Database, repositories: Collection[str] | None = None) -> int:
    """How many findings :func:`open_untriaged` would still open a case for."""
    query = _untriaged(repositories).with_only_columns(func.count())
    with database.session() as session:
        return int(session.execute(query).scalar_one())


_FINDING = FindingRow.__table__  # type: ignore[attr-defined]
_IN_A_CASE = select_columns(CaseFindingRow.__table__.c.finding_id)  # type: ignore[attr-defined]


def _untriaged(repositories: Collection[str] | None) -> Select[tuple[int, str]]:
    query = select_columns(_FINDING.c.id, _FINDING.c.repository).where(
        _FINDING.c.id.not_in(_IN_A_CASE),
        _FINDING.c.duplicate_of.is_(None),
        _FINDING.c.status != FindingStatus.FIXED.value,
    )
    if repositories is not None:
        query = query.where(_FINDING.c.repository.in_(sorted(repositories)))
    return query
