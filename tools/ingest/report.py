"""What a parser receives besides the document, and what it returns for one report file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from tools.findings.finding import Finding

QUARANTINE_SAMPLES = 100
"""Quarantine reasons kept per report; a hostile report may quarantine every one of its results."""


@dataclass(frozen=True)
class ParseContext:
    """Limits and keys every parser gets; passed in, never read from the environment."""

    max_results: int
    secret_key: bytes
    """HMAC key for the fingerprints of secrets (see tools.findings.secrets)."""


class Quarantined(BaseModel):
    """A result kept out of the store, with the reason: the rest of its report still counts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    where: str
    reason: str


@dataclass
class ReportTally:
    """Counts of one report, complete once its findings have been consumed.

    ``results == findings + merged + ignored + quarantined``.
    """

    results: int = 0
    """Raw result entries in the report, before anything is dropped or merged."""
    ignored: int = 0
    """Results that are not findings: passes, informational results, accepted suppressions."""
    merged: int = 0
    """Exact duplicates of another result in the same report."""
    quarantined: int = 0
    findings: int = 0
    quarantine_samples: list[Quarantined] = field(default_factory=list)

    def quarantine(self, item: Quarantined) -> None:
        self.quarantined += 1
        if len(self.quarantine_samples) < QUARANTINE_SAMPLES:
            self.quarantine_samples.append(item)

    def update(self, final: ReportTally) -> None:
        """Take the counts of ``final``, the tally another process completed for this report."""
        self.results, self.ignored, self.merged = final.results, final.ignored, final.merged
        self.quarantined, self.findings = final.quarantined, final.findings
        self.quarantine_samples = list(final.quarantine_samples)


@dataclass(frozen=True)
class ReportHeader:
    """What is known of a report before its findings are read; the tally completes after them."""

    format: str
    tools: tuple[str, ...]
    repository: str | None
    complete: bool
    tally: ReportTally


@dataclass(frozen=True)
class ReportStream(ReportHeader):
    """A report whose findings are produced while they are stored; read ``findings`` once."""

    findings: Iterator[Finding]


class ParsedReport(BaseModel):
    """A validated report held in memory: distinct findings plus the summary's counts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: str
    tools: tuple[str, ...]
    results: int
    """Raw result entries in the report, before anything is dropped or merged."""
    ignored: int
    """Results that are not findings: passes, informational results, accepted suppressions."""
    findings: tuple[Finding, ...]
    """Distinct findings after merging exact duplicates within the report."""
    quarantined: tuple[Quarantined, ...] = ()
    """The first QUARANTINE_SAMPLES results kept out of the store, with reasons."""
    quarantined_count: int = 0
    repository: str | None = None
    """Repository URI from the report's version-control provenance, when it names one."""
    complete: bool = True
    """False when the scan says it did not finish: its absences must not mark findings fixed."""

    def stream(self) -> ReportStream:
        merged = self.results - self.ignored - self.quarantined_count - len(self.findings)
        return ReportStream(
            format=self.format,
            tools=self.tools,
            repository=self.repository,
            complete=self.complete,
            findings=iter(self.findings),
            tally=ReportTally(
                results=self.results,
                ignored=self.ignored,
                merged=merged,
                quarantined=self.quarantined_count,
                findings=len(self.findings),
                quarantine_samples=list(self.quarantined),
            ),
        )
