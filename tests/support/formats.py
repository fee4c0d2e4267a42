"""Parsing fixture reports exactly as ingest does: load, detect, parse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.keys import TEST_SECRET_KEY
from tools.ingest import registry
from tools.ingest.loader import load_json
from tools.ingest.report import ParseContext, ParsedReport

DEFECTDOJO = Path(__file__).resolve().parent.parent / "fixtures" / "defectdojo"
CONTEXT = ParseContext(max_results=100_000, secret_key=TEST_SECRET_KEY)


def parse_file(path: Path, *, expect_format: str) -> ParsedReport:
    """Detect and parse ``path``; fails the test when detection picks another format."""
    document, _raw = load_json(path, max_bytes=50_000_000)
    detected = registry.detect(document)
    assert detected.name == expect_format, f"{path.name} detected as {detected.name}"
    return detected.parse(document, CONTEXT)


def parse_document(document: Any, *, expect_format: str) -> ParsedReport:
    """Round-trip ``document`` through JSON text, then detect and parse it."""
    document = json.loads(json.dumps(document))
    detected = registry.detect(document)
    assert detected.name == expect_format, f"detected as {detected.name}"
    return detected.parse(document, CONTEXT)
