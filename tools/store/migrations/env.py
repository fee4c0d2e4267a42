"""Alembic environment: runs on the connection the caller hands over in ``config.attributes``."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlmodel import SQLModel

import tools.store.tables  # noqa: F401 - registers the tables on SQLModel.metadata

# LangGraph's checkpointers own these tables; autogenerate must neither create nor drop them.
LANGGRAPH_TABLES = frozenset(
    {"checkpoints", "checkpoint_blobs", "checkpoint_writes", "checkpoint_migrations", "writes"}
)


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    return not (type_ == "table" and name in LANGGRAPH_TABLES)


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
