"""Ingesting report files: each file is validated in full, then stored in one transaction.

A rejected file leaves nothing behind and does not stop the others.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import and_, update
from sqlmodel import Session, col

from agent.collector import fewer_collections
from agent.deps import utc_now
from agent.parse_process import ParserProcess
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import sarif
from tools.ingest.loader import checked_size, file_sha256, load_json, looks_like_sarif_file
from tools.ingest.report import ParseContext, ReportHeader
from tools.repo.location import local_checkout
from tools.sanitize.invisible import replace_lone_surrogates
from tools.store.database import Database
from tools.store.findings import store_report
from tools.store.rows import Row, finding_batches
from tools.store.tables import FindingRow

log = logging.getLogger(__name__)
_IN_CHUNK = 500
"""Fingerprints per ``IN (...)``: well under every backend's bound-parameter limit."""


@dataclass(frozen=True)
class IngestOptions:
    """What every ingest needs besides the file: limits, the secret key, the CWE families."""

    max_bytes: int
    """No report file may be bigger."""
    in_memory_bytes: int
    """Bigger files are streamed (SARIF) or refused (formats that need the whole document)."""
    context: ParseContext
    cwe_families: Mapping[str, str]
    parse_process_bytes: int | None = None
    """SARIF files at least this big are read by a parser process while this one stores them
    (:mod:`agent.parse_process`); None reads every file in this process."""


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


@dataclass(frozen=True)
class CodeLocations:
    """Where the findings of one report can be read: tools.repo.location descriptors.

    ``default`` covers every finding the report names; ``by_fingerprint`` overrides it for some
    (a code-scanning alert analysed at its own commit).
    """

    default: str | None = None
    by_fingerprint: Mapping[str, str] = dataclasses.field(default_factory=dict)


def ingest_file(
    database: Database,
    path: Path,
    *,
    repo_root: Path | None,
    repository: str | None,
    format_name: str | None,
    options: IngestOptions,
) -> IngestResult:
    """Validate and store one report in one transaction; a rejected report leaves nothing."""
    # A file name from the OS may carry undecodable bytes (surrogate escapes): never store those.
    shown = replace_lone_surrogates(str(path))
    locations = None
    if repo_root is not None:
        locations = CodeLocations(default=local_checkout(str(repo_root.resolve())).descriptor)
    return _ingest(
        database,
        shown,
        file_name=replace_lone_surrogates(path.name),
        opened=lambda processes: _open(path, format_name, options, processes),
        repo_root=repo_root,
        repository=repository,
        options=options,
        locations=locations,
    )


def ingest_document(
    database: Database,
    document: Any,
    *,
    name: str,
    format_name: str,
    repository: str,
    partial: bool,
    options: IngestOptions,
    locations: CodeLocations | None = None,
) -> IngestResult:
    """Like :func:`ingest_file`, for a report fetched over an API and held in memory only.

    ``partial``: the document is a filtered view (``--since``), so what it lacks is not fixed.
    ``locations``: where its findings' code can be read (GitHub at a commit).
    """

    def opened(_processes: ExitStack) -> _Opened:
        parsed = registry.format_named(format_name).parse(document, options.context)
        stream = parsed.stream()
        if partial:
            stream = dataclasses.replace(stream, complete=False)
        sha256 = hashlib.sha256(orjson.dumps(document)).hexdigest()
        return _Opened(stream, finding_batches(stream.findings, options.cwe_families), sha256)

    return _ingest(
        database,
        name,
        file_name=name,
        opened=opened,
        repo_root=None,
        repository=repository,
        options=options,
        locations=locations,
    )


@dataclass(frozen=True)
class _Opened:
    """A report ready to store: its header, its rows in batches (read once, while they are
    stored), and the SHA-256 of its bytes."""

    report: ReportHeader
    batches: Iterator[Sequence[Row]]
    sha256: str


def _ingest(
    database: Database,
    shown: str,
    *,
    file_name: str,
    opened: Callable[[ExitStack], _Opened],
    repo_root: Path | None,
    repository: str | None,
    options: IngestOptions,
    locations: CodeLocations | None,
) -> IngestResult:
    try:
        # The exit stack ends a parser process the report may have started, whatever happens.
        with fewer_collections(), ExitStack() as processes:
            ready = opened(processes)
            report = ready.report
            name = (
                repository
                or report.repository
                or (repo_root.resolve().name if repo_root else "local")
            )
            with database.session() as session:
                stored = store_report(
                    session,
                    report=report,
                    batches=ready.batches,
                    file_name=file_name,
                    sha256=ready.sha256,
                    repository=name[:500],
                    repo_root=str(repo_root.resolve()) if repo_root else None,
                    now=utc_now(),
                )
                if locations is not None:
                    _record_locations(session, name[:500], stored.report_id, locations)
    except ReportRejected as exc:
        # Raised while streaming too: the session rolled back, so nothing of the file remains.
        log.warning("rejected report %s: %s", shown, exc.reason)
        return IngestResult(shown, None, 0, 0, 0, 0, 0, "rejected", exc.reason)
    tally = report.tally
    log.info(
        "ingested %s: %d results, %d findings, %d new, %d fixed, %d quarantined",
        shown,
        tally.results,
        tally.findings,
        stored.new,
        stored.fixed,
        tally.quarantined,
    )
    return IngestResult(
        file=shown,
        format=report.format,
        results=tally.results,
        findings=tally.findings,
        new=stored.new,
        duplicates=tally.results - tally.ignored - tally.quarantined - stored.new,
        ignored=tally.ignored,
        status="ok",
        error=None,
        quarantined=tally.quarantined,
        reopened=stored.reopened,
        fixed=stored.fixed,
        cross_tool_duplicates=stored.cross_tool_duplicates,
        quarantine_reasons=tuple(f"{q.where}: {q.reason}" for q in tally.quarantine_samples[:20]),
    )


def _record_locations(
    session: Session, repository: str, report_id: int, locations: CodeLocations
) -> None:
    """Set ``repo_source`` on the findings this report named (they carry its id)."""
    mine = and_(
        col(FindingRow.repository) == repository, col(FindingRow.last_report_id) == report_id
    )
    if locations.default is not None:
        session.execute(update(FindingRow).where(mine).values(repo_source=locations.default))
    by_descriptor: dict[str, list[str]] = {}
    for fingerprint, descriptor in locations.by_fingerprint.items():
        by_descriptor.setdefault(descriptor, []).append(fingerprint)
    for descriptor, fingerprints in sorted(by_descriptor.items()):
        fingerprints.sort()
        for start in range(0, len(fingerprints), _IN_CHUNK):
            chunk = fingerprints[start : start + _IN_CHUNK]
            session.execute(
                update(FindingRow)
                .where(mine, col(FindingRow.fingerprint).in_(chunk))
                .values(repo_source=descriptor)
            )


def _open(
    path: Path, format_name: str | None, options: IngestOptions, processes: ExitStack
) -> _Opened:
    """The report's header and rows, and the file's SHA-256.

    SARIF, the one format whose reports reach gigabytes, is streamed in flat memory, by a parser
    process when the file is big enough to repay starting one. Every other format is parsed in
    memory, up to ``options.in_memory_bytes``.
    """
    size = checked_size(path, max_bytes=options.max_bytes)
    if format_name in (None, sarif.FORMAT) and looks_like_sarif_file(path):
        threshold = options.parse_process_bytes
        parser = None
        if threshold and size >= threshold:
            parser = processes.enter_context(ParserProcess())
            parser.read(path, options.context, options.cwe_families)
        try:
            outline = sarif.read_outline(path, options.context)
        except ReportRejected:
            # The head said SARIF but the log says otherwise; a file small enough gets full
            # detection, which names the right format or gives the most precise reason.
            if size > options.in_memory_bytes or format_name == sarif.FORMAT:
                raise
        else:
            if parser is None:
                stream = sarif.stream_results(path, outline, options.context)
                batches = finding_batches(stream.findings, options.cwe_families)
                return _Opened(stream, batches, file_sha256(path))
            header = outline.header()
            parser.follow(outline)
            return _Opened(header, parser.batches(header.tally), file_sha256(path))
    if size > options.in_memory_bytes:
        raise ReportRejected(
            f"file is {size} bytes; only SARIF is streamed, other formats are read up to "
            f"{options.in_memory_bytes} bytes (raise APPSEC_TRIAGE_IN_MEMORY_REPORT_BYTES)"
        )
    document, raw = load_json(path, max_bytes=options.max_bytes)
    report_format = registry.format_named(format_name) if format_name else registry.detect(document)
    stream = report_format.parse(document, options.context).stream()
    batches = finding_batches(stream.findings, options.cwe_families)
    return _Opened(stream, batches, hashlib.sha256(raw).hexdigest())
