"""Migration 0007: findings stored with a checkout (repo_root) get it as their repo_source."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from tools.store.database import MIGRATIONS_DIR, Database


@pytest.fixture
def old_store(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    if database.is_sqlite:
        database.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    yield database
    database.dispose()


def test_the_upgrade_carries_repo_root_over_and_leaves_the_rest_empty(old_store: Database) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    insert = text(
        "INSERT INTO finding (repository, fingerprint, kind, tool, rule_id, cwe_ids, message, "
        "tool_severity, repo_root, status, first_seen, last_seen) VALUES (:repository, "
        ":fingerprint, 'sast', 'Bandit', 'B101', '[]', 'm', 'low', :root, 'new', :now, :now)"
    )
    with old_store.engine.begin() as connection:
        connection.execute(
            insert, {"repository": "a", "fingerprint": "1", "root": "/src/app", "now": now}
        )
        connection.execute(
            insert, {"repository": "a", "fingerprint": "2", "root": None, "now": now}
        )
    old_store.migrate()
    with old_store.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT fingerprint, repo_source FROM finding ORDER BY fingerprint")
        ).all()
    assert [tuple(row) for row in rows] == [("1", "local:/src/app"), ("2", None)]
