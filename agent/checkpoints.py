"""LangGraph checkpointers on the same database as the store."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from tools.store.database import Database


@contextmanager
def open_checkpointer(
    database: Database, *, connections: int = 1
) -> Iterator[BaseCheckpointSaver[str]]:
    """SqliteSaver for SQLite URLs, PostgresSaver for PostgreSQL; tables created on first use.

    On PostgreSQL the saver draws on a pool of up to ``connections`` connections that are checked
    before use, so a long-running worker survives a database restart or failover (a single
    connection would stay broken). The three connection settings are what PostgresSaver needs.
    """
    if database.is_sqlite:
        connection = sqlite3.connect(database.sqlite_path, check_same_thread=False, timeout=30)
        try:
            saver = SqliteSaver(connection)
            saver.setup()
            yield saver
        finally:
            connection.close()
    else:
        with ConnectionPool(
            database.libpq_conninfo,
            min_size=1,
            max_size=max(1, connections),
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
            check=ConnectionPool.check_connection,
            open=True,
        ) as pool:
            pg_saver = PostgresSaver(pool)  # type: ignore[arg-type]
            _setup_one_at_a_time(pg_saver, database.libpq_conninfo)
            yield pg_saver


_SETUP_LOCK = 0x636B7074  # "ckpt": a fixed key in PostgreSQL's advisory-lock space


def _setup_one_at_a_time(saver: PostgresSaver, conninfo: str) -> None:
    """``setup()`` under a lock: workers starting together would otherwise race to record the
    same checkpoint-schema version and all but one fail with a unique violation.

    The others poll for the lock instead of waiting on it: ``setup()`` creates indexes
    CONCURRENTLY, which waits for every open transaction to end, and a blocked
    ``pg_advisory_lock`` call is such a transaction (a deadlock PostgreSQL cannot see, as the
    lock holder's other connection is idle).
    """
    with psycopg.connect(conninfo, autocommit=True) as lock:
        while not _try_lock(lock):
            time.sleep(0.05)
        try:
            saver.setup()
        finally:
            lock.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK,))


def _try_lock(connection: psycopg.Connection[tuple[bool]]) -> bool:
    row = connection.execute("SELECT pg_try_advisory_lock(%s)", (_SETUP_LOCK,)).fetchone()
    return bool(row and row[0])
