"""The checks every GitHub write after the issue itself goes through, and its exactly-once claim.

Dismissals, follow-up comments, closing proposals and fix pull requests are each their own
approval action. Before any of them sends a request:

1. the approval row in the store (not the caller) must be approved, belong to the case, be of
   the expected action, and its payload must still hash to what was approved;
2. the target repository must be the case's own and admitted by the allowlist;
3. an idempotency key is claimed (and committed) in the outbox before the write.

A key found claimed but unfinished means an earlier attempt died mid-write. For an idempotent
write (a dismissal: the same PATCH again changes nothing) it is simply sent again; otherwise the
destination is searched for the write's marker first, exactly like publishing an issue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from agent.cases import get_case
from agent.deps import WorkflowDeps
from agent.publishing import NeedsReconciliation, PublishRefused
from approvals.requests import get_approval, payload_hash, request_approval
from tools.publish.publisher import PublishError
from tools.store import outbox
from tools.store.audit import append_event
from tools.store.tables import ApprovalStatus, OutboxStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApprovedAction:
    approval_id: str
    case_id: int
    action: str
    payload: dict[str, Any]
    content_hash: str
    case_repository: str


def request_write_approval(
    deps: WorkflowDeps,
    *,
    case_id: int,
    action: str,
    payload: dict[str, Any],
    required: int = 1,
) -> str:
    """Open (once) the approval that covers exactly ``payload``, audited; returns its id."""
    now = deps.clock()
    with deps.database.session() as session:
        approval, created = request_approval(
            session,
            case_id=case_id,
            thread_id=f"case-{case_id}-{action}",
            action=action,
            payload=payload,
            now=now,
            ttl=deps.approval_ttl,
            required=required,
        )
        if created:
            append_event(
                session,
                event="approval.requested",
                actor="appsec-triage",
                now=now,
                case_id=case_id,
                approval_id=approval.id,
                detail={"action": action, "content_hash": approval.content_hash},
            )
        return approval.id


def load_approved(
    deps: WorkflowDeps, approval_id: str, *, case_id: int, action: str
) -> ApprovedAction:
    """The approval, if it may be acted on now; PublishRefused (nothing sent) otherwise."""
    with deps.database.session() as session:
        approval = get_approval(session, approval_id)
        if approval.case_id != case_id:
            raise PublishRefused(f"approval {approval_id} belongs to another case")
        if approval.action != action:
            raise PublishRefused(f"approval {approval_id} is for {approval.action}, not {action}")
        if approval.status != ApprovalStatus.APPROVED:
            raise PublishRefused(f"approval {approval_id} is {approval.status}, not approved")
        if payload_hash(approval) != approval.content_hash:
            raise PublishRefused(
                f"approval {approval_id}: the stored payload no longer matches the approved hash"
            )
        return ApprovedAction(
            approval_id=approval.id,
            case_id=approval.case_id,
            action=approval.action,
            payload=dict(approval.payload),
            content_hash=approval.content_hash,
            case_repository=get_case(session, case_id).repository,
        )


def check_target(deps: WorkflowDeps, target: str, approved: ApprovedAction) -> None:
    """Code, not the payload, decides where a write may go: the case's own repository, and only
    when the allowlist admits it."""
    if target != approved.case_repository:
        raise PublishRefused(
            f"the approval targets {target!r} but the case is in {approved.case_repository!r}"
        )
    if not any(fnmatchcase(target, pattern) for pattern in deps.allowed_repositories):
        raise PublishRefused(
            f"{target!r} is not in APPSEC_TRIAGE_ALLOWED_REPOSITORIES; nothing was written"
        )


def write_once(
    deps: WorkflowDeps,
    approved: ApprovedAction,
    *,
    destination: str,
    write: Callable[[], str],
    find: Callable[[], str | None] | None,
    event: str,
    resolve_doubt: bool = False,
) -> str:
    """Run ``write`` at most once for this approval; its reference (URL) is returned.

    ``find`` looks the write up at the destination by its marker; None means the write is
    idempotent and is sent again after an unfinished attempt. ``resolve_doubt`` (a reconcile,
    run once GitHub has had time to finish): a write in doubt whose marker is still not found
    never happened, so it is written now.
    """
    key = f"{destination}:{approved.action}:case-{approved.case_id}:{approved.content_hash[:16]}"
    with deps.database.session() as session:
        claim = outbox.claim(
            session,
            key=key,
            approval_id=approved.approval_id,
            case_id=approved.case_id,
            destination=destination,
            content_hash=approved.content_hash,
            now=deps.clock(),
        )
        if claim is None:
            existing = outbox.get(session, key)
            assert existing is not None
            if existing.status == OutboxStatus.PUBLISHED and existing.ref:
                return existing.ref
            if find is not None:
                found = find()
                if found is None and resolve_doubt:
                    # No trace after GitHub had time to finish: the write never happened.
                    outbox.forget_unwritten(session, key)
                    claim = outbox.claim(
                        session,
                        key=key,
                        approval_id=approved.approval_id,
                        case_id=approved.case_id,
                        destination=destination,
                        content_hash=approved.content_hash,
                        now=deps.clock(),
                    )
                    if claim is None:
                        raise NeedsReconciliation(
                            f"case {approved.case_id}: another process is writing "
                            f"{approved.action} now"
                        )
                elif found is None:
                    existing.status = OutboxStatus.NEEDS_RECONCILIATION
                    session.add(existing)
                    session.commit()
                    raise NeedsReconciliation(
                        f"case {approved.case_id}: {approved.action} was started and may not "
                        f"have finished; check {destination} before retrying"
                    )
                else:
                    outbox.mark_published(session, existing, ref=found, now=deps.clock())
                    return found
    try:
        ref = write()
    except PublishError as exc:
        with deps.database.session() as session:
            if exc.written is False or find is None:
                # Nothing was written, or writing again is harmless: free the key.
                outbox.release(session, key)
                raise
            row = outbox.get(session, key)
            assert row is not None
            row.status = OutboxStatus.NEEDS_RECONCILIATION
            session.add(row)
        raise NeedsReconciliation(str(exc)) from exc
    log.info("%s for case %d: %s", approved.action, approved.case_id, ref)
    with deps.database.session() as session:
        row = outbox.get(session, key)
        assert row is not None
        outbox.mark_published(session, row, ref=ref, now=deps.clock())
        append_event(
            session,
            event=event,
            actor="appsec-triage",
            now=deps.clock(),
            case_id=approved.case_id,
            approval_id=approved.approval_id,
            detail={"destination": destination, "ref": ref, "hash": approved.content_hash},
        )
    return ref
