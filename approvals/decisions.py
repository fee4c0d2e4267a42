"""Deciding an approval: a compare-and-set from pending, recorded in the audit trail.

The status flip is a single conditional UPDATE, so two deciders racing (a double click, two
analysts, a replayed request) cannot both win: exactly one sees a row change.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col

from approvals.errors import AlreadyDecided, ApprovalExpired
from approvals.requests import get_approval
from tools.store.audit import append_event
from tools.store.tables import ApprovalRow, ApprovalStatus

log = logging.getLogger(__name__)


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


_STATUS_FOR = {Decision.APPROVE: ApprovalStatus.APPROVED, Decision.REJECT: ApprovalStatus.REJECTED}


def decide(
    session: Session,
    *,
    approval_id: str,
    decision: Decision,
    actor: str,
    now: datetime,
    reason: str | None = None,
) -> ApprovalRow:
    """Flip a pending approval to approved/rejected and commit; raise if that is not possible."""
    row = get_approval(session, approval_id)
    if row.status == ApprovalStatus.PENDING and row.expires_at <= now:
        raise ApprovalExpired(approval_id, row.expires_at)
    result = session.execute(
        update(ApprovalRow)
        .where(
            col(ApprovalRow.id) == approval_id,
            col(ApprovalRow.status) == ApprovalStatus.PENDING,
            col(ApprovalRow.expires_at) > now,
        )
        .values(status=_STATUS_FOR[decision], decided_by=actor, decided_at=now, reason=reason)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        session.refresh(row)
        raise AlreadyDecided(approval_id, row.status, row.decided_by, row.decided_at)
    append_event(
        session,
        event=f"approval.{_STATUS_FOR[decision].value}",
        actor=actor,
        now=now,
        case_id=row.case_id,
        approval_id=approval_id,
        detail={"decision": decision.value, "content_hash": row.content_hash, "reason": reason},
    )
    session.commit()
    session.refresh(row)
    log.info("approval %s %s by %s (case %d)", approval_id, row.status, actor, row.case_id)
    return row
