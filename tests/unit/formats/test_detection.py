"""Every fixture report is claimed by exactly one format, and no detector raises on any of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.loader import load_json

REPORTS = sorted(
    p
    for folder in ("defectdojo", "ai")  # ai: reports made for this project (modelscan, picklescan)
    for p in (FIXTURES / folder).rglob("*")
    if p.is_file() and p.suffix in {".json", ".jsonl", ".xml", ".sarif", ".txt"}
)


def test_the_fixture_corpus_covers_every_registered_format() -> None:
    claimed: set[str] = set()
    for path in REPORTS:
        try:
            document, _raw = load_json(path, max_bytes=50_000_000)
        except ReportRejected:
            continue
        claimed.update(f.name for f in registry.FORMATS if f.looks_like(document))
    # SARIF's own corpus lives in fixtures/sarif-sdk; every other format has a report here.
    assert {f.name for f in registry.FORMATS} - claimed <= {"sarif"}
    assert len(registry.FORMATS) >= 21


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_at_most_one_format_claims_a_report(path: Path) -> None:
    try:
        document, _raw = load_json(path, max_bytes=50_000_000)
    except ReportRejected:
        return  # the loader's own refusal is tested elsewhere
    claimants = [f.name for f in registry.FORMATS if f.looks_like(document)]
    assert len(claimants) <= 1, f"{path.name} is claimed by {claimants}"
