"""The side-effect ledger: claim an idempotency key before writing, record the result after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from tools.store.tables import OutboxRow, OutboxStatus


def claim(
    session: Session,
    *,
    key: str,
    approval_id: str,
    case_id: int,
    destination: str,
    content_hash: str,
    now: datetime,
) -> OutboxRow | None:
    """Insert the claim and commit it; None when the key was claimed already (by anyone)."""
    row = OutboxRow(
        idempotency_key=key,
        approval_id=approval_id,
        case_id=case_id,
        destination=destination,
        content_hash=content_hash,
        claimed_at=now,
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return row


def get(session: Session, key: str) -> OutboxRow | None:
    return session.get(OutboxRow, key)


def release(session: Session, key: str) -> None:
    """Drop a claim whose write certainly did not happen, so a later attempt may write."""
    row = session.get(OutboxRow, key)
    if row is not None and row.status == OutboxStatus.CLAIMED:
        session.delete(row)
        session.commit()


def forget_unwritten(session: Session, key: str) -> None:
    """Drop a claim in doubt once the destination was checked and holds no trace of the write."""
    row = session.get(OutboxRow, key)
    if row is not None and row.status in (OutboxStatus.CLAIMED, OutboxStatus.NEEDS_RECONCILIATION):
        session.delete(row)
        session.commit()


def mark_published(session: Session, row: OutboxRow, *, ref: str, now: datetime) -> None:
    row.status = OutboxStatus.PUBLISHED
    row.ref = ref
    row.completed_at = now
    session.add(row)
