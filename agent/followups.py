"""Follow-ups on a published issue, each its own approval: a comment when a later scan sees the
case again, and a proposal to close the issue (with a comment) once all its findings are fixed.

``propose_followups`` looks at every published case. Its findings' lifecycle (tools/store: a
finding absent from a complete scan is ``fixed``) decides:

- every finding fixed → a ``close_issue`` approval: a comment saying so, then the issue closed;
- otherwise, a finding seen by a scan after the issue was published → a ``comment_issue``
  approval, one per day of scan (the marker carries the date), never a new issue.

Approval requests are deduplicated by their exact payload, so running it again opens nothing new.
``apply_followup`` writes an approved follow-up through the same checks as a publish; the issue
it goes to is the one our outbox recorded for the case, not whatever a payload names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from agent.approved_writes import check_target, load_approved, request_write_approval, write_once
from agent.deps import WorkflowDeps
from agent.publishing import ACTION_CREATE_ISSUE, PublishRefused
from approvals.requests import get_approval
from tools.publish.issue_followups import IssueFollowup, followup_marker
from tools.store.tables import (
    CaseFindingRow,
    CaseRow,
    CaseStatus,
    FindingRow,
    FindingStatus,
    OutboxRow,
    OutboxStatus,
)

ACTION_COMMENT_ISSUE = "comment_issue"
ACTION_CLOSE_ISSUE = "close_issue"
_ISSUE_PATH = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/issues/(?P<number>[0-9]+)$")


class FollowupWriter(Protocol):
    @property
    def destination(self) -> str: ...

    def find(self, followup: IssueFollowup) -> str | None: ...

    def apply(self, followup: IssueFollowup) -> str: ...


@dataclass(frozen=True)
class PublishedIssue:
    repository: str
    number: int
    url: str
    published_at: datetime


def published_issue(session: Session, case_id: int) -> PublishedIssue | None:
    """The GitHub issue our outbox recorded for the case, if it was published to GitHub."""
    rows = session.exec(
        select(OutboxRow).where(
            OutboxRow.case_id == case_id, OutboxRow.status == OutboxStatus.PUBLISHED
        )
    ).all()
    for row in rows:
        if f":{ACTION_CREATE_ISSUE}:" not in row.idempotency_key or not row.ref:
            continue
        match = _ISSUE_PATH.match(urlsplit(row.ref).path)
        if match is None:
            continue  # the dry-run outbox: a file, not an issue
        published = _utc(row.completed_at or row.claimed_at)
        return PublishedIssue(match["repo"], int(match["number"]), row.ref, published)
    return None


@dataclass(frozen=True)
class DueFollowup:
    case_id: int
    action: str
    followup: IssueFollowup


def followups_due(deps: WorkflowDeps) -> list[DueFollowup]:
    """What every published case's issue should be told, from its findings' lifecycle."""
    due = []
    with deps.database.session() as session:
        cases = session.exec(
            select(CaseRow).where(CaseRow.status == CaseStatus.PUBLISHED).order_by(col(CaseRow.id))
        ).all()
        for case in cases:
            assert case.id is not None
            issue = published_issue(session, case.id)
            if issue is None or issue.repository != case.repository:
                continue
            findings = _findings_of(session, case.id)
            found = _followup_for(case.id, issue, findings)
            if found is not None:
                due.append(found)
    return due


def propose_followups(deps: WorkflowDeps) -> list[str]:
    """Open (once each) the approvals for the follow-ups due; returns their ids."""
    return [
        request_write_approval(
            deps,
            case_id=item.case_id,
            action=item.action,
            payload={"followup": item.followup.model_dump(mode="json")},
        )
        for item in followups_due(deps)
    ]


def apply_followup(
    deps: WorkflowDeps,
    writer: FollowupWriter,
    approval_id: str,
    *,
    case_id: int,
    resolve_doubt: bool = False,
) -> str:
    """Write an approved follow-up once; returns the comment's URL. ``resolve_doubt``: see
    agent.approved_writes.write_once."""
    with deps.database.session() as session:
        action = get_approval(session, approval_id).action
    if action not in (ACTION_COMMENT_ISSUE, ACTION_CLOSE_ISSUE):
        raise PublishRefused(f"approval {approval_id} is for {action}, not a follow-up")
    approved = load_approved(deps, approval_id, case_id=case_id, action=action)
    followup = IssueFollowup.model_validate(approved.payload.get("followup"))
    with deps.database.session() as session:
        issue = published_issue(session, case_id)
    if issue is None or (issue.repository, issue.number) != (
        followup.repository,
        followup.issue_number,
    ):
        raise PublishRefused(
            f"approval {approval_id} names {followup.repository}#{followup.issue_number}, which "
            f"is not the issue published for case {case_id}; nothing was written"
        )
    if not followup.marker.startswith(f"<!-- appsec-triage:case={case_id}:"):
        raise PublishRefused(f"approval {approval_id} carries another case's marker")
    if followup.close != (action == ACTION_CLOSE_ISSUE):
        raise PublishRefused(f"approval {approval_id}: closing does not match its action")
    check_target(deps, followup.repository, approved)
    return write_once(
        deps,
        approved,
        destination=writer.destination,
        write=lambda: writer.apply(followup),
        find=lambda: writer.find(followup),
        event="issue.closed" if followup.close else "issue.commented",
        resolve_doubt=resolve_doubt,
    )


def _findings_of(session: Session, case_id: int) -> Sequence[FindingRow]:
    return session.exec(
        select(FindingRow)
        .join(CaseFindingRow, col(CaseFindingRow.finding_id) == col(FindingRow.id))
        .where(CaseFindingRow.case_id == case_id)
        .order_by(col(FindingRow.id))
    ).all()


def _followup_for(
    case_id: int, issue: PublishedIssue, findings: Sequence[FindingRow]
) -> DueFollowup | None:
    if not findings:
        return None
    if all(f.status == FindingStatus.FIXED for f in findings):
        last = max(_utc(f.fixed_at or f.last_seen) for f in findings)
        body = (
            f"The latest complete scans no longer report any of this case's {len(findings)} "
            f"finding(s) (the last one gone on {last:%Y-%m-%d}). Closing as completed; a "
            "finding that comes back opens a new case."
        )
        followup = IssueFollowup(
            repository=issue.repository,
            issue_number=issue.number,
            body=body,
            marker=followup_marker(case_id, "fixed"),
            close=True,
        )
        return DueFollowup(case_id, ACTION_CLOSE_ISSUE, followup)
    latest = max(_utc(f.last_seen) for f in findings)
    if latest <= issue.published_at:
        return None
    still = sum(1 for f in findings if f.status != FindingStatus.FIXED)
    body = (
        f"A later scan on {latest:%Y-%m-%d} still reports {still} of this case's "
        f"{len(findings)} finding(s)."
    )
    followup = IssueFollowup(
        repository=issue.repository,
        issue_number=issue.number,
        body=body,
        marker=followup_marker(case_id, f"seen-{latest:%Y%m%d}"),
    )
    return DueFollowup(case_id, ACTION_COMMENT_ISSUE, followup)


def _utc(moment: datetime) -> datetime:
    """Stored times come back naive from SQLite and aware from PostgreSQL; both are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
