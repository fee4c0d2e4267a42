"""Ingesting report files: each file is validated in full, then stored in one transaction.

A rejected file leaves nothing behind and does not stop the others.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
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
    """One line of the ingest summary; ``results == new + duplicates + ignored + quarantined``."""

    file: str
    format: str | None
    results: int
    findings: int
    new: int
    duplicates: int
    """Results merged into a finding: repeated within the report or stored by an earlier one."""
    ignored: int
    status: str  # "ok" | "rejected"
    error: str | None
    quarantined: int = 0
    reopened: int = 0
    fixed: int = 0
    """Findings of the report's tools that this complete scan no longer reports."""
    cross_tool_duplicates: int = 0
    """New findings another tool had already reported; they join its finding, not the queue."""
    quarantine_reasons: tuple[str, ...] = ()

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
    cwe_families: Mapping[str, str],
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
            cwe_families=cwe_families,
        )
    log.info(
        "ingested %s: %d results, %d findings, %d new, %d fixed, %d quarantined",
        shown,
        parsed.results,
        len(parsed.findings),
        stored.new,
        stored.fixed,
        len(parsed.quarantined),
    )
    return IngestResult(
        file=shown,
        format=parsed.format,
        results=parsed.results,
        findings=len(parsed.findings),
        new=stored.new,
        duplicates=parsed.results - parsed.ignored - len(parsed.quarantined) - stored.new,
        ignored=parsed.ignored,
        status="ok",
        error=None,
        quarantined=len(parsed.quarantined),
        reopened=stored.reopened,
        fixed=stored.fixed,
        cross_tool_duplicates=stored.cross_tool_duplicates,
        quarantine_reasons=tuple(f"{q.where}: {q.reason}" for q in parsed.quarantined[:20]),
    )
