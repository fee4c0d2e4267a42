"""Transaction-scoped locks for work that must run one process at a time."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

OPEN_CASES_LOCK = 0x6F70656E  # "open": a fixed key in PostgreSQL's advisory-lock space


def hold_until_commit(session: Session, key: int) -> None:
    """Wait for, then hold, the lock named ``key`` until the session's transaction ends.

    PostgreSQL: a transaction-level advisory lock. SQLite: the database's single write lock,
    taken by a write statement that touches no row (SQLite has no finer lock to take).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        session.execute(text("UPDATE triage_case SET id = id WHERE 0"))
