"""The formats we read, registered explicitly, and detection of a report's format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.ingest.errors import ReportRejected
from tools.ingest.formats import bandit, sarif
from tools.ingest.report import ParseContext, ParsedReport


@dataclass(frozen=True)
class ReportFormat:
    name: str
    looks_like: Callable[[Any], bool]
    parse: Callable[[Any, ParseContext], ParsedReport]


# Detection tries these in order: put a format whose detector is stricter before a looser one.
FORMATS: tuple[ReportFormat, ...] = (
    ReportFormat(name=sarif.FORMAT, looks_like=sarif.looks_like, parse=sarif.parse),
    ReportFormat(name=bandit.FORMAT, looks_like=bandit.looks_like, parse=bandit.parse),
)


def format_named(name: str) -> ReportFormat:
    for report_format in FORMATS:
        if report_format.name == name:
            return report_format
    known = ", ".join(f.name for f in FORMATS)
    raise ReportRejected(f"unknown format {name!r}; known formats: {known}")


def detect(document: Any) -> ReportFormat:
    """The format whose detector accepts the document; ReportRejected when none does."""
    for report_format in FORMATS:
        if report_format.looks_like(document):
            return report_format
    known = ", ".join(f.name for f in FORMATS)
    raise ReportRejected(f"not a report in a known format ({known})")
