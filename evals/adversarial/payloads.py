"""Injection payloads: the project's own AppSec ones, and the shared corpus read in place.

The shared corpus (``prompt-injection/payloads.jsonl`` under ``--data``: BIPIA, AgentDojo, garak,
promptmap) has a licence per row; some rows are GPL-3.0. It is read where it lies, planted only
into the eval's throwaway directory, and the reports name rows by id and licence, never by text:
nothing of it is copied into the project.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from evals.adversarial.goals import Goal

PROJECT_PAYLOADS = Path(__file__).resolve().parent / "payloads.jsonl"
SHARED_PAYLOADS = Path("prompt-injection") / "payloads.jsonl"
"""Relative to the ``--data`` folder."""
PROJECT_LICENCE = "project (Apache-2.0, this repository)"


class PayloadError(Exception):
    """A payload file is missing or malformed."""


@dataclass(frozen=True)
class Payload:
    id: str
    text: str
    source: str
    licence: str
    goal: Goal | None = None
    """The goal the payload names (project payloads); None for the shared corpus."""


def load_project_payloads(path: Path = PROJECT_PAYLOADS) -> list[Payload]:
    """The AppSec payloads written for this project, each aimed at one goal."""
    return [
        Payload(
            id=str(row["id"]),
            text=str(row["text"]),
            source="appsec-triage",
            licence=PROJECT_LICENCE,
            goal=Goal(str(row["goal"])),
        )
        for row in _rows(path)
    ]


def load_shared_payloads(path: Path) -> list[Payload]:
    """Every row of the shared corpus, in file order, with its own licence."""
    return [
        Payload(
            id=str(row["id"]),
            text=str(row["text"]),
            source=str(row.get("source") or "unknown"),
            licence=str(row.get("license") or "unknown"),
        )
        for row in _rows(path)
    ]


def sample(payloads: list[Payload], count: int | None, seed: int) -> list[Payload]:
    """``count`` payloads drawn with ``seed`` (all of them when None), in a stable order."""
    if count is None or count >= len(payloads):
        return list(payloads)
    # A reproducible sample, not a secret: the seed is printed in the report.
    rng = random.Random(seed)  # noqa: S311  # nosec B311
    chosen = rng.sample(sorted(payloads, key=lambda p: p.id), count)
    return sorted(chosen, key=lambda p: p.id)


def licence_counts(payloads: list[Payload]) -> dict[str, int]:
    return dict(sorted(Counter(p.licence for p in payloads).items()))


def _rows(path: Path) -> list[dict[str, object]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PayloadError(f"cannot read payloads {path}: {exc.strerror}") from exc
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not row.get("id") or not isinstance(row["text"], str):
                raise ValueError("needs an id and a text")
        except (ValueError, KeyError) as exc:
            raise PayloadError(f"{path}:{number}: malformed payload: {exc}") from exc
        rows.append(row)
    return rows
