"""approval votes and slack message

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "approval_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("approval_id", AutoString(length=40), nullable=False),
        sa.Column("approver", AutoString(length=200), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approval_id"],
            ["approval.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("approval_id", "approver", name="uq_vote_once"),
    )
    with op.batch_alter_table("approval_vote", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_approval_vote_approval_id"), ["approval_id"], unique=False
        )

    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("required_approvals", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("superseded_by", AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column("slack_channel", AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column("slack_ts", AutoString(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.drop_column("slack_ts")
        batch_op.drop_column("slack_channel")
        batch_op.drop_column("superseded_by")
        batch_op.drop_column("required_approvals")

    with op.batch_alter_table("approval_vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_vote_approval_id"))

    op.drop_table("approval_vote")
