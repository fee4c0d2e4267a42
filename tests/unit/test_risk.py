"""The SSVC-style risk decision, table-driven, and the KEV severity floor."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from agent.policy import assess
from agent.proposal import Flag
from agent.risk import decide_risk
from config.business import BusinessContext, BusinessFacts, ContextEntry, load_business_context
from config.risk import load_risk_rubric
from config.rubric import load_rubric
from tools.findings.cve import cve_ids_in
from tools.findings.severity import Severity
from tools.intel.kev import load_kev
from tools.repo.file_role import FileRole

KEV = load_kev()
RUBRIC = load_risk_rubric()
EXPLOITED = "CVE-2025-48384"  # in the shipped 2025-08-25 snapshot
NOT_EXPLOITED = "CVE-2099-0001"


def _facts(exposure: str, level: str = "medium") -> BusinessFacts:
    return BusinessFacts.model_validate(
        {"exposure": exposure, "data_sensitivity": level, "criticality": level, "source": "test"}
    )


@pytest.mark.parametrize(
    ("cve", "cwe", "severity", "role", "exposure", "level", "decision", "priority"),
    [
        (
            EXPLOITED,
            "CWE-59",
            Severity.HIGH,
            FileRole.PRODUCTION,
            "internet",
            "medium",
            "act",
            "P1",
        ),
        (EXPLOITED, "CWE-59", Severity.LOW, FileRole.PRODUCTION, "internal", "low", "attend", "P2"),
        (EXPLOITED, "CWE-59", Severity.HIGH, FileRole.TEST, "internet", "high", "track", "P4"),
        (None, "CWE-89", Severity.HIGH, FileRole.PRODUCTION, "internet", "medium", "attend", "P2"),
        (None, "CWE-89", Severity.MEDIUM, FileRole.PRODUCTION, "internet", "low", "track*", "P3"),
        (None, "CWE-89", Severity.MEDIUM, FileRole.PRODUCTION, "internet", "high", "attend", "P2"),
        (None, "CWE-89", Severity.HIGH, FileRole.PRODUCTION, "internal", "medium", "track*", "P3"),
        (None, "CWE-400", Severity.LOW, FileRole.PRODUCTION, "internal", "low", "track", "P4"),
        (None, "CWE-89", Severity.HIGH, FileRole.PRODUCTION, "unknown", "unknown", "attend", "P2"),
        (
            NOT_EXPLOITED,
            "CWE-400",
            Severity.LOW,
            FileRole.VENDORED,
            "internet",
            "low",
            "track",
            "P4",
        ),
    ],
)
def test_decision_table(
    cve: str | None,
    cwe: str,
    severity: Severity,
    role: FileRole,
    exposure: str,
    level: str,
    decision: str,
    priority: str,
) -> None:
    risk = decide_risk(
        cve_ids=(cve,) if cve else (),
        cwe_ids=(cwe,),
        severity=severity,
        file_role=role,
        business=_facts(exposure, level),
        kev=KEV,
        rubric=RUBRIC,
        today=date(2026, 11, 27),
    )
    assert (risk.decision, risk.priority) == (decision, priority)
    assert (
        risk.sla_due == date.fromordinal(date(2026, 11, 27).toordinal() + risk.sla_days).isoformat()
    )
    assert [f.name for f in risk.factors] == [
        "exploitation",
        "epss",
        "cvss",
        "exposure",
        "automatable",
        "impact",
    ]
    assert all(f.source for f in risk.factors)


def test_exploitation_names_the_catalogue_it_came_from() -> None:
    risk = decide_risk(
        cve_ids=(EXPLOITED,),
        cwe_ids=(),
        severity=Severity.HIGH,
        file_role=FileRole.PRODUCTION,
        business=_facts("internet"),
        kev=KEV,
        rubric=RUBRIC,
        today=date(2026, 1, 1),
    )
    assert risk.factors[0].value == f"active ({EXPLOITED} known exploited)"
    assert risk.factors[0].source == "CISA KEV 2025.08.25 (released 2025-08-25)"


@pytest.mark.parametrize("role", [FileRole.PRODUCTION, FileRole.TEST, FileRole.VENDORED])
def test_a_known_exploited_cve_is_never_below_high(role: FileRole) -> None:
    proposal = assess(
        tool="Trivy",
        rule_id=EXPLOITED,
        cwe_ids=(),
        tool_severity=Severity.LOW,
        file_role=role,
        rubric=load_rubric(),
        known_exploited=(EXPLOITED,),
    )
    assert proposal.severity == Severity.HIGH
    assert Flag.KNOWN_EXPLOITED in proposal.flags


def test_cve_ids_are_found_and_normalised() -> None:
    assert cve_ids_in("cve-2021-44228 in log4j", None, "see CVE-2021-44228 and CVE-2024-12345") == (
        "CVE-2021-44228",
        "CVE-2024-12345",
    )


def test_business_context_first_match_wins_and_unknown_is_explicit(tmp_path: Path) -> None:
    context = load_business_context(Path(__file__).parents[2] / "config" / "business.example.toml")
    assert context.facts_for("example/notesvc", "app/db.py").exposure == "internet"
    assert context.facts_for("example/notesvc", "tests/t.py").exposure == "internal"
    unknown = context.facts_for("elsewhere/repo", "x.py")
    assert (unknown.exposure, unknown.source) == ("unknown", "no business context entry matched")
    assert (
        BusinessContext(entries=(ContextEntry(repository="a/*", exposure="none"),))
        .facts_for("a/b", None)
        .exposure
        == "none"
    )
