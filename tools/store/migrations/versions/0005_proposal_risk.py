"""proposal risk

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", AutoString(length=10), nullable=True))
        batch_op.add_column(sa.Column("sla_due", AutoString(length=10), nullable=True))
        batch_op.add_column(sa.Column("risk", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_column("risk")
        batch_op.drop_column("sla_due")
        batch_op.drop_column("priority")
