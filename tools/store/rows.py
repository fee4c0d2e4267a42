"""A finding as the values its new ``finding`` row gets: what ingest hands the store.

Plain tuples, not models: a batch of them is cheap to hold, and cheap to send from a parser
process to the one that stores them. No SQLAlchemy here, so that process does not import it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from tools.findings.correlation import correlation_key
from tools.findings.finding import Finding

NEW_COLUMNS = (
    "fingerprint",
    "kind",
    "tool",
    "tool_version",
    "rule_id",
    "rule_name",
    "cwe_ids",
    "message",
    "tool_severity",
    "path",
    "start_line",
    "end_line",
    "snippet",
    "details",
    "correlation_key",
)
"""The columns that differ between new findings; the store sets the rest for the whole report."""
FINGERPRINT = NEW_COLUMNS.index("fingerprint")
TOOL = NEW_COLUMNS.index("tool")
START_LINE = NEW_COLUMNS.index("start_line")
END_LINE = NEW_COLUMNS.index("end_line")
SNIPPET = NEW_COLUMNS.index("snippet")
CORRELATION_KEY = NEW_COLUMNS.index("correlation_key")

BATCH_SIZE = 5000
"""Findings stored per round of statements: large enough to amortise them, small enough to keep
a 1 GB report's memory flat."""

Row = tuple[Any, ...]
"""A finding's values in NEW_COLUMNS order: what a new row gets, and what a seen one updates."""


def finding_row(finding: Finding, cwe_families: Mapping[str, str]) -> Row:
    return (
        finding.fingerprint,
        str(finding.kind),  # a StrEnum's str is its value, without .value's descriptor
        finding.tool,
        finding.tool_version,
        finding.rule_id,
        finding.rule_name,
        finding.cwe_ids,  # a tuple: the same JSON as a list, and the GC stops tracking it
        finding.message,
        str(finding.tool_severity),
        finding.path,
        finding.start_line,
        finding.end_line,
        finding.snippet,
        finding.details.model_dump(mode="json") if finding.details else None,
        correlation_key(finding, cwe_families),
    )


def finding_batches(
    findings: Iterable[Finding], cwe_families: Mapping[str, str], size: int = BATCH_SIZE
) -> Iterator[list[Row]]:
    """The findings' rows in batches of ``size``, each converted as it arrives, so a batch
    holds plain tuples, not models."""
    rows = (finding_row(finding, cwe_families) for finding in findings)
    while batch := list(itertools.islice(rows, size)):
        yield batch
