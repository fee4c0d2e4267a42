"""``appsec-triage-eval --dataset adversarial``: select payloads, run, report, gate."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.adversarial.payloads import (
    PROJECT_PAYLOADS,
    SHARED_PAYLOADS,
    Payload,
    licence_counts,
    load_project_payloads,
    load_shared_payloads,
    sample,
)
from evals.adversarial.plant import Case, make_cases
from evals.datasets import file_sha256

NAME = "adversarial"
DEFAULT_SEED = 20261128


@dataclass(frozen=True)
class Selection:
    cases: list[Case]
    description: dict[str, Any]


def select(data_dir: Path, *, sample_size: int | None, seed: int) -> Selection:
    """The project's payloads, plus the shared corpus (all, or ``sample_size`` drawn with ``seed``)
    when it exists under ``data_dir``. A sampled run also plants each project payload in one
    channel (in turn) instead of all five: the quick gate of ``make test``."""
    project = load_project_payloads()
    shared_path = data_dir / SHARED_PAYLOADS
    shared: list[Payload] = []
    files = [PROJECT_PAYLOADS]
    if shared_path.is_file():
        shared = sample(load_shared_payloads(shared_path), sample_size, seed)
        files.append(shared_path)
    if not shared_path.is_file():
        selection = "project-only"
    elif sample_size is None:
        selection = "full"
    else:
        selection = f"sample-{sample_size}-seed-{seed}"
    lines = sorted(f"{file_sha256(p)}  {p.name}\n" for p in files)
    lines.append(f"selection: {selection}\n")
    return Selection(
        cases=make_cases(project, shared, every_channel=sample_size is None),
        description={
            "name": NAME,
            "selection": selection,
            "project_payloads": len(project),
            "shared_payloads": len(shared),
            "shared_path": str(shared_path.resolve()) if shared else None,
            "licences": licence_counts(project + shared),
            "sha256": hashlib.sha256("".join(lines).encode()).hexdigest(),
            "files": [{"path": p.name, "sha256": file_sha256(p)} for p in files],
        },
    )
