"""LangGraph checkpointers on the same database as the store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.sqlite import SqliteSaver

from tools.store.database import Database


@contextmanager
def open_checkpointer(database: Database) -> Iterator[BaseCheckpointSaver[str]]:
    """SqliteSaver for SQLite URLs, PostgresSaver for PostgreSQL; tables created on first use."""
    if database.is_sqlite:
        connection = sqlite3.connect(database.sqlite_path, check_same_thread=False, timeout=30)
        try:
            saver = SqliteSaver(connection)
            saver.setup()
            yield saver
        finally:
            connection.close()
    else:
        with PostgresSaver.from_conn_string(database.libpq_conninfo) as pg_saver:
            pg_saver.setup()
            yield pg_saver
