"""Checking a model's evidence against the repository, by code.

A model can invent a quote, cite lines that do not say what it claims, point outside the
repository or name a CWE that does not exist. None of that may count as evidence: every quote is
read back through the case's ``RepoSource`` (path-confined, size-capped) and compared with the
cited lines, and every CWE id is looked up in the catalog.

Whitespace rule: line endings are normalised to ``\\n`` and trailing whitespace is stripped from
every line, in the quote and in the file, and blank lines at the start and end of the quote are
dropped. The quote must then occur as one contiguous substring of the cited lines joined by
``\\n``: a fragment of a line counts, but indentation inside a multi-line quote must match the
file. Nothing else is forgiven (no case folding, no Unicode normalisation): a quote that needs more
than that to match is not verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from tools.errors import ToolError
from tools.repo.source import RepoSource, confine

DEFAULT_MAX_SPAN_LINES = 80
"""A quote may cite at most this many lines: evidence is a specific place, not a whole file."""


class KnownCwes(Protocol):
    """The CWE catalog, as far as evidence needs it."""

    def exists(self, cwe_id: str) -> bool:
        """True when ``cwe_id`` (``CWE-<n>``) names a weakness in the catalog."""
        ...


class EvidenceProblem(StrEnum):
    NO_SOURCE = "no_source"
    """The case has no readable repository, so no quote can be checked."""
    PATH_REFUSED = "path_refused"
    """The path is absolute, climbs out with ``..`` or is otherwise refused by the source."""
    UNREADABLE = "unreadable"
    """The file does not exist, is too large, or the lines cannot be read."""
    BAD_RANGE = "bad_range"
    """End before start, past the end of the file, or wider than the span limit."""
    EMPTY_QUOTE = "empty_quote"
    QUOTE_NOT_FOUND = "quote_not_found"
    """The quote is not in the cited lines."""
    UNKNOWN_CWE = "unknown_cwe"


@dataclass(frozen=True)
class EvidenceFailure:
    problem: EvidenceProblem
    detail: str
    """Built by code from the cited location; never the model's prose."""
    index: int | None = None
    """Which evidence item (0-based); None for a CWE id."""


@dataclass(frozen=True)
class Quote:
    """One evidence item as the model gave it (mirrors agent.llm.answer.Evidence)."""

    path: str
    start_line: int
    end_line: int
    quote: str


@dataclass(frozen=True)
class EvidenceCheck:
    verified: tuple[int, ...]
    """Indexes of the evidence items whose quote was found at the cited lines."""
    failures: tuple[EvidenceFailure, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


def check_evidence(
    quotes: Sequence[Quote],
    cwe_ids: Sequence[str],
    *,
    source: RepoSource | None,
    cwes: KnownCwes,
    max_span_lines: int = DEFAULT_MAX_SPAN_LINES,
) -> EvidenceCheck:
    """Every quote read back at its cited lines and every CWE id looked up; each failure listed."""
    verified: list[int] = []
    failures: list[EvidenceFailure] = []
    for index, quote in enumerate(quotes):
        failure = _check_quote(quote, source, max_span_lines)
        if failure is None:
            verified.append(index)
        else:
            failures.append(
                EvidenceFailure(problem=failure[0], detail=failure[1], index=index),
            )
    for cwe_id in cwe_ids:
        if not cwes.exists(cwe_id):
            failures.append(
                EvidenceFailure(
                    problem=EvidenceProblem.UNKNOWN_CWE,
                    detail=f"{_short(cwe_id)} is not in the CWE catalog",
                )
            )
    return EvidenceCheck(verified=tuple(verified), failures=tuple(failures))


def normalise_lines(text: str) -> list[str]:
    """Lines with ``\\n`` endings and no trailing whitespace (the evidence whitespace rule)."""
    return [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def _check_quote(
    quote: Quote, source: RepoSource | None, max_span_lines: int
) -> tuple[EvidenceProblem, str] | None:
    where = f"{_short(quote.path)}:{quote.start_line}-{quote.end_line}"
    try:
        confine(quote.path)
    except ToolError:
        return EvidenceProblem.PATH_REFUSED, f"{where}: the path leaves the repository"
    if quote.start_line < 1 or quote.end_line < quote.start_line:
        return EvidenceProblem.BAD_RANGE, f"{where}: not a line range"
    if quote.end_line - quote.start_line + 1 > max_span_lines:
        return EvidenceProblem.BAD_RANGE, f"{where}: wider than {max_span_lines} lines"
    wanted = _strip_blank_edges(normalise_lines(quote.quote))
    if not wanted:
        return EvidenceProblem.EMPTY_QUOTE, f"{where}: the quote is empty"
    if source is None:
        return EvidenceProblem.NO_SOURCE, f"{where}: no repository to check it against"
    try:
        lines = source.read_lines(quote.path, quote.start_line, quote.end_line)
    except Exception as exc:  # fail closed: whatever stops the read, the quote is unproven
        refused = isinstance(exc, ToolError) and "refusing" in str(exc)
        problem = EvidenceProblem.PATH_REFUSED if refused else EvidenceProblem.UNREADABLE
        return problem, f"{where}: cannot be read"
    if lines.end < quote.end_line:
        return EvidenceProblem.BAD_RANGE, f"{where}: the file has only {lines.total} lines"
    cited = "\n".join(line.rstrip() for line in lines.text)
    if "\n".join(wanted) not in cited:
        return EvidenceProblem.QUOTE_NOT_FOUND, f"{where}: the quote is not in these lines"
    return None


def _strip_blank_edges(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _short(text: str, limit: int = 120) -> str:
    """A cited value made safe to show: printable, one line, capped."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in text)
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"
