"""What a parser returns for one report file."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from tools.findings.finding import Finding


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
    repository: str | None = None
    """Repository URI from the report's version-control provenance, when it names one."""
