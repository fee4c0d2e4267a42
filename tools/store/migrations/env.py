"""Alembic environment: runs on the connection the caller hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import tools.store.tables  # noqa: F401 - registers the tables on SQLModel.metadata
from tools.store.schema_filter import include_name


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through tools.store.database.Database.migrate()")
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
