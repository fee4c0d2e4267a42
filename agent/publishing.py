"""Publishing an approved ticket exactly once.

The approval row in the store is the authority, not the workflow state: the approval must be
approved and its payload must still hash to what was approved. An idempotency key is claimed (and
committed) before the write; a key found claimed but unfinished means an earlier attempt died, so
the destination is searched for the marker before anything is written again.
"""

from __future__ import annotations

import logging
from fnmatch import fnmatchcase

from agent.cases import get_case
from agent.deps import WorkflowDeps
from agent.errors import AgentError
from approvals.requests import get_approval, payload_hash
from tools.publish.publisher import Publisher, PublishError, marker_for
from tools.publish.ticket import Ticket
from tools.store import outbox
from tools.store.audit import append_event
from tools.store.tables import ApprovalStatus, OutboxStatus

ACTION_CREATE_ISSUE = "create_issue"

log = logging.getLogger(__name__)


class PublishRefused(AgentError):
    """Publishing was refused on purpose; nothing was written."""


class NeedsReconciliation(AgentError):
    """An earlier write was claimed but left no trace; someone must check the destination."""


def publish_approved(deps: WorkflowDeps, approval_id: str, *, case_id: int) -> str:
    """Write the approved ticket once and return its reference."""
    publisher: Publisher = deps.publisher
    with deps.database.session() as session:
        approval = get_approval(session, approval_id)
        if approval.case_id != case_id:
            raise PublishRefused(f"approval {approval_id} belongs to another case")
        if approval.status != ApprovalStatus.APPROVED:
            raise PublishRefused(f"approval {approval_id} is {approval.status}, not approved")
        if payload_hash(approval) != approval.content_hash:
            raise PublishRefused(
                f"approval {approval_id}: the stored payload no longer matches the approved hash"
            )
        ticket = Ticket.model_validate(approval.payload["ticket"])
        _check_target(deps, ticket.repository, get_case(session, case_id).repository)
        key = f"{publisher.destination}:{approval.action}:case-{approval.case_id}"
        marker = marker_for(approval.case_id)
        claim = outbox.claim(
            session,
            key=key,
            approval_id=approval.id,
            case_id=approval.case_id,
            destination=publisher.destination,
            content_hash=approval.content_hash,
            now=deps.clock(),
        )
        if claim is None:
            existing = outbox.get(session, key)
            assert existing is not None
            if existing.status == OutboxStatus.PUBLISHED and existing.ref:
                return existing.ref
            found = publisher.find_published(ticket.repository, marker)
            if found is None:
                existing.status = OutboxStatus.NEEDS_RECONCILIATION
                session.add(existing)
                session.commit()
                raise NeedsReconciliation(
                    f"case {approval.case_id}: a publish was started and may not have finished; "
                    f"check {publisher.destination} for {marker} before retrying"
                )
            outbox.mark_published(session, existing, ref=found, now=deps.clock())
            return found
    return _write(deps, ticket, marker, key)


def _check_target(deps: WorkflowDeps, target: str, provenance: str) -> None:
    """Code, not the payload, decides where a ticket may go: the finding's own repository, and
    only when the allowlist admits it. A forged or edited payload naming another repository is
    refused even if its hash is consistent."""
    if target != provenance:
        raise PublishRefused(
            f"the ticket targets {target!r} but the finding came from {provenance!r}"
        )
    if not any(fnmatchcase(target, pattern) for pattern in deps.allowed_repositories):
        raise PublishRefused(
            f"{target!r} is not in APPSEC_TRIAGE_ALLOWED_REPOSITORIES; nothing was written"
        )


def _write(deps: WorkflowDeps, ticket: Ticket, marker: str, key: str) -> str:
    deps.crashpoints.reach("before-publish-write")
    try:
        ref = deps.publisher.publish(ticket, marker)
    except PublishError as exc:
        with deps.database.session() as session:
            if exc.written is False:
                # Nothing was written: free the key, so the next triage run may try again.
                outbox.release(session, key)
                raise
            row = outbox.get(session, key)
            assert row is not None
            row.status = OutboxStatus.NEEDS_RECONCILIATION
            session.add(row)
        raise NeedsReconciliation(str(exc)) from exc
    deps.crashpoints.reach("after-publish-write")
    log.info("published %s to %s", key, ref)
    with deps.database.session() as session:
        row = outbox.get(session, key)
        assert row is not None
        outbox.mark_published(session, row, ref=ref, now=deps.clock())
        append_event(
            session,
            event="ticket.published",
            actor="appsec-triage",
            now=deps.clock(),
            case_id=row.case_id,
            approval_id=row.approval_id,
            detail={"destination": row.destination, "ref": ref, "hash": row.content_hash},
        )
    return ref
