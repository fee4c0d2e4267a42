"""What an approver sees about one approval, gathered from the store (channel-neutral)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from approvals.decisions import votes_for
from approvals.requests import get_approval
from tools.store.tables import (
    CaseFindingRow,
    FindingRow,
    OutboxRow,
    OutboxStatus,
    ProposalRow,
)


@dataclass(frozen=True)
class Card:
    approval_id: str
    case_id: int
    status: str
    required_approvals: int
    votes: tuple[str, ...]
    content_hash: str
    expires_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    superseded_by: str | None
    repository: str
    title: str
    body: str
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    verdict: str
    priority: str | None
    sla_due: str | None
    severity: str
    tool_severity: str
    factors: tuple[str, ...]
    flags: tuple[str, ...]
    location: str
    evidence: str | None
    published_ref: str | None


def load_card(session: Session, approval_id: str) -> Card:
    approval = get_approval(session, approval_id)
    proposal = session.exec(
        select(ProposalRow)
        .where(ProposalRow.case_id == approval.case_id)
        .order_by(col(ProposalRow.id).desc())
    ).first()
    finding = session.exec(
        select(FindingRow)
        .join(CaseFindingRow, col(CaseFindingRow.finding_id) == col(FindingRow.id))
        .where(CaseFindingRow.case_id == approval.case_id)
    ).first()
    published = session.exec(
        select(OutboxRow).where(
            OutboxRow.case_id == approval.case_id, OutboxRow.status == OutboxStatus.PUBLISHED
        )
    ).first()
    ticket = approval.payload["ticket"]
    severity = next(
        (label.split(":", 1)[1] for label in ticket["labels"] if label.startswith("severity:")),
        proposal.severity if proposal else "unknown",
    )
    return Card(
        approval_id=approval.id,
        case_id=approval.case_id,
        status=approval.status,
        required_approvals=approval.required_approvals,
        votes=tuple(votes_for(session, approval.id)),
        content_hash=approval.content_hash,
        expires_at=approval.expires_at,
        decided_by=approval.decided_by,
        decided_at=approval.decided_at,
        reason=approval.reason,
        superseded_by=approval.superseded_by,
        repository=ticket["repository"],
        title=ticket["title"],
        body=ticket["body"],
        labels=tuple(ticket["labels"]),
        assignees=tuple(ticket.get("assignees", ())),
        verdict=proposal.verdict if proposal else "unknown",
        priority=proposal.priority if proposal else None,
        sla_due=proposal.sla_due if proposal else None,
        severity=severity,
        tool_severity=proposal.tool_severity if proposal else "unknown",
        factors=tuple(proposal.rationale.split("; ")) if proposal else (),
        flags=tuple(proposal.flags) if proposal else (),
        location=_location(finding),
        evidence=(finding.snippet or finding.message) if finding else None,
        published_ref=published.ref if published else None,
    )


def _location(finding: FindingRow | None) -> str:
    if finding is None or not finding.path:
        return "unknown location"
    return f"{finding.path}:{finding.start_line}" if finding.start_line else finding.path
