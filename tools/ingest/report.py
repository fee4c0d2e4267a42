"""What a parser receives besides the document, and what it returns for one report file."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from tools.findings.finding import Finding


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


class ParsedReport(BaseModel):
    """A validated report: distinct findings plus the counts the ingest summary shows."""

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
    repository: str | None = None
    """Repository URI from the report's version-control provenance, when it names one."""
    complete: bool = True
    """False when the scan says it did not finish: its absences must not mark findings fixed."""
