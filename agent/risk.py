"""Risk-based priority, SSVC style: exploitation, exposure, automatability and impact decide.

Every input is stated as a factor with its source, so an analyst can check each one. Pure
functions over plain values; the thresholds are data in config/risk.toml.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from config.business import BusinessFacts
from config.risk import Decision, RiskRubric
from tools.findings.severity import Severity
from tools.intel.kev import KevCatalog
from tools.repo.file_role import FileRole


class RiskFactor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    value: str
    source: str


class RiskDecision(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: Decision
    priority: str
    sla_days: int
    sla_due: str
    """ISO date."""
    factors: tuple[RiskFactor, ...]
    rubric_version: str


Exploitation = Literal["active", "none"]


def decide_risk(
    *,
    cve_ids: Sequence[str],
    cwe_ids: Sequence[str],
    severity: Severity,
    file_role: FileRole,
    business: BusinessFacts,
    kev: KevCatalog,
    rubric: RiskRubric,
    today: date,
) -> RiskDecision:
    factors: list[RiskFactor] = []

    exploited = [cve for cve in cve_ids if kev.lookup(cve)]
    exploitation: Exploitation = "active" if exploited else "none"
    factors.append(
        RiskFactor(
            name="exploitation",
            value=f"active ({', '.join(exploited)} known exploited)" if exploited else "none known",
            source=kev.provenance if cve_ids else "no CVE on this finding",
        )
    )

    ships = file_role in (FileRole.PRODUCTION, FileRole.UNKNOWN)
    if not ships:
        exposure = "none"
        factors.append(
            RiskFactor(
                name="exposure", value="none", source=f"{file_role.value} code does not ship"
            )
        )
    elif business.exposure == "unknown":
        exposure = "internet"
        factors.append(
            RiskFactor(name="exposure", value="internet (assumed: unknown)", source=business.source)
        )
    else:
        exposure = business.exposure
        factors.append(RiskFactor(name="exposure", value=exposure, source=business.source))

    automatable = sorted(set(cwe_ids) & rubric.automatable_cwes)
    factors.append(
        RiskFactor(
            name="automatable",
            value=f"yes ({', '.join(automatable)})" if automatable else "no",
            source=f"risk rubric {rubric.version}: automatable weakness classes",
        )
    )

    serious_business = "high" in (business.criticality, business.data_sensitivity)
    high_impact = severity.rank >= Severity.HIGH.rank or (
        serious_business and severity.rank >= Severity.MEDIUM.rank and ships
    )
    factors.append(
        RiskFactor(
            name="impact",
            value="high" if high_impact else "low",
            source=f"severity {severity.value}; criticality {business.criticality}, "
            f"data sensitivity {business.data_sensitivity} ({business.source})",
        )
    )

    decision = _decide(exploitation, exposure, bool(automatable), high_impact)
    days = rubric.sla_days[decision]
    return RiskDecision(
        decision=decision,
        priority=rubric.priority[decision],
        sla_days=days,
        sla_due=(today + timedelta(days=days)).isoformat(),
        factors=tuple(factors),
        rubric_version=rubric.version,
    )


def _decide(
    exploitation: Exploitation, exposure: str, automatable: bool, high_impact: bool
) -> Decision:
    if exploitation == "active" and exposure == "internet" and (automatable or high_impact):
        return "act"
    if exploitation == "active" and exposure != "none":
        return "attend"
    if exposure == "internet" and automatable and high_impact:
        return "attend"
    if exposure == "internet" and (automatable or high_impact):
        return "track*"
    if exposure == "internal" and automatable and high_impact:
        return "track*"
    return "track"
