"""The audit trail: append-only records, each carrying the hash of the one before it.

``prev_hash`` is unique, so two writers racing to append after the same record cannot fork the
chain: the second insert fails and its transaction rolls back. ``verify_chain`` recomputes every
hash and link, which exposes an edited, deleted or reordered record. Deleting records from the
*end* leaves a shorter valid chain; compare the head hash with one recorded elsewhere
(``--expect-head``) to detect that.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from tools.store.tables import AuditEventRow

GENESIS_HASH = "0" * 64


def hash_of(row: AuditEventRow) -> str:
    """SHA-256 over everything a record says, including the link to the record before it."""
    material = [
        row.prev_hash,
        row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        row.event,
        row.actor,
        row.case_id,
        row.approval_id,
        row.detail,
    ]
    canonical = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append_event(
    session: Session,
    *,
    event: str,
    actor: str,
    now: datetime,
    case_id: int | None = None,
    approval_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEventRow:
    """Append one record chained to the latest; committed with the caller's transaction."""
    _serialise_appends(session)
    latest = session.exec(
        select(AuditEventRow).order_by(col(AuditEventRow.id).desc()).limit(1)
    ).first()
    row = AuditEventRow(
        at=now,
        event=event,
        actor=actor,
        case_id=case_id,
        approval_id=approval_id,
        detail=detail or {},
        prev_hash=latest.record_hash if latest else GENESIS_HASH,
        record_hash="",
    )
    row.record_hash = hash_of(row)
    session.add(row)
    session.flush()
    return row


def _serialise_appends(session: Session) -> None:
    """Hold the audit append lock until the caller's transaction ends.

    Without it, two concurrent writers read the same head and the second insert violates the
    unique link (the chain cannot fork, so one of two concurrent decisions would fail). Every
    caller appends after its other writes, so this lock is always taken last: no lock cycles.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK_KEY})
    else:
        # A write statement (touching no row) takes SQLite's write lock for the transaction.
        session.execute(text("UPDATE audit_event SET id = id WHERE 0"))


_AUDIT_LOCK_KEY = 0x617564  # "aud": a fixed key in PostgreSQL's advisory-lock space


@dataclass
class ChainReport:
    records: int = 0
    head: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(session: Session, *, expect_head: str | None = None) -> ChainReport:
    """Recompute the chain in id order and report every break."""
    report = ChainReport()
    expected_prev = GENESIS_HASH
    for row in session.exec(select(AuditEventRow).order_by(col(AuditEventRow.id))):
        report.records += 1
        if hash_of(row) != row.record_hash:
            report.problems.append(
                f"record {row.id} ({row.event}) was edited: its hash does not match"
            )
        if row.prev_hash != expected_prev:
            report.problems.append(
                f"record {row.id} ({row.event}) does not follow the record before it: "
                "a record was deleted, inserted or moved"
            )
        expected_prev = row.record_hash
    report.head = expected_prev
    if expect_head is not None and expect_head != report.head:
        report.problems.append(
            f"the chain ends at {report.head[:16]}…, not at the expected head "
            f"{expect_head[:16]}…: records were removed from the end or added"
        )
    return report
