"""finding.repo_source: where to read a finding's code (a local checkout or GitHub at a commit)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repo_source", AutoString(length=4100), nullable=True))
    # Findings ingested with --repo-root so far: their checkout, in the new form.
    op.execute("UPDATE finding SET repo_source = 'local:' || repo_root WHERE repo_root IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_column("repo_source")
