"""Risk-based priority, SSVC style: exploitation, exposure, automatability and impact decide.

Every input is stated as a factor with its source, so an analyst can check each one. Pure
functions over plain values and loaded snapshots; the thresholds are data in config/risk.toml.

Exploitation is ``active`` only when CISA KEV lists one of the finding's CVEs. It is ``poc`` when
FIRST's EPSS gives one of them a probability at or above the rubric's threshold, or when the CVSS
vector the report gives says exploit code exists (its ``E`` metric). Otherwise it is ``none``.
The CVSS vector and score come from the report first, else from the advisory snapshot; they can
make a weakness automatable (network, low complexity, no privileges, no user interaction) and its
impact high (a high base score).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from config.business import BusinessFacts
from config.risk import Decision, RiskRubric
from tools.findings.severity import Severity
from tools.intel.cvss import CvssCatalog, base_score, cvss_metrics
from tools.intel.epss import NO_EPSS, EpssCatalog, EpssScore
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


Exploitation = Literal["active", "poc", "none"]


@dataclass(frozen=True)
class ReportedCvss:
    """The CVSS score and vector a scanner report gave for the finding (either may be absent)."""

    score: float | None
    vector: str | None
    tool: str


@dataclass(frozen=True)
class _Cvss:
    score: float | None
    vector: str | None
    source: str


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
    advisory_ids: Sequence[str] = (),
    reported_cvss: ReportedCvss | None = None,
    epss: EpssCatalog | None = None,
    advisories: CvssCatalog | None = None,
) -> RiskDecision:
    """``advisory_ids``: every advisory id of the finding (CVE, GHSA, PYSEC…), to find its CVSS
    in ``advisories`` when the report gave none. ``epss`` None: no EPSS file, so EPSS is unknown.
    """
    cvss, cvss_factor = _cvss(reported_cvss, [*cve_ids, *advisory_ids], advisories)
    exploitation, exploitation_factor = _exploitation(cve_ids, cvss, kev, epss, rubric)
    factors = [exploitation_factor, _epss_factor(cve_ids, epss), cvss_factor]

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

    automatable_cwes = sorted(set(cwe_ids) & rubric.automatable_cwes)
    wanted = rubric.cvss.automatable_vector
    metrics = cvss_metrics(cvss.vector)
    automatable_vector = bool(metrics) and all(metrics.get(k) == v for k, v in wanted.items())
    reasons = [*automatable_cwes]
    if automatable_vector:
        reasons.append("CVSS " + "/".join(f"{k}:{v}" for k, v in wanted.items()))
    source = f"risk rubric {rubric.version}: automatable weakness classes"
    if cvss.vector:
        source += f"; CVSS vector from {cvss.source}"
    factors.append(
        RiskFactor(
            name="automatable",
            value=f"yes ({', '.join(reasons)})" if reasons else "no",
            source=source,
        )
    )

    serious_business = "high" in (business.criticality, business.data_sensitivity)
    high_cvss = cvss.score is not None and cvss.score >= rubric.cvss.high_impact_score
    high_impact = (
        severity.rank >= Severity.HIGH.rank
        or (serious_business and severity.rank >= Severity.MEDIUM.rank and ships)
        or high_cvss
    )
    source = (
        f"severity {severity.value}; criticality {business.criticality}, "
        f"data sensitivity {business.data_sensitivity} ({business.source})"
    )
    if cvss.score is not None:
        source += (
            f"; CVSS {cvss.score:.1f} (high from {rubric.cvss.high_impact_score:.1f}) "
            f"from {cvss.source}"
        )
    factors.append(RiskFactor(name="impact", value="high" if high_impact else "low", source=source))

    decision = _decide(exploitation, exposure, bool(reasons), high_impact)
    days = rubric.sla_days[decision]
    return RiskDecision(
        decision=decision,
        priority=rubric.priority[decision],
        sla_days=days,
        sla_due=(today + timedelta(days=days)).isoformat(),
        factors=tuple(factors),
        rubric_version=rubric.version,
    )


def _cvss(
    reported: ReportedCvss | None, ids: Sequence[str], advisories: CvssCatalog | None
) -> tuple[_Cvss, RiskFactor]:
    """The report's CVSS first; else the first of ``ids`` the advisory snapshot knows."""
    if reported is not None and (reported.score is not None or reported.vector):
        score, source = reported.score, f"the report ({reported.tool})"
        if score is None:
            score = base_score(reported.vector)
            if score is not None:
                source += ", base score computed from its vector"
        cvss = _Cvss(score, reported.vector, source)
        return cvss, RiskFactor(name="cvss", value=_cvss_value(cvss), source=source)
    ids = list(dict.fromkeys(i.upper() for i in ids))
    if not ids:
        cvss = _Cvss(None, None, "")
        return cvss, RiskFactor(
            name="cvss", value="unknown", source="none in the report; no advisory id to look up"
        )
    if advisories is None:
        cvss = _Cvss(None, None, "")
        return cvss, RiskFactor(
            name="cvss", value="unknown", source="none in the report; no advisory CVSS snapshot"
        )
    for advisory in ids:
        found = advisories.lookup(advisory)
        if found is not None:
            cvss = _Cvss(found.score, found.vector, found.source)
            return cvss, RiskFactor(name="cvss", value=_cvss_value(cvss), source=found.source)
    cvss = _Cvss(None, None, "")
    return cvss, RiskFactor(
        name="cvss",
        value="unknown",
        source=f"none in the report; {_listed(ids)} not in the {advisories.provenance}",
    )


def _cvss_value(cvss: _Cvss) -> str:
    parts = [f"{cvss.score:.1f}" if cvss.score is not None else "no base score"]
    if cvss.vector:
        parts.append(cvss.vector)
    return " ".join(parts)


def _exploitation(
    cve_ids: Sequence[str],
    cvss: _Cvss,
    kev: KevCatalog,
    epss: EpssCatalog | None,
    rubric: RiskRubric,
) -> tuple[Exploitation, RiskFactor]:
    exploited = [cve for cve in cve_ids if kev.lookup(cve)]
    if exploited:
        return "active", RiskFactor(
            name="exploitation",
            value=f"active ({', '.join(exploited)} known exploited)",
            source=kev.provenance,
        )
    threshold = rubric.exploitation.poc_min_epss
    likely = [s for s in _epss_scores(cve_ids, epss) if s.epss >= threshold]
    maturity = cvss_metrics(cvss.vector).get("E")
    values: list[str] = []
    sources: list[str] = []
    if likely and epss is not None:
        shown = ", ".join(f"{s.cve} {s.epss:.5g}" for s in likely[:5])
        values.append(f"EPSS {shown} >= {threshold:g}")
        sources.append(f"{epss.provenance}; risk rubric {rubric.version}")
    if maturity in rubric.exploitation.poc_exploit_maturity:
        values.append(f"exploit maturity E:{maturity} in the CVSS vector")
        sources.append(cvss.source)
    if values:
        return "poc", RiskFactor(
            name="exploitation", value=f"poc ({'; '.join(values)})", source="; ".join(sources)
        )
    if not cve_ids:
        source = "no CVE on this finding"
        if cvss.vector:
            source += f"; no exploit maturity in the CVSS vector ({cvss.source})"
        return "none", RiskFactor(name="exploitation", value="none known", source=source)
    source = f"{kev.provenance}; {epss.provenance if epss is not None else NO_EPSS}"
    return "none", RiskFactor(name="exploitation", value="none known", source=source)


def _epss_scores(cve_ids: Sequence[str], epss: EpssCatalog | None) -> list[EpssScore]:
    """The CVEs' scores, highest first."""
    if epss is None:
        return []
    found = [score for cve in dict.fromkeys(cve_ids) if (score := epss.lookup(cve))]
    return sorted(found, key=lambda s: (-s.epss, s.cve))


def _epss_factor(cve_ids: Sequence[str], epss: EpssCatalog | None) -> RiskFactor:
    if not cve_ids:
        return RiskFactor(name="epss", value="not applicable", source="no CVE on this finding")
    if epss is None:
        return RiskFactor(name="epss", value="unknown", source=NO_EPSS)
    scores = _epss_scores(cve_ids, epss)
    if not scores:
        return RiskFactor(
            name="epss",
            value="not scored",
            source=f"{epss.provenance}: {_listed(cve_ids)} not listed",
        )
    value = "; ".join(f"{s.cve} {s.epss:.5g} (percentile {s.percentile:.5g})" for s in scores[:5])
    return RiskFactor(name="epss", value=value, source=epss.provenance)


def _listed(ids: Sequence[str]) -> str:
    unique = list(dict.fromkeys(ids))
    shown = ", ".join(unique[:5])
    return shown + (f" and {len(unique) - 5} more" if len(unique) > 5 else "")


def _decide(
    exploitation: Exploitation, exposure: str, automatable: bool, high_impact: bool
) -> Decision:
    reachable = exposure != "none"
    if exploitation == "active" and exposure == "internet" and (automatable or high_impact):
        return "act"
    if exploitation == "active" and reachable:
        return "attend"
    if exploitation == "poc" and exposure == "internet" and (automatable or high_impact):
        return "attend"
    if exposure == "internet" and automatable and high_impact:
        return "attend"
    if exploitation == "poc" and reachable:
        return "track*"
    if exposure == "internet" and (automatable or high_impact):
        return "track*"
    if exposure == "internal" and automatable and high_impact:
        return "track*"
    return "track"
