"""What the model cost over a triage run: totals and per-finding averages, from the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from tools.store.tables import CaseFindingRow, CaseRow, ModelUsageRow


@dataclass(frozen=True)
class UsageTotals:
    findings: int
    """Findings in the cases opened over the period (grouped findings each count)."""
    cases: int
    consulted_cases: int
    cache_hits: int
    calls: int
    input_tokens: int
    output_tokens: int
    latency_ms: int

    def per_finding(self) -> dict[str, float]:
        """Each total divided by the findings triaged (0 when there were none)."""
        n = self.findings or 1
        return {
            "calls": round(self.calls / n, 3) if self.findings else 0.0,
            "input_tokens": round(self.input_tokens / n, 1) if self.findings else 0.0,
            "output_tokens": round(self.output_tokens / n, 1) if self.findings else 0.0,
            "latency_ms": round(self.latency_ms / n, 1) if self.findings else 0.0,
        }

    def as_json(self, model: str | None) -> dict[str, Any]:
        return {
            "model": model,
            "findings": self.findings,
            "cases": self.cases,
            "consulted_cases": self.consulted_cases,
            "cache_hits": self.cache_hits,
            "calls": self.calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "latency_ms": self.latency_ms,
            "per_finding": self.per_finding(),
        }

    def summary_line(self, model: str) -> str:
        """One line for people: what the model did and cost in this run."""
        return (
            f"model {model}: {self.calls} call(s) for {self.consulted_cases} of {self.cases} "
            f"case(s) ({self.cache_hits} from the verdict cache), {self.input_tokens} input / "
            f"{self.output_tokens} output tokens, {self.latency_ms / 1000:.1f} s in calls; "
            f"{self.per_finding()['calls']:.2f} call(s) per finding over {self.findings} finding(s)"
        )


def usage_since(session: Session, since: datetime) -> UsageTotals:
    """Usage recorded, and cases opened, at or after ``since`` (one triage run's window)."""
    rows = session.exec(select(ModelUsageRow).where(col(ModelUsageRow.created_at) >= since)).all()
    cases = session.exec(
        select(func.count()).select_from(CaseRow).where(col(CaseRow.created_at) >= since)
    ).one()
    findings = session.exec(
        select(func.count())
        .select_from(CaseFindingRow)
        .join(CaseRow, col(CaseRow.id) == col(CaseFindingRow.case_id))
        .where(col(CaseRow.created_at) >= since)
    ).one()
    return UsageTotals(
        findings=int(findings),
        cases=int(cases),
        consulted_cases=len({row.case_id for row in rows}),
        cache_hits=sum(1 for row in rows if row.cache_hit),
        calls=sum(row.calls for row in rows),
        input_tokens=sum(row.input_tokens for row in rows),
        output_tokens=sum(row.output_tokens for row in rows),
        latency_ms=sum(row.latency_ms for row in rows),
    )
