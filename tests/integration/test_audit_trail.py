"""The audit trail detects edited, deleted, reordered and truncated records, and cannot fork."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.conftest import Cli
from tools.store.audit import append_event, verify_chain
from tools.store.database import Database
from tools.store.tables import AuditEventRow


@pytest.fixture
def chain(database: Database) -> Database:
    with database.session() as session:
        for n in range(1, 7):
            append_event(
                session,
                event="test.event",
                actor=f"actor-{n}",
                case_id=n,
                now=datetime(2026, 11, 27, 12, n, tzinfo=UTC),
                detail={"n": n, "text": "é ✓"},
            )
    return database


def _verify(database: Database, expect_head: str | None = None) -> list[str]:
    with database.session() as session:
        return verify_chain(session, expect_head=expect_head).problems


def _sql(database: Database, *statements: str) -> None:
    with database.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def _tamper(database: Database, *statements: str) -> None:
    """What an attacker with DDL rights does: drop the append-only guard, then edit."""
    if database.is_sqlite:
        guard = ["DROP TRIGGER audit_event_no_update", "DROP TRIGGER audit_event_no_delete"]
    else:
        guard = ["DROP TRIGGER audit_event_append_only ON audit_event"]
    _sql(database, *guard, *statements)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor = 'mallory' WHERE id = 3",
        "DELETE FROM audit_event WHERE id = 6",
    ],
)
def test_the_database_refuses_updates_and_deletes(chain: Database, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        _sql(chain, statement)
    assert _verify(chain) == []


def test_an_intact_chain_verifies(chain: Database) -> None:
    with chain.session() as session:
        report = verify_chain(session)
    assert report.ok and report.records == 6 and report.head != "0" * 64


def test_an_edited_record_is_detected(chain: Database) -> None:
    _tamper(chain, "UPDATE audit_event SET actor = 'mallory' WHERE id = 3")
    assert _verify(chain) == ["record 3 (test.event) was edited: its hash does not match"]


def test_an_edited_detail_is_detected(chain: Database) -> None:
    _tamper(chain, """UPDATE audit_event SET detail = '{"n": 99, "text": "é ✓"}' WHERE id = 2""")
    assert any("record 2" in p and "edited" in p for p in _verify(chain))


def test_a_deleted_record_is_detected(chain: Database) -> None:
    _tamper(chain, "DELETE FROM audit_event WHERE id = 4")
    problems = _verify(chain)
    assert len(problems) == 1 and problems[0].startswith("record 5 (test.event) does not follow")


def test_reordered_records_are_detected(chain: Database) -> None:
    _tamper(
        chain,
        "UPDATE audit_event SET id = 100 WHERE id = 3",
        "UPDATE audit_event SET id = 3 WHERE id = 4",
        "UPDATE audit_event SET id = 4 WHERE id = 100",
    )
    problems = _verify(chain)
    assert any(p.startswith("record 3") and "does not follow" in p for p in problems)


def test_truncation_needs_the_recorded_head(chain: Database) -> None:
    with chain.session() as session:
        head = verify_chain(session).head
    _tamper(chain, "DELETE FROM audit_event WHERE id = 6")
    assert _verify(chain) == []  # a shorter chain is still a valid chain...
    assert "not at the expected head" in _verify(chain, expect_head=head)[0]  # ...but not ours


def test_a_second_record_after_the_same_head_is_refused(chain: Database) -> None:
    """What a racing appender would write: a second record linked to the same head."""
    with chain.session() as session:
        head_before = verify_chain(session).head
        append_event(session, event="first", actor="one", now=datetime(2026, 11, 28, tzinfo=UTC))
    fork = AuditEventRow(
        at=datetime(2026, 11, 28, tzinfo=UTC),
        event="fork",
        actor="two",
        detail={},
        prev_hash=head_before,
        record_hash="f" * 64,
    )
    with pytest.raises(IntegrityError), chain.session() as session:
        session.add(fork)
    assert _verify(chain) == []


def test_cli_verify_reports_tampering_with_exit_1(cli: Cli, db_url: str) -> None:
    assert cli("demo").code == 0
    ok = cli("audit", "verify", "--json")
    assert ok.code == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert report["ok"] and report["records"] == 19
    database = Database(db_url)
    _tamper(database, "UPDATE audit_event SET actor = 'mallory' WHERE id = 7")
    database.dispose()
    broken = cli("audit", "verify")
    assert broken.code == 1
    assert "record 7 (approval.requested) was edited" in broken.stderr
    assert "BROKEN" in broken.stdout


def test_concurrent_appenders_all_succeed_and_keep_one_chain(chain: Database) -> None:
    def append(n: int) -> None:
        with chain.session() as session:
            append_event(
                session,
                event="concurrent",
                actor=f"w{n}",
                now=datetime(2026, 11, 28, 0, 0, n % 60, tzinfo=UTC),
                detail={"n": n},
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(append, range(40)))
    with chain.session() as session:
        report = verify_chain(session)
    assert report.ok and report.records == 6 + 40
