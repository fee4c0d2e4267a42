"""Exploit intelligence in the risk decision: KEV (active), EPSS and exploit maturity (PoC), CVSS.

Table-driven over decide_risk, a pure function; the snapshots are the shipped KEV and advisory
CVSS files and small EPSS files written here.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date

import pytest

from agent.proposal import Flag
from agent.risk import ReportedCvss, RiskDecision, decide_risk
from agent.runtime import Runtime
from agent.steps import propose
from agent.ticket import FindingSummary
from config.business import BusinessFacts
from config.risk import load_risk_rubric
from tools.findings.severity import Severity
from tools.intel.cvss import load_cvss
from tools.intel.epss import NO_EPSS, EpssCatalog, parse_epss
from tools.intel.kev import load_kev
from tools.repo.context import CodeContext, SnippetSource
from tools.repo.file_role import FileRole

KEV = load_kev()
RUBRIC = load_risk_rubric()
ADVISORIES = load_cvss()
EXPLOITED = "CVE-2025-48384"  # in the shipped KEV snapshot (2025-08-25)
LIKELY = "CVE-2099-1111"
UNLIKELY = "CVE-2099-2222"
UNSCORED = "CVE-2099-3333"
THRESHOLD = RUBRIC.exploitation.poc_min_epss
EPSS = parse_epss(
    "#model_version:v2099.01.01,score_date:2099-01-02T00:00:00+0000\n"
    "cve,epss,percentile\n"
    f"{EXPLOITED},0.00100,0.10000\n"
    f"{LIKELY},{THRESHOLD},0.95000\n"
    f"{UNLIKELY},{THRESHOLD - 0.0001:.5f},0.90000\n"
)
EPSS_SOURCE = "FIRST EPSS v2099.01.01 (scores of 2099-01-02)"
# In the advisory snapshot: GHSA-2gwj-7jmv-h26r, alias CVE-2022-28346 and PYSEC-2022-190.
DJANGO_CVE = "CVE-2022-28346"
DJANGO_GHSA = "GHSA-2gwj-7jmv-h26r"
DJANGO_VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
LOCAL_VECTOR = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"  # 1.8, not automatable


def _facts(exposure: str = "internet") -> BusinessFacts:
    return BusinessFacts.model_validate(
        {"exposure": exposure, "data_sensitivity": "low", "criticality": "low", "source": "test"}
    )


def _risk(
    *,
    cves: tuple[str, ...] = (),
    advisory_ids: tuple[str, ...] = (),
    reported: ReportedCvss | None = None,
    epss: EpssCatalog | None = EPSS,
    severity: Severity = Severity.LOW,
    cwe: str = "CWE-400",
    role: FileRole = FileRole.PRODUCTION,
    exposure: str = "internet",
) -> RiskDecision:
    return decide_risk(
        cve_ids=cves,
        cwe_ids=(cwe,),
        severity=severity,
        file_role=role,
        business=_facts(exposure),
        kev=KEV,
        rubric=RUBRIC,
        today=date(2026, 11, 28),
        advisory_ids=advisory_ids,
        reported_cvss=reported,
        epss=epss,
        advisories=ADVISORIES,
    )


def _factor(risk: RiskDecision, name: str) -> tuple[str, str]:
    found = [f for f in risk.factors if f.name == name]
    assert len(found) == 1
    return found[0].value, found[0].source


@pytest.mark.parametrize(
    ("cves", "vector", "epss", "value", "source"),
    [
        # KEV wins over everything, whatever EPSS says.
        ((EXPLOITED,), None, EPSS, f"active ({EXPLOITED} known exploited)", KEV.provenance),
        ((EXPLOITED, LIKELY), None, EPSS, f"active ({EXPLOITED} known exploited)", KEV.provenance),
        # EPSS at or above the rubric's threshold is a PoC; just below is not.
        (
            (LIKELY,),
            None,
            EPSS,
            f"poc (EPSS {LIKELY} {THRESHOLD:.5g} >= {THRESHOLD:g})",
            f"{EPSS_SOURCE}; risk rubric {RUBRIC.version}",
        ),
        ((UNLIKELY,), None, EPSS, "none known", f"{KEV.provenance}; {EPSS_SOURCE}"),
        ((UNSCORED,), None, EPSS, "none known", f"{KEV.provenance}; {EPSS_SOURCE}"),
        # No EPSS file: nothing is invented, and the factor says how to get one.
        ((LIKELY,), None, None, "none known", f"{KEV.provenance}; {NO_EPSS}"),
        # The report's own exploit-maturity metric (CVSS E) is a PoC, never "active".
        (
            (),
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:F",
            None,
            "poc (exploit maturity E:F in the CVSS vector)",
            "the report (Trivy), base score computed from its vector",
        ),
        (
            (),
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A",
            None,
            "poc (exploit maturity E:A in the CVSS vector)",
            "the report (Trivy)",
        ),
        (
            (),
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U",
            None,
            "none known",
            "no CVE on this finding; no exploit maturity in the CVSS vector (the report (Trivy), "
            "base score computed from its vector)",
        ),
        ((), None, EPSS, "none known", "no CVE on this finding"),
    ],
)
def test_exploitation_is_active_only_from_kev_and_poc_from_epss_or_exploit_maturity(
    cves: tuple[str, ...], vector: str | None, epss: EpssCatalog | None, value: str, source: str
) -> None:
    reported = ReportedCvss(score=None, vector=vector, tool="Trivy") if vector else None
    risk = _risk(cves=cves, reported=reported, epss=epss)
    assert _factor(risk, "exploitation") == (value, source)
    assert risk.factors[0].name == "exploitation"


@pytest.mark.parametrize(
    ("cves", "epss", "value", "source"),
    [
        ((), EPSS, "not applicable", "no CVE on this finding"),
        ((LIKELY,), None, "unknown", NO_EPSS),
        ((UNSCORED,), EPSS, "not scored", f"{EPSS_SOURCE}: {UNSCORED} not listed"),
        (
            (UNLIKELY, LIKELY),
            EPSS,
            f"{LIKELY} {THRESHOLD:.5g} (percentile 0.95); {UNLIKELY} 0.0999 (percentile 0.9)",
            EPSS_SOURCE,
        ),
    ],
)
def test_the_epss_factor_states_the_score_and_the_file_it_came_from(
    cves: tuple[str, ...], epss: EpssCatalog | None, value: str, source: str
) -> None:
    assert _factor(_risk(cves=cves, epss=epss), "epss") == (value, source)


def test_without_an_epss_file_the_factor_says_how_to_get_one() -> None:
    assert NO_EPSS == "no EPSS snapshot (run `appsec-triage intel update --epss`)"
    value, source = _factor(_risk(cves=(LIKELY,), epss=None), "epss")
    assert (value, source) == ("unknown", NO_EPSS)


@pytest.mark.parametrize(
    ("reported", "advisory_ids", "cves", "value", "source"),
    [
        # The report's score and vector win over the snapshot's, even when they differ.
        (
            ReportedCvss(score=3.1, vector=LOCAL_VECTOR, tool="Trivy"),
            (DJANGO_GHSA,),
            (DJANGO_CVE,),
            f"3.1 {LOCAL_VECTOR}",
            "the report (Trivy)",
        ),
        # A vector without a score: the base score is computed from it.
        (
            ReportedCvss(score=None, vector=LOCAL_VECTOR, tool="Grype"),
            (),
            (DJANGO_CVE,),
            f"1.8 {LOCAL_VECTOR}",
            "the report (Grype), base score computed from its vector",
        ),
        # A score without a vector is still the report's.
        (
            ReportedCvss(score=5.0, vector=None, tool="pip-audit"),
            (),
            (DJANGO_CVE,),
            "5.0",
            "the report (pip-audit)",
        ),
        # Nothing in the report: the snapshot, by CVE or by any advisory id, names its record.
        (
            ReportedCvss(score=None, vector=None, tool="Trivy"),
            (),
            (DJANGO_CVE,),
            f"9.8 {DJANGO_VECTOR}",
            f"advisory CVSS snapshot 2024-10-10: {DJANGO_GHSA} (GitHub Advisory Database)",
        ),
        (
            None,
            ("pysec-2022-190",),
            (),
            f"9.8 {DJANGO_VECTOR}",
            f"advisory CVSS snapshot 2024-10-10: {DJANGO_GHSA} (GitHub Advisory Database)",
        ),
        (
            None,
            ("PYSEC-2020-342",),
            (),
            "9.8 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "advisory CVSS snapshot 2024-10-10: PYSEC-2020-342 (PyPA advisory database)",
        ),
        (
            None,
            (),
            (UNSCORED,),
            "unknown",
            f"none in the report; {UNSCORED} not in the advisory CVSS snapshot 2024-10-10",
        ),
        (None, (), (), "unknown", "none in the report; no advisory id to look up"),
    ],
)
def test_cvss_comes_from_the_report_first_then_the_snapshot(
    reported: ReportedCvss | None,
    advisory_ids: tuple[str, ...],
    cves: tuple[str, ...],
    value: str,
    source: str,
) -> None:
    risk = _risk(cves=cves, advisory_ids=advisory_ids, reported=reported)
    assert _factor(risk, "cvss") == (value, source)


def test_a_high_cvss_makes_impact_high_and_a_network_vector_makes_it_automatable() -> None:
    plain = _risk(cves=(UNSCORED,))
    assert _factor(plain, "impact")[0] == "low"
    assert _factor(plain, "automatable")[0] == "no"
    assert plain.decision == "track"

    scored = _risk(cves=(DJANGO_CVE,))  # 9.8, AV:N/AC:L/PR:N/UI:N, from the snapshot
    impact_value, impact_source = _factor(scored, "impact")
    assert impact_value == "high"
    assert "CVSS 9.8 (high from 7.0) from advisory CVSS snapshot 2024-10-10" in impact_source
    automatable_value, automatable_source = _factor(scored, "automatable")
    assert automatable_value == "yes (CVSS AV:N/AC:L/PR:N/UI:N)"
    assert automatable_source.endswith(f"CVSS vector from {_factor(scored, 'cvss')[1]}")
    assert scored.decision == "attend"

    local = _risk(cves=(DJANGO_CVE,), reported=ReportedCvss(1.8, LOCAL_VECTOR, "Trivy"))
    assert (_factor(local, "impact")[0], _factor(local, "automatable")[0]) == ("low", "no")


@pytest.mark.parametrize(
    ("cves", "role", "exposure", "severity", "cwe", "decision"),
    [
        # PoC one step below active, one above none, for the same finding.
        ((EXPLOITED,), FileRole.PRODUCTION, "internet", Severity.LOW, "CWE-89", "act"),
        ((LIKELY,), FileRole.PRODUCTION, "internet", Severity.LOW, "CWE-89", "attend"),
        ((UNLIKELY,), FileRole.PRODUCTION, "internet", Severity.LOW, "CWE-89", "track*"),
        ((EXPLOITED,), FileRole.PRODUCTION, "internal", Severity.LOW, "CWE-400", "attend"),
        ((LIKELY,), FileRole.PRODUCTION, "internal", Severity.LOW, "CWE-400", "track*"),
        ((UNLIKELY,), FileRole.PRODUCTION, "internal", Severity.LOW, "CWE-400", "track"),
        ((LIKELY,), FileRole.PRODUCTION, "internet", Severity.LOW, "CWE-400", "track*"),
        ((UNLIKELY,), FileRole.PRODUCTION, "internet", Severity.LOW, "CWE-400", "track"),
        # Code that does not ship is not reachable: a PoC changes nothing there.
        ((LIKELY,), FileRole.TEST, "internet", Severity.HIGH, "CWE-89", "track"),
    ],
)
def test_poc_sits_between_active_and_none(
    cves: tuple[str, ...],
    role: FileRole,
    exposure: str,
    severity: Severity,
    cwe: str,
    decision: str,
) -> None:
    risk = _risk(cves=cves, role=role, exposure=exposure, severity=severity, cwe=cwe)
    assert risk.decision == decision
    assert risk.priority == RUBRIC.priority[risk.decision]


_URGENCY = {"track": 0, "track*": 1, "attend": 2, "act": 3}


@pytest.mark.parametrize(
    ("exposure", "role", "cwe", "severity"),
    list(
        itertools.product(
            ("internet", "internal", "none"),
            (FileRole.PRODUCTION, FileRole.VENDORED),
            ("CWE-89", "CWE-400"),
            (Severity.LOW, Severity.HIGH),
        )
    ),
)
def test_more_exploitation_never_means_less_urgency(
    exposure: str, role: FileRole, cwe: str, severity: Severity
) -> None:
    ranks = [
        _URGENCY[
            _risk(cves=(cve,), role=role, exposure=exposure, severity=severity, cwe=cwe).decision
        ]
        for cve in (UNLIKELY, LIKELY, EXPLOITED)
    ]
    assert ranks == sorted(ranks)


def _summary(cve: str, severity: str = "low") -> FindingSummary:
    return FindingSummary(
        id=1,
        repository="acme/app",
        tool="Trivy",
        rule_id=cve,
        rule_name=None,
        cwe_ids=(),
        message=f"libfoo 1.0 is affected by {cve}",
        tool_severity=severity,
        path="requirements.txt",
        start_line=None,
        end_line=None,
        fingerprint="f" * 64,
        kind="sca",
        cve_ids=(cve,),
        advisory_ids=(cve,),
    )


_CONTEXT = CodeContext(
    file_role=FileRole.PRODUCTION,
    language=None,
    snippet=None,
    snippet_start=None,
    snippet_end=None,
    source=SnippetSource.NONE,
)


@pytest.mark.parametrize(
    ("cve", "severity", "flagged"),
    [
        (EXPLOITED, Severity.HIGH, True),  # KEV: the floor raises low to high
        (LIKELY, Severity.LOW, False),  # a PoC by EPSS changes priority, never the floor
        (UNLIKELY, Severity.LOW, False),
    ],
)
def test_the_kev_floor_is_kevs_alone(
    runtime: Runtime, cve: str, severity: Severity, flagged: bool
) -> None:
    deps = dataclasses.replace(runtime.deps(), epss=EPSS)
    proposal = propose(deps, _summary(cve), _CONTEXT)
    assert proposal.severity == severity
    assert (Flag.KNOWN_EXPLOITED in proposal.flags) is flagged
    assert proposal.risk is not None
    exploitation = proposal.risk.factors[0]
    assert exploitation.value.startswith({EXPLOITED: "active", LIKELY: "poc"}.get(cve, "none"))


def test_the_runtime_has_no_epss_until_one_is_downloaded(runtime: Runtime) -> None:
    deps = runtime.deps()
    assert deps.epss is None
    assert deps.advisory_cvss is not None
    proposal = propose(deps, _summary(LIKELY), _CONTEXT)
    assert proposal.risk is not None
    assert _factor(proposal.risk, "epss") == ("unknown", NO_EPSS)
