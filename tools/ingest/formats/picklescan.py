"""picklescan's printed output (``picklescan --path DIR``) → model-artifact findings.

picklescan writes no JSON: one line per unsafe global it found, then a summary block::

    models/model.pt:archive/data.pkl: dangerous import 'posix system' FOUND
    ----------- SCAN SUMMARY -----------
    Scanned files: 4
    Infected files: 1
    Suspicious globals: 0
    Dangerous globals: 1

(older versions print no ``Suspicious globals`` line).
Each ``… import '…' FOUND`` line is a result. As for modelscan, a member of a zip-based model
(``model.pt:archive/data.pkl``) gives the finding the path ``models/model.pt`` and the member
``archive/data.pkl``; the module and the operator are the two words in quotes.

The grammar is checked line by line, and a line that fits none of it rejects the report with its
number: a printed report has no structure that would let us skip what we do not understand. The
summary's dangerous count must equal the dangerous lines, so a truncated copy is refused too.
``ERROR: …`` lines (a pickle picklescan could not parse) make the scan incomplete.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tools.findings.finding import FindingKind, ModelArtifactDetails
from tools.findings.severity import Severity
from tools.ingest.draft import Draft, build_report
from tools.ingest.errors import ReportRejected
from tools.ingest.formats._ai import frameworks, short
from tools.ingest.plain_text import TextReport
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "picklescan"
TOOL = "picklescan"

_HEADER = "----------- SCAN SUMMARY -----------"
_FOUND = re.compile(
    r"^(?P<source>\S.*): (?P<safety>dangerous|suspicious) import "
    r"'(?P<module>[^'\s]+) (?P<operator>[^'\s]+)' FOUND$"
)
_ERROR = re.compile(r"^ERROR: \S")
_COUNT = re.compile(r"^(?P<name>[A-Z][a-z]+ [a-z]+): (?P<value>[0-9]{1,9})$")
_GLOBALS_HEADER = "All globals found:"
_GLOBAL = re.compile(r"^  \* \S+ - (?:innocuous|suspicious|dangerous)$")
_REQUIRED = ("Scanned files", "Infected files", "Dangerous globals")
_OPTIONAL = ("Suspicious globals",)
_SEVERITY = {"dangerous": Severity.CRITICAL, "suspicious": Severity.MEDIUM}
"""A dangerous global runs code when the pickle is loaded, as modelscan's CRITICAL."""


@dataclass(frozen=True)
class _Hit:
    line: int
    source: str
    safety: str
    module: str
    operator: str


@dataclass(frozen=True)
class _Scan:
    hits: tuple[_Hit, ...]
    counts: dict[str, int]
    errors: int


def looks_like(document: Any) -> bool:
    """Plain text with picklescan's summary header followed by its ``Scanned files`` line."""
    if not isinstance(document, TextReport):
        return False
    lines = document.text.splitlines()
    return any(
        line == _HEADER
        and index + 1 < len(lines)
        and lines[index + 1].startswith("Scanned files: ")
        for index, line in enumerate(lines)
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    if not isinstance(document, TextReport):
        raise ReportRejected("picklescan output is plain text, not JSON or XML")
    scan = _read(document.text)
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(scan.hits),
        drafts=(_draft(hit) for hit in scan.hits),
        context=context,
        complete=scan.errors == 0,
    )


def _read(text: str) -> _Scan:
    """Every line checked against the grammar; ReportRejected naming the first one that is not."""
    hits: list[_Hit] = []
    errors = 0
    numbered = _numbered(text)
    summary_at: int | None = None
    for number, line in numbered:
        if line == _HEADER:
            summary_at = number
            break
        if match := _FOUND.match(line):
            hits.append(
                _Hit(
                    number,
                    match["source"],
                    match["safety"],
                    match["module"],
                    match["operator"],
                )
            )
        elif _ERROR.match(line):
            errors += 1
        else:
            raise ReportRejected(
                f"line {number}: not a picklescan result line "
                "(expected \"PATH: dangerous import 'MODULE NAME' FOUND\")"
            )
    if summary_at is None:
        raise ReportRejected(f"no '{_HEADER}' line: not complete picklescan output")
    counts = _summary([(n, line) for n, line in numbered if n > summary_at])
    dangerous = sum(1 for hit in hits if hit.safety == "dangerous")
    if counts["Dangerous globals"] != dangerous:
        raise ReportRejected(
            f"the summary counts {counts['Dangerous globals']} dangerous globals but "
            f"{dangerous} lines report one: the output is incomplete or edited"
        )
    return _Scan(tuple(hits), counts, errors)


def _numbered(text: str) -> list[tuple[int, str]]:
    """Non-blank lines with their 1-based numbers, trailing spaces and carriage returns dropped."""
    return [
        (number, line.rstrip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def _summary(lines: list[tuple[int, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    rest = iter(lines)
    for number, line in rest:
        match = _COUNT.match(line)
        if match is None or match["name"] not in (*_REQUIRED, *_OPTIONAL):
            if line == _GLOBALS_HEADER and len(counts) >= len(_REQUIRED):
                _globals_listing(rest)
                break
            raise ReportRejected(
                f"line {number}: not a picklescan summary line (expected 'Scanned files: N', "
                "'Infected files: N', 'Dangerous globals: N')"
            )
        if match["name"] in counts:
            raise ReportRejected(f"line {number}: {match['name']!r} is given twice")
        counts[match["name"]] = int(match["value"])
    missing = [name for name in _REQUIRED if name not in counts]
    if missing:
        raise ReportRejected(f"the picklescan summary has no {', '.join(repr(m) for m in missing)}")
    return counts


def _globals_listing(rest: Iterator[tuple[int, str]]) -> None:
    """``--globals`` prints every global it saw after the summary; they are not results."""
    for number, line in rest:
        if not _GLOBAL.match(line):
            raise ReportRejected(
                f"line {number}: not a picklescan global line (expected '  * MODULE.NAME - LEVEL')"
            )


def _draft(hit: _Hit) -> Draft:
    file, _, member = hit.source.partition(":")
    where = f"line {hit.line}"
    construct = f"{hit.module}.{hit.operator}"
    details = ModelArtifactDetails(
        file=file[:2000] or hit.source[:2000],
        member=member[:2000] or None,
        module=short(hit.module),
        operator=short(hit.operator),
        frameworks=frameworks(TOOL, hit.safety),
    )
    return Draft(
        tool=TOOL,
        rule_id=f"{hit.safety}-import",
        rule_name=f"{hit.safety} import {construct}",
        message=f"Loading {details.location} would import {construct} ({hit.safety} global)",
        severity=_SEVERITY[hit.safety],
        where=where,
        kind=FindingKind.MODEL_ARTIFACT,
        path=file,
        identity=f"{member}|{construct}",
        details=details,
    )
