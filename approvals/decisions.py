"""Deciding an approval: votes, then a compare-and-set from pending, recorded in the audit trail.

The status flip is a single conditional UPDATE, so racing deciders (a double click, two analysts,
a replayed request) cannot both win: exactly one sees a row change. An approval that needs two
approvers collects distinct votes first (unique per approver); the vote that reaches the count
performs the flip.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from approvals.errors import (
    AlreadyDecided,
    AlreadyVoted,
    ApprovalExpired,
    ApprovalNotFound,
    NothingEdited,
)
from approvals.policy import required_approvals
from approvals.requests import new_approval_id
from tools.publish.payload import content_hash
from tools.store.audit import append_event
from tools.store.tables import ApprovalRow, ApprovalStatus, ApprovalVoteRow

log = logging.getLogger(__name__)


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


_STATUS_FOR = {Decision.APPROVE: ApprovalStatus.APPROVED, Decision.REJECT: ApprovalStatus.REJECTED}


@dataclass(frozen=True)
class Outcome:
    approval: ApprovalRow
    complete: bool
    """False when an approve vote was recorded but more distinct approvers are needed."""
    votes: int


def decide(
    session: Session,
    *,
    approval_id: str,
    decision: Decision,
    actor: str,
    now: datetime,
    reason: str | None = None,
) -> Outcome:
    """Vote for or reject a pending approval and commit; raise if that is not possible."""
    row = _pending(session, approval_id, now)
    votes = 0
    if decision == Decision.APPROVE and row.required_approvals > 1:
        votes = _vote(session, row, actor, now)
        if votes < row.required_approvals:
            append_event(
                session,
                event="approval.vote",
                actor=actor,
                now=now,
                case_id=row.case_id,
                approval_id=approval_id,
                detail={"votes": votes, "required": row.required_approvals},
            )
            session.commit()
            return Outcome(row, complete=False, votes=votes)
    _flip(session, row, _STATUS_FOR[decision], actor=actor, now=now, reason=reason)
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
    return Outcome(row, complete=True, votes=max(votes, 1))


def supersede(
    session: Session,
    *,
    approval_id: str,
    payload: dict[str, Any],
    severity_before: str,
    severity_after: str,
    two_person_rule: bool,
    actor: str,
    now: datetime,
) -> ApprovalRow:
    """Replace a pending approval by one for an edited payload; the new one starts with no votes.

    An edit can raise the number of approvers needed (lowering a high finding) but never lower it.
    """
    old = _pending(session, approval_id, now)
    digest = content_hash({"action": old.action, "payload": payload})
    if digest == old.content_hash:
        raise NothingEdited(approval_id)
    needed = max(
        old.required_approvals,
        required_approvals(
            verdict="true_positive",
            tool_severity=severity_before,
            proposed_severity=severity_after,
            two_person_rule=two_person_rule,
        ),
    )
    new = ApprovalRow(
        id=new_approval_id(),
        case_id=old.case_id,
        thread_id=old.thread_id,
        action=old.action,
        payload=payload,
        content_hash=digest,
        created_at=now,
        expires_at=old.expires_at,
        required_approvals=needed,
        slack_channel=old.slack_channel,
        slack_ts=old.slack_ts,
    )
    session.add(new)
    session.flush()
    _flip(session, old, ApprovalStatus.SUPERSEDED, actor=actor, now=now, superseded_by=new.id)
    append_event(
        session,
        event="approval.edited",
        actor=actor,
        now=now,
        case_id=old.case_id,
        approval_id=new.id,
        detail={
            "supersedes": old.id,
            "old_hash": old.content_hash,
            "content_hash": new.content_hash,
            "required": needed,
        },
    )
    session.commit()
    return new


def votes_for(session: Session, approval_id: str) -> list[str]:
    return list(
        session.exec(
            select(ApprovalVoteRow.approver)
            .where(ApprovalVoteRow.approval_id == approval_id)
            .order_by(col(ApprovalVoteRow.id))
        ).all()
    )


def _pending(session: Session, approval_id: str, now: datetime) -> ApprovalRow:
    # Lock the row (PostgreSQL; SQLite serialises writers anyway) so that concurrent votes by two
    # approvers are counted one after the other: otherwise each sees only its own vote and the
    # approval never completes.
    row = session.exec(
        select(ApprovalRow).where(ApprovalRow.id == approval_id).with_for_update()
    ).first()
    if row is None:
        raise ApprovalNotFound(approval_id)
    if row.status != ApprovalStatus.PENDING:
        raise AlreadyDecided(approval_id, row.status, row.decided_by, row.decided_at)
    if row.expires_at <= now:
        raise ApprovalExpired(approval_id, row.expires_at)
    return row


def _vote(session: Session, row: ApprovalRow, actor: str, now: datetime) -> int:
    session.add(ApprovalVoteRow(approval_id=row.id, approver=actor, at=now))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise AlreadyVoted(row.id, actor) from None
    count = session.exec(
        select(func.count())
        .select_from(ApprovalVoteRow)
        .where(ApprovalVoteRow.approval_id == row.id)
    ).one()
    return int(count)


def _flip(
    session: Session,
    row: ApprovalRow,
    status: ApprovalStatus,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    superseded_by: str | None = None,
) -> None:
    result = session.execute(
        update(ApprovalRow)
        .where(
            col(ApprovalRow.id) == row.id,
            col(ApprovalRow.status) == ApprovalStatus.PENDING,
            col(ApprovalRow.expires_at) > now,
        )
        .values(
            status=status,
            decided_by=actor,
            decided_at=now,
            reason=reason,
            superseded_by=superseded_by,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        session.refresh(row)
        raise AlreadyDecided(row.id, row.status, row.decided_by, row.decided_at)
