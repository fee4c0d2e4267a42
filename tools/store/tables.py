"""SQLModel tables: one metadata for Alembic. LangGraph's checkpoint tables are not here."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class ReportRow(SQLModel, table=True):
    """One ingested report file."""

    __tablename__ = "report"

    id: int | None = Field(default=None, primary_key=True)
    file_name: str = Field(max_length=1000)
    sha256: str = Field(max_length=64, index=True)
    format: str = Field(max_length=50)
    tools: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    repository: str = Field(max_length=500)
    repo_root: str | None = Field(default=None, max_length=4000)
    results: int
    ingested_at: datetime
    complete: bool = True
    """False when the scan said it did not finish; its absences then fixed nothing."""
    quarantined: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    """Results kept out of the store, each with its JSON path and the reason."""


class FindingStatus(StrEnum):
    """Lifecycle per (repository, tool): new → open → fixed → reopened (→ fixed …)."""

    NEW = "new"
    """Seen in one scan so far."""
    OPEN = "open"
    """Seen again by a later scan."""
    FIXED = "fixed"
    """Absent from the tool's latest complete scan of the repository."""
    REOPENED = "reopened"
    """Seen again after it was fixed."""


class FindingRow(SQLModel, table=True):
    """A distinct finding; the same problem seen again adds an occurrence, not a row."""

    __tablename__ = "finding"
    __table_args__ = (
        UniqueConstraint("repository", "fingerprint", name="uq_finding_identity"),
        # The lifecycle marks a (repository, tool)'s absent findings fixed after each scan.
        Index("ix_finding_repository_tool", "repository", "tool"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repository: str = Field(max_length=500)
    fingerprint: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    tool: str = Field(max_length=200)
    tool_version: str | None = Field(default=None, max_length=100)
    rule_id: str = Field(max_length=500)
    rule_name: str | None = Field(default=None, max_length=500)
    cwe_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    message: str
    tool_severity: str = Field(max_length=20)
    path: str | None = Field(default=None, max_length=2000)
    start_line: int | None = None
    end_line: int | None = None
    snippet: str | None = None
    repo_root: str | None = Field(default=None, max_length=4000)
    repo_source: str | None = Field(default=None, max_length=4100)
    """Where to read the finding's code: ``local:PATH`` or ``github:OWNER/REPO@SHA``
    (tools.repo.location), as the last report that said so gave it."""
    status: str = Field(default=FindingStatus.NEW, max_length=20)
    first_seen: datetime
    last_seen: datetime
    details: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """Kind-specific fields (tools.findings.finding.*Details), secrets already redacted."""
    correlation_key: str | None = Field(default=None, max_length=300, index=True)
    """Same problem as reported by another tool (tools.findings.correlation)."""
    duplicate_of: int | None = Field(default=None, foreign_key="finding.id")
    """The finding another tool reported first; a duplicate is not triaged on its own."""
    last_report_id: int | None = Field(default=None, foreign_key="report.id")
    fixed_at: datetime | None = None


class OccurrenceRow(SQLModel, table=True):
    """Which report saw which finding, and where it was in that scan."""

    __tablename__ = "occurrence"

    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    start_line: int | None = None
    end_line: int | None = None


class CaseStatus(StrEnum):
    TRIAGING = "triaging"
    AWAITING_APPROVAL = "awaiting_approval"
    PUBLISHED = "published"
    REJECTED = "rejected"
    REFUSED = "refused"
    NEEDS_RECONCILIATION = "needs_reconciliation"


class CaseRow(SQLModel, table=True):
    """A unit of work with one fix: one LangGraph thread, one approval, one ticket."""

    __tablename__ = "triage_case"

    id: int | None = Field(default=None, primary_key=True)
    group_key: str = Field(max_length=300, unique=True)
    repository: str = Field(max_length=500)
    status: str = Field(default=CaseStatus.TRIAGING, max_length=30, index=True)
    created_at: datetime
    updated_at: datetime
    claimed_by: str | None = Field(default=None, max_length=200)
    """The worker now advancing the case (tools.store.claims); None when nobody holds it."""
    lease_expires_at: datetime | None = None
    """Until when the claim holds; after it, any worker may take the case over. Without a
    holder it is the earliest time a failed case is retried."""
    failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Runs of this case that raised; each one delays the next attempt longer."""


class CaseFindingRow(SQLModel, table=True):
    """Membership of findings in cases; a finding belongs to at most one case."""

    __tablename__ = "case_finding"

    case_id: int = Field(foreign_key="triage_case.id", primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", primary_key=True, unique=True)


class ProposalRow(SQLModel, table=True):
    """What triage proposed for a case, and which policy version proposed it."""

    __tablename__ = "proposal"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="triage_case.id", index=True)
    verdict: str = Field(max_length=30)
    severity: str = Field(max_length=20)
    tool_severity: str = Field(max_length=20)
    rationale: str
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decided_by: str = Field(max_length=100)
    priority: str | None = Field(default=None, max_length=10)
    sla_due: str | None = Field(default=None, max_length=10)
    risk: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    """An analyst edited the payload; a new approval covers the edited content."""


class ApprovalRow(SQLModel, table=True):
    """A request for a human decision on one exact action payload."""

    __tablename__ = "approval"
    __table_args__ = (UniqueConstraint("case_id", "content_hash", name="uq_approval_content"),)

    id: str = Field(primary_key=True, max_length=40)
    case_id: int = Field(foreign_key="triage_case.id", index=True)
    thread_id: str = Field(max_length=100)
    action: str = Field(max_length=50)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    content_hash: str = Field(max_length=64)
    status: str = Field(default=ApprovalStatus.PENDING, max_length=20, index=True)
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=2000)
    required_approvals: int = Field(default=1, ge=1, le=5)
    superseded_by: str | None = Field(default=None, max_length=40)
    slack_channel: str | None = Field(default=None, max_length=40)
    slack_ts: str | None = Field(default=None, max_length=40)


class ApprovalVoteRow(SQLModel, table=True):
    """One approver's vote: an approval needing two distinct approvers completes on the 2nd."""

    __tablename__ = "approval_vote"
    __table_args__ = (UniqueConstraint("approval_id", "approver", name="uq_vote_once"),)

    id: int | None = Field(default=None, primary_key=True)
    approval_id: str = Field(foreign_key="approval.id", max_length=40, index=True)
    approver: str = Field(max_length=200)
    at: datetime


class AuditEventRow(SQLModel, table=True):
    """An append-only, hash-chained record of what happened and who decided."""

    __tablename__ = "audit_event"
    # Unique: two appenders racing after the same record cannot fork the chain.
    __table_args__ = (UniqueConstraint("prev_hash", name="uq_audit_event_prev_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    event: str = Field(max_length=50)
    case_id: int | None = Field(default=None, index=True)
    approval_id: str | None = Field(default=None, max_length=40)
    actor: str = Field(max_length=200)
    detail: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    record_hash: str = Field(max_length=64, unique=True)


class OutboxStatus(StrEnum):
    CLAIMED = "claimed"
    PUBLISHED = "published"
    NEEDS_RECONCILIATION = "needs_reconciliation"


class OutboxRow(SQLModel, table=True):
    """The side-effect ledger: a row is claimed before the write, so a write happens once."""

    __tablename__ = "outbox"

    idempotency_key: str = Field(primary_key=True, max_length=200)
    approval_id: str = Field(foreign_key="approval.id", max_length=40)
    case_id: int = Field(foreign_key="triage_case.id", index=True)
    destination: str = Field(max_length=100)
    content_hash: str = Field(max_length=64)
    status: str = Field(default=OutboxStatus.CLAIMED, max_length=30)
    ref: str | None = Field(default=None, max_length=2000)
    claimed_at: datetime
    completed_at: datetime | None = None


class ModelVerdictRow(SQLModel, table=True):
    """A model's answer for a rule over a code slice, reused for the same code (agent/llm/cache.py).

    Keyed by (rule, normalised slice hash, model, prompt version): a different model or prompt
    asks again. Only answers that passed every check are kept, and a reused answer is checked
    again against the case it is reused for.
    """

    __tablename__ = "model_verdict"

    key: str = Field(primary_key=True, max_length=64)
    rule: str = Field(max_length=800)
    slice_hash: str = Field(max_length=64)
    model: str = Field(max_length=200)
    prompt_version: str = Field(max_length=50)
    answer: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    """The answer as the model gave it (agent.llm.answer.ModelAnswer as JSON)."""
    path: str = Field(max_length=2000)
    snippet_start: int
    """Where the slice was in the case that asked: quotes in it are rebased for a reuse."""
    created_at: datetime


class ModelUsageRow(SQLModel, table=True):
    """What consulting the model cost for one case: one row per consultation (or cache hit)."""

    __tablename__ = "model_usage"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="triage_case.id", index=True)
    model: str = Field(max_length=200)
    prompt_version: str = Field(max_length=50)
    calls: int
    input_tokens: int
    output_tokens: int
    latency_ms: int
    cache_hit: bool
    tool_calls: int
    violations: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    failure: str | None = Field(default=None, max_length=500)
    """Why the model gave no usable answer, when it did not."""
    created_at: datetime
