"""triage_case claims: which worker holds a case, until when, and how often it failed

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("triage_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("lease_expires_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index("ix_triage_case_status", ["status"])


def downgrade() -> None:
    with op.batch_alter_table("triage_case", schema=None) as batch_op:
        batch_op.drop_index("ix_triage_case_status")
        batch_op.drop_column("failures")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("claimed_by")
