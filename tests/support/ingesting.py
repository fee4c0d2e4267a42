"""Ingest a file into a test store the way the CLI does, with test-sized limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.ingest import ingest_file
from config.cwe_families import load_cwe_families
from tests.support.keys import TEST_SECRET_KEY
from tools.ingest.report import ParseContext
from tools.store.database import Database


def ingest(database: Database, path: Path, **overrides: Any) -> dict[str, Any]:
    """The ingest summary of ``path`` as JSON; keyword arguments override ingest_file's."""
    options: dict[str, Any] = {
        "repo_root": None,
        "repository": "example/notesvc",
        "format_name": None,
        "max_bytes": 10_000_000,
        "context": ParseContext(max_results=10_000, secret_key=TEST_SECRET_KEY),
        "cwe_families": load_cwe_families(),
    }
    options.update(overrides)
    return ingest_file(database, path, **options).as_json()
