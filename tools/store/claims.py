"""Work claims on cases: which worker advances which case, and until when.

A claim is two columns on ``triage_case``: ``claimed_by`` and ``lease_expires_at``. A worker
claims a batch of claimable cases in one statement, renews the lease while it works (a
heartbeat) and releases each case when its run ends. A worker that dies stops renewing; once its
lease has passed, any other worker takes the case over and LangGraph resumes the case's thread
from its last checkpoint.

PostgreSQL: ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)``. Two workers
claiming at the same moment never wait for each other and never get the same row: a row one of
them has locked is skipped by the other, and a row claimed and committed meanwhile is re-checked
against the ``WHERE`` (PostgreSQL re-evaluates it on the newest row version), where its fresh
lease excludes it. The claim columns live on the case row itself for exactly this reason: a claim
kept in a side table would not be re-checked, and two workers could claim the same case.

SQLite: the same statement (SQLAlchemy drops ``FOR UPDATE`` there). SQLite has one writer at a
time and an ``UPDATE`` takes the write lock when it starts, before it reads, so picking and
marking the rows is atomic; the other claimers queue on ``busy_timeout``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlmodel import Session

from tools.store.tables import ApprovalRow, ApprovalStatus, CaseRow, CaseStatus

_CASE = CaseRow.__table__  # type: ignore[attr-defined]
_APPROVAL = ApprovalRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Claim:
    case_id: int
    worker: str
    lease_expires_at: datetime


def claim_cases(
    session: Session,
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    decision_grace: timedelta = timedelta(0),
    repositories: Collection[str] | None = None,
    decided_only: bool = False,
) -> list[Claim]:
    """Claim up to ``limit`` claimable cases for ``worker`` (committed by the caller).

    Claimable: not held by a live lease, and either still triaging (new, or stopped mid-run) or
    awaiting an approval that a human decided at least ``decision_grace`` ago (the process that
    recorded the decision resumes the case itself; the grace keeps a worker from racing it and
    takes over only when that process died). ``repositories`` limits the claim to those;
    ``decided_only`` to cases a human decided (a publishing job that reads no new finding text).
    """
    if limit <= 0:
        return []
    pick = (
        select(_CASE.c.id)
        .where(_claimable(now, decision_grace, repositories, decided_only=decided_only))
        .order_by(_CASE.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    expires = now + lease
    rows = session.execute(
        update(_CASE)
        .where(_CASE.c.id.in_(pick))
        .values(claimed_by=worker, lease_expires_at=expires)
        .returning(_CASE.c.id)
    ).all()
    return [Claim(int(row[0]), worker, expires) for row in sorted(rows)]


def renew(
    session: Session, *, worker: str, case_ids: Collection[int], now: datetime, lease: timedelta
) -> set[int]:
    """Extend ``worker``'s leases on ``case_ids``; the ids it still holds (the rest were lost)."""
    if not case_ids:
        return set()
    rows = session.execute(
        update(_CASE)
        .where(_CASE.c.id.in_(sorted(case_ids)), _CASE.c.claimed_by == worker)
        .values(lease_expires_at=now + lease)
        .returning(_CASE.c.id)
    ).all()
    return {int(row[0]) for row in rows}


def release(
    session: Session,
    *,
    worker: str,
    case_id: int,
    failed: bool,
    now: datetime,
    retry_after: timedelta,
    max_retry_after: timedelta = timedelta(hours=6),
) -> bool:
    """Give a case back; False if ``worker`` no longer held it (its lease was taken over).

    A case whose run raised is not claimable again before ``retry_after``, doubled for each
    failure in a row (up to ``max_retry_after``), so a case that always fails does not occupy
    the workers; a run that succeeds clears the count.
    """
    held = and_(_CASE.c.id == case_id, _CASE.c.claimed_by == worker)
    if not failed:
        values = {"claimed_by": None, "lease_expires_at": None, "failures": 0}
        cleared = update(_CASE).where(held).values(**values).returning(_CASE.c.id)
        return session.execute(cleared).first() is not None
    failures = session.execute(select(_CASE.c.failures).where(held)).scalar()
    if failures is None:
        return False
    delay = min(retry_after * (2 ** min(int(failures), 20)), max_retry_after)
    delayed = (
        update(_CASE)
        .where(held)
        .values(claimed_by=None, lease_expires_at=now + delay, failures=int(failures) + 1)
        .returning(_CASE.c.id)
    )
    return session.execute(delayed).first() is not None


def _claimable(
    now: datetime,
    decision_grace: timedelta,
    repositories: Collection[str] | None,
    *,
    decided_only: bool,
) -> ColumnElement[bool]:
    pending = exists().where(
        _APPROVAL.c.case_id == _CASE.c.id, _APPROVAL.c.status == ApprovalStatus.PENDING.value
    )
    decided = exists().where(
        _APPROVAL.c.case_id == _CASE.c.id,
        _APPROVAL.c.status.in_([ApprovalStatus.APPROVED.value, ApprovalStatus.REJECTED.value]),
        _APPROVAL.c.decided_at <= now - decision_grace,
    )
    resumable = and_(_CASE.c.status == CaseStatus.AWAITING_APPROVAL.value, decided, ~pending)
    condition = and_(
        resumable if decided_only else or_(_CASE.c.status == CaseStatus.TRIAGING.value, resumable),
        or_(_CASE.c.lease_expires_at.is_(None), _CASE.c.lease_expires_at <= now),
    )
    if repositories is not None:
        condition = and_(condition, _CASE.c.repository.in_(sorted(repositories)))
    return condition
