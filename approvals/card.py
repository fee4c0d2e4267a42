"""What an approver sees about one approval, gathered from the store (channel-neutral)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from approvals.decisions import votes_for
from approvals.errors import ApprovalError
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
    subject = approval_subject(approval.payload)
    severity = next(
        (label.split(":", 1)[1] for label in subject.labels if label.startswith("severity:")),
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
        repository=subject.repository,
        title=subject.title,
        body=subject.body,
        labels=subject.labels,
        assignees=subject.assignees,
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


@dataclass(frozen=True)
class Subject:
    """What an approval would write, in the terms every channel shows."""

    repository: str
    title: str
    body: str
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()


def approval_subject(payload: dict[str, Any]) -> Subject:
    """The write an approval's payload describes: a new issue, or a later GitHub write.

    The body is the exact text that would be written (the ticket, the comment, the pull request
    description, the alert's dismissal comment and request), so an approver sees what they sign.
    """
    if "ticket" in payload:
        ticket = payload["ticket"]
        return Subject(
            repository=ticket["repository"],
            title=ticket["title"],
            body=ticket["body"],
            labels=tuple(ticket["labels"]),
            assignees=tuple(ticket.get("assignees", ())),
        )
    if "followup" in payload:
        followup = payload["followup"]
        verb = "Close issue" if followup.get("close") else "Comment on issue"
        return Subject(
            repository=followup["repository"],
            title=f"{verb} #{followup['issue_number']}",
            body=followup["body"],
        )
    if "fix" in payload:
        fix = payload["fix"]
        return Subject(
            repository=fix["repository"],
            title=f"Draft pull request: {fix['title']}",
            body=(
                f"{fix['body']}\n\n---\nBranch {fix['branch']} from {fix['base_branch']}, one "
                f"commit changing {fix['path']}: {fix['commit_message']}"
            ),
        )
    if "dismissal" in payload:
        dismissal = payload["dismissal"]
        return Subject(
            repository=dismissal["repository"],
            title=f"Dismiss {dismissal['kind']} alert #{dismissal['alert_number']}",
            body=json.dumps(payload.get("request", {}), indent=2, sort_keys=True),
        )
    raise ApprovalError(f"approval payload of an unknown kind: {sorted(payload)}")


def _location(finding: FindingRow | None) -> str:
    if finding is None or not finding.path:
        return "unknown location"
    return f"{finding.path}:{finding.start_line}" if finding.start_line else finding.path
