"""Ingest a file into a test store the way the CLI does, with test-sized limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.ingest import IngestOptions, ingest_file
from config.cwe_families import load_cwe_families
from tests.support.keys import TEST_SECRET_KEY
from tools.ingest.report import ParseContext
from tools.store.database import Database


def options(
    *, max_bytes: int = 10_000_000, in_memory_bytes: int = 10_000_000, max_results: int = 10_000
) -> IngestOptions:
    return IngestOptions(
        max_bytes=max_bytes,
        in_memory_bytes=in_memory_bytes,
        context=ParseContext(max_results=max_results, secret_key=TEST_SECRET_KEY),
        cwe_families=load_cwe_families(),
    )


def ingest(database: Database, path: Path, **overrides: Any) -> dict[str, Any]:
    """The ingest summary of ``path`` as JSON; keyword arguments override ingest_file's."""
    arguments: dict[str, Any] = {
        "repo_root": None,
        "repository": "example/notesvc",
        "format_name": None,
        "options": options(),
    }
    arguments.update(overrides)
    return ingest_file(database, path, **arguments).as_json()
