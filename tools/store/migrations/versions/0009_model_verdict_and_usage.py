"""model_verdict (the verdict cache) and model_usage (what each case's model calls cost)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_verdict",
        sa.Column("key", AutoString(length=64), nullable=False),
        sa.Column("rule", AutoString(length=800), nullable=False),
        sa.Column("slice_hash", AutoString(length=64), nullable=False),
        sa.Column("model", AutoString(length=200), nullable=False),
        sa.Column("prompt_version", AutoString(length=50), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("path", AutoString(length=2000), nullable=False),
        sa.Column("snippet_start", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "model_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("model", AutoString(length=200), nullable=False),
        sa.Column("prompt_version", AutoString(length=50), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("cache_hit", sa.Boolean(), nullable=False),
        sa.Column("tool_calls", sa.Integer(), nullable=False),
        sa.Column("violations", sa.JSON(), nullable=False),
        sa.Column("failure", AutoString(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["triage_case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("model_usage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_usage_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("model_usage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_usage_case_id"))
    op.drop_table("model_usage")
    op.drop_table("model_verdict")
