"""The verdict cache: one model answer per (rule, normalised code slice, model, prompt version).

The same rule firing on the same code (copied helpers, generated files, a pattern repeated across
a codebase) gets the same answer, so the model is asked once. The slice is normalised so that
indentation and blank lines do not make a copy look new. Only answers that passed every check are
kept, and a reused answer goes through the same checks and merge as a fresh one: its quotes of
the slice are moved to the new case's file and lines, and verified there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from tools.store.tables import ModelVerdictRow


def slice_hash(snippet: str) -> str:
    """SHA-256 of the code slice with each line stripped and blank lines dropped."""
    lines = (line.strip() for line in snippet.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return hashlib.sha256("\n".join(line for line in lines if line).encode()).hexdigest()


def cache_key(*, rule: str, slice_digest: str, model: str, prompt_version: str) -> str:
    """The cache key: every part that could change the answer."""
    parts = json.dumps([rule, slice_digest, model, prompt_version], separators=(",", ":"))
    return hashlib.sha256(parts.encode()).hexdigest()


def cached_answer(session: Session, key: str) -> ModelVerdictRow | None:
    return session.get(ModelVerdictRow, key)


def remember(session: Session, row: ModelVerdictRow) -> None:
    """Keep an answer; if another run kept one for the same key first, theirs stays."""
    if session.get(ModelVerdictRow, row.key) is not None:
        return
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


def rebased(
    answer: Mapping[str, Any], *, from_path: str, from_start: int, to_path: str, to_start: int
) -> dict[str, Any]:
    """A cached answer with its quotes of the original slice moved to the new case's slice.

    Quotes of other files stay as they are; every quote is verified again afterwards, so a wrong
    move only ever fails evidence, it never passes it.
    """
    shift = to_start - from_start
    evidence = []
    for item in answer.get("evidence") or ():
        moved = dict(item)
        if moved.get("path") == from_path:
            moved["path"] = to_path
            moved["start_line"] = max(1, int(moved.get("start_line", 1)) + shift)
            moved["end_line"] = max(1, int(moved.get("end_line", 1)) + shift)
        evidence.append(moved)
    return {**answer, "evidence": evidence}


def new_entry(
    *,
    key: str,
    rule: str,
    slice_digest: str,
    model: str,
    prompt_version: str,
    answer: Mapping[str, Any],
    path: str,
    snippet_start: int,
    now: datetime,
) -> ModelVerdictRow:
    return ModelVerdictRow(
        key=key,
        rule=rule[:800],
        slice_hash=slice_digest,
        model=model[:200],
        prompt_version=prompt_version[:50],
        answer=dict(answer),
        path=path[:2000],
        snippet_start=snippet_start,
        created_at=now,
    )
