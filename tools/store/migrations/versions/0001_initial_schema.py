"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("event", AutoString(length=50), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("approval_id", AutoString(length=40), nullable=True),
        sa.Column("actor", AutoString(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", AutoString(length=64), nullable=False),
        sa.Column("record_hash", AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("record_hash"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_case_id"), ["case_id"], unique=False)

    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository", AutoString(length=500), nullable=False),
        sa.Column("fingerprint", AutoString(length=200), nullable=False),
        sa.Column("kind", AutoString(length=20), nullable=False),
        sa.Column("tool", AutoString(length=200), nullable=False),
        sa.Column("tool_version", AutoString(length=100), nullable=True),
        sa.Column("rule_id", AutoString(length=500), nullable=False),
        sa.Column("rule_name", AutoString(length=500), nullable=True),
        sa.Column("cwe_ids", sa.JSON(), nullable=False),
        sa.Column("message", AutoString(), nullable=False),
        sa.Column("tool_severity", AutoString(length=20), nullable=False),
        sa.Column("path", AutoString(length=2000), nullable=True),
        sa.Column("start_line", sa.Integer(), nullable=True),
        sa.Column("end_line", sa.Integer(), nullable=True),
        sa.Column("snippet", AutoString(), nullable=True),
        sa.Column("repo_root", AutoString(length=4000), nullable=True),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("repository", "fingerprint", name="uq_finding_identity"),
    )
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", AutoString(length=1000), nullable=False),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("format", AutoString(length=50), nullable=False),
        sa.Column("tools", sa.JSON(), nullable=False),
        sa.Column("repository", AutoString(length=500), nullable=False),
        sa.Column("repo_root", AutoString(length=4000), nullable=True),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("ingested_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_sha256"), ["sha256"], unique=False)

    op.create_table(
        "triage_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_key", AutoString(length=300), nullable=False),
        sa.Column("repository", AutoString(length=500), nullable=False),
        sa.Column("status", AutoString(length=30), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_key"),
    )
    op.create_table(
        "approval",
        sa.Column("id", AutoString(length=40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", AutoString(length=100), nullable=False),
        sa.Column("action", AutoString(length=50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("content_hash", AutoString(length=64), nullable=False),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", AutoString(length=200), nullable=True),
        sa.Column("reason", AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["triage_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "content_hash", name="uq_approval_content"),
    )
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_approval_status"), ["status"], unique=False)

    op.create_table(
        "case_finding",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["triage_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["finding.id"],
        ),
        sa.PrimaryKeyConstraint("case_id", "finding_id"),
        sa.UniqueConstraint("finding_id"),
    )
    op.create_table(
        "occurrence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("start_line", sa.Integer(), nullable=True),
        sa.Column("end_line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["finding.id"],
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("occurrence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_occurrence_finding_id"), ["finding_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_occurrence_report_id"), ["report_id"], unique=False)

    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("verdict", AutoString(length=30), nullable=False),
        sa.Column("severity", AutoString(length=20), nullable=False),
        sa.Column("tool_severity", AutoString(length=20), nullable=False),
        sa.Column("rationale", AutoString(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("decided_by", AutoString(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["triage_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_case_id"), ["case_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("idempotency_key", AutoString(length=200), nullable=False),
        sa.Column("approval_id", AutoString(length=40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("destination", AutoString(length=100), nullable=False),
        sa.Column("content_hash", AutoString(length=64), nullable=False),
        sa.Column("status", AutoString(length=30), nullable=False),
        sa.Column("ref", AutoString(length=2000), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approval_id"],
            ["approval.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["triage_case.id"],
        ),
        sa.PrimaryKeyConstraint("idempotency_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_case_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_case_id"))

    op.drop_table("proposal")
    with op.batch_alter_table("occurrence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_occurrence_report_id"))
        batch_op.drop_index(batch_op.f("ix_occurrence_finding_id"))

    op.drop_table("occurrence")
    op.drop_table("case_finding")
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_status"))
        batch_op.drop_index(batch_op.f("ix_approval_case_id"))

    op.drop_table("approval")
    op.drop_table("triage_case")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_sha256"))

    op.drop_table("report")
    op.drop_table("finding")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_case_id"))

    op.drop_table("audit_event")
