"""Ingesting report files: each file is validated in full, then stored in one transaction.

A rejected file leaves nothing behind and does not stop the others.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from agent.deps import utc_now
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.loader import load_json
from tools.ingest.report import ParseContext
from tools.sanitize.invisible import replace_lone_surrogates
from tools.store.database import Database
from tools.store.findings import store_report

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    """One line of the ingest summary; ``results == new + duplicates + ignored`` when ok."""

    file: str
    format: str | None
    results: int
    findings: int
    new: int
    duplicates: int
    ignored: int
    status: str  # "ok" | "rejected"
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def ingest_file(
    database: Database,
    path: Path,
    *,
    repo_root: Path | None,
    repository: str | None,
    format_name: str | None,
    max_bytes: int,
    context: ParseContext,
) -> IngestResult:
    # A file name from the OS may carry undecodable bytes (surrogate escapes): never store those.
    shown = replace_lone_surrogates(str(path))
    try:
        document, raw = load_json(path, max_bytes=max_bytes)
        report_format = (
            registry.format_named(format_name) if format_name else registry.detect(document)
        )
        parsed = report_format.parse(document, context)
    except ReportRejected as exc:
        log.warning("rejected report %s: %s", shown, exc.reason)
        return IngestResult(shown, None, 0, 0, 0, 0, 0, "rejected", exc.reason)
    name = repository or parsed.repository or (repo_root.resolve().name if repo_root else "local")
    with database.session() as session:
        stored = store_report(
            session,
            parsed=parsed,
            file_name=replace_lone_surrogates(path.name),
            sha256=hashlib.sha256(raw).hexdigest(),
            repository=name[:500],
            repo_root=str(repo_root.resolve()) if repo_root else None,
            now=utc_now(),
        )
    log.info(
        "ingested %s: %d results, %d findings, %d new",
        shown,
        parsed.results,
        len(parsed.findings),
        stored.new,
    )
    return IngestResult(
        file=shown,
        format=parsed.format,
        results=parsed.results,
        findings=len(parsed.findings),
        new=stored.new,
        duplicates=parsed.results - parsed.ignored - stored.new,
        ignored=parsed.ignored,
        status="ok",
        error=None,
    )
