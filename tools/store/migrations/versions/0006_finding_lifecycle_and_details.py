"""finding lifecycle, kind-specific details, cross-tool correlation, quarantined results

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("quarantined", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("correlation_key", AutoString(length=300), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_report_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("fixed_at", UTCDateTime(), nullable=True))
        batch_op.create_index("ix_finding_correlation_key", ["correlation_key"])
        batch_op.create_index("ix_finding_repository_tool", ["repository", "tool"])
        batch_op.create_foreign_key("fk_finding_duplicate_of", "finding", ["duplicate_of"], ["id"])
        batch_op.create_foreign_key("fk_finding_last_report", "report", ["last_report_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_constraint("fk_finding_last_report", type_="foreignkey")
        batch_op.drop_constraint("fk_finding_duplicate_of", type_="foreignkey")
        batch_op.drop_index("ix_finding_repository_tool")
        batch_op.drop_index("ix_finding_correlation_key")
        for column in ("fixed_at", "last_report_id", "duplicate_of", "correlation_key", "details"):
            batch_op.drop_column(column)
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("quarantined")
        batch_op.drop_column("complete")
