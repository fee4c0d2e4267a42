"""The audit trail: append-only records, each carrying the hash of the one before it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from tools.store.tables import AuditEventRow

GENESIS_HASH = "0" * 64


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
    latest = session.exec(
        select(AuditEventRow).order_by(col(AuditEventRow.id).desc()).limit(1)
    ).first()
    prev_hash = latest.record_hash if latest else GENESIS_HASH
    body = detail or {}
    record_hash = hashlib.sha256(
        json.dumps(
            [prev_hash, now.isoformat(), event, actor, case_id, approval_id, body],
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
    ).hexdigest()
    row = AuditEventRow(
        at=now,
        event=event,
        actor=actor,
        case_id=case_id,
        approval_id=approval_id,
        detail=body,
        prev_hash=prev_hash,
        record_hash=record_hash,
    )
    session.add(row)
    session.flush()
    return row
