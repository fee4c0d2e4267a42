"""Engine creation, migrations and sessions for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session, create_engine

from tools.errors import ToolError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATE_LOCK = 0x6D696772  # "migr": a fixed key in PostgreSQL's advisory-lock space


class StoreError(ToolError):
    """The store is unreachable or unusable."""


class Database:
    """The store behind one URL. Create one per process and pass it to whoever needs it."""

    def __init__(self, url: str) -> None:
        try:
            self.url: URL = make_url(url)
        except ArgumentError as exc:
            raise StoreError(f"not a database URL: {url!r}") from exc
        if self.url.get_backend_name() not in ("sqlite", "postgresql"):
            raise StoreError(
                f"unsupported database {self.url.get_backend_name()!r}: use sqlite:///PATH "
                "or postgresql+psycopg://USER@HOST:PORT/DB"
            )
        self.engine: Engine = _create_engine(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path:
        """The SQLite database file (only for SQLite URLs)."""
        if not self.is_sqlite or not self.url.database or self.url.database == ":memory:":
            raise StoreError("a file-backed SQLite URL is needed here")
        return Path(self.url.database)

    @property
    def libpq_conninfo(self) -> str:
        """The URL as psycopg/libpq understands it (for LangGraph's PostgresSaver)."""
        return self.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        if self.is_sqlite:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        try:
            with self.engine.begin() as connection:
                if not self.is_sqlite:
                    # Workers starting together against a new release take turns: the first
                    # migrates, the others then find the schema at head.
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATE_LOCK}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except OperationalError as exc:
            raise StoreError(
                f"cannot reach the database at {self.url.render_as_string()}: {exc.orig}"
            ) from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def _json(value: Any) -> str:
    # orjson: JSON columns are written per row on bulk ingest, where json.dumps was a tenth of
    # the time. Same output for the plain lists and dicts we store.
    return orjson.dumps(value).decode("utf-8")


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=_json,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=5, json_serializer=_json
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the CLI, the checkpointer and a Slack worker read while one of them writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # 64 MiB of page cache (SQLite's default is 2 MiB), an upper bound and not an allocation: a
    # 100,000-finding report's index pages then stay in memory for its whole transaction, instead
    # of being spilled to the WAL and read back on every insert that lands between them.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()
