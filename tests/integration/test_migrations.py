"""Alembic owns our tables and leaves LangGraph's checkpoint tables alone."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from agent.checkpoints import open_checkpointer
from tools.store.database import Database
from tools.store.schema_filter import LANGGRAPH_TABLES, include_name


def test_models_and_migrations_agree_and_checkpoint_tables_survive(database: Database) -> None:
    with open_checkpointer(database):
        pass  # creates LangGraph's tables in the same database
    tables = set(inspect(database.engine).get_table_names())
    assert "checkpoints" in tables
    checkpoint_tables = LANGGRAPH_TABLES & tables
    assert len(checkpoint_tables) >= 2  # SQLite: checkpoints, writes; PostgreSQL: four

    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []  # no pending migration, and no drop of checkpoint tables

    database.migrate()  # idempotent re-run
    after = set(inspect(database.engine).get_table_names())
    assert tables == after
    assert LANGGRAPH_TABLES & after == checkpoint_tables
