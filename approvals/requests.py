"""Opening approval requests: one per exact payload, so a re-run never creates a second."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from approvals.errors import ApprovalNotFound
from tools.publish.payload import content_hash
from tools.store.tables import ApprovalRow, ApprovalStatus


def new_approval_id() -> str:
    """An opaque, unguessable id: the only thing a Slack button will carry."""
    return "apv_" + secrets.token_hex(6)


def request_approval(
    session: Session,
    *,
    case_id: int,
    thread_id: str,
    action: str,
    payload: dict[str, Any],
    now: datetime,
    ttl: timedelta,
    required: int = 1,
) -> tuple[ApprovalRow, bool]:
    """The approval for this exact payload and whether it was created now (uncommitted).

    Re-running a step after a crash finds the approval it opened the first time instead of opening
    a second one; the caller commits, together with whatever else it records.
    """
    digest = content_hash({"action": action, "payload": payload})
    existing = _by_content(session, case_id, digest)
    if existing is not None:
        return existing, False
    row = ApprovalRow(
        id=new_approval_id(),
        case_id=case_id,
        thread_id=thread_id,
        action=action,
        payload=payload,
        content_hash=digest,
        status=ApprovalStatus.PENDING,
        created_at=now,
        expires_at=now + ttl,
        required_approvals=required,
    )
    session.add(row)
    session.flush()
    return row, True


def get_approval(session: Session, approval_id: str) -> ApprovalRow:
    row = session.get(ApprovalRow, approval_id)
    if row is None:
        raise ApprovalNotFound(approval_id)
    return row


def current_approval(session: Session, approval_id: str) -> ApprovalRow:
    """The approval now in force for the same case: edits replace an approval by a new one."""
    row = get_approval(session, approval_id)
    for _ in range(100):  # an edit chain longer than this is a bug, not an analyst
        if row.status != ApprovalStatus.SUPERSEDED or row.superseded_by is None:
            return row
        row = get_approval(session, row.superseded_by)
    raise ApprovalNotFound(approval_id)


def list_approvals(session: Session, status: str | None = None) -> Sequence[ApprovalRow]:
    query = select(ApprovalRow).order_by(col(ApprovalRow.created_at), col(ApprovalRow.id))
    if status is not None:
        query = query.where(ApprovalRow.status == status)
    return session.exec(query).all()


def payload_hash(row: ApprovalRow) -> str:
    """The hash of the payload as stored now; differs from ``row.content_hash`` if tampered."""
    return content_hash({"action": row.action, "payload": row.payload})


def _by_content(session: Session, case_id: int, digest: str) -> ApprovalRow | None:
    return session.exec(
        select(ApprovalRow).where(
            ApprovalRow.case_id == case_id, ApprovalRow.content_hash == digest
        )
    ).first()
