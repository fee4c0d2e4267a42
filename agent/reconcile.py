"""Resolving publishes left in doubt: the destination is asked, then the case is finished.

A case lands in ``needs_reconciliation`` when a write was claimed but its outcome is unknown (the
process died mid-call, or GitHub never confirmed). The marker decides: if the destination holds
a ticket carrying it, that ticket is recorded; if not, nothing was written and the approved
ticket is published now, through the same checks as any publish (approval, hash, allowlist).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from agent import steps
from agent.deps import WorkflowDeps
from agent.publishing import (
    ACTION_CREATE_ISSUE,
    NeedsReconciliation,
    PublishRefused,
    publish_approved,
)
from approvals.requests import get_approval
from tools.publish.publisher import PublishError, marker_for
from tools.publish.ticket import Ticket
from tools.store import outbox
from tools.store.audit import append_event
from tools.store.tables import CaseRow, CaseStatus, OutboxRow


@dataclass(frozen=True)
class Reconciled:
    case_id: int
    outcome: str
    """found (the write had happened), published (it had not; done now), or still unresolved."""
    ref: str | None


def reconcile(deps: WorkflowDeps) -> list[Reconciled]:
    with deps.database.session() as session:
        rows = session.exec(
            select(OutboxRow)
            .join(CaseRow, col(CaseRow.id) == col(OutboxRow.case_id))
            .where(CaseRow.status == CaseStatus.NEEDS_RECONCILIATION)
            # Only issue publishes: follow-ups, dismissals and fix PRs carry no ticket and are
            # reconciled by running their own action again (agent/approved_writes.py).
            .where(col(OutboxRow.idempotency_key).contains(f":{ACTION_CREATE_ISSUE}:"))
            .order_by(col(OutboxRow.case_id))
        ).all()
        pending = [(row.idempotency_key, row.approval_id, row.case_id) for row in rows]
    return [_one(deps, key, approval_id, case_id) for key, approval_id, case_id in pending]


def _one(deps: WorkflowDeps, key: str, approval_id: str, case_id: int) -> Reconciled:
    with deps.database.session() as session:
        ticket = Ticket.model_validate(get_approval(session, approval_id).payload["ticket"])
    try:
        found = deps.publisher.find_published(ticket.repository, marker_for(case_id))
    except PublishError as exc:
        return Reconciled(case_id, f"unresolved: {exc}", None)
    if found is not None:
        with deps.database.session() as session:
            row = outbox.get(session, key)
            assert row is not None
            outbox.mark_published(session, row, ref=found, now=deps.clock())
            append_event(
                session,
                event="ticket.reconciled",
                actor="appsec-triage",
                now=deps.clock(),
                case_id=case_id,
                approval_id=approval_id,
                detail={"found": found},
            )
        steps.record_outcome(deps, case_id, CaseStatus.PUBLISHED, f"found {found}")
        return Reconciled(case_id, "found", found)
    # The destination has no trace of it: the claimed write never happened. Forget the claim and
    # publish now, through every check publish_approved makes.
    with deps.database.session() as session:
        outbox.forget_unwritten(session, key)
    try:
        ref = publish_approved(deps, approval_id, case_id=case_id)
    except (PublishRefused, NeedsReconciliation, PublishError) as exc:
        return Reconciled(case_id, f"unresolved: {exc}", None)
    steps.record_outcome(deps, case_id, CaseStatus.PUBLISHED, f"published {ref}")
    return Reconciled(case_id, "published", ref)
