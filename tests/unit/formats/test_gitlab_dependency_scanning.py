"""GitLab dependency-scanning reports, on DefectDojo's reports (BSD-3-Clause, see
fixtures/defectdojo) and small reports built here."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected

GITLAB = DEFECTDOJO / "gitlab_dep_scan"
FORMAT = "gitlab-dependency-scanning"


def _report(*vulnerabilities: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "15.0.0",
        "vulnerabilities": list(vulnerabilities),
        "dependency_files": [{"path": "requirements.txt", "package_manager": "pip"}],
        "scan": {
            "type": "dependency_scanning",
            "status": "success",
            "scanner": {"id": "gemnasium-python", "name": "Gemnasium", "version": "5.2.0"},
        },
    }


def _vulnerability(**extra: Any) -> dict[str, Any]:
    return {
        "id": "x",
        "name": "Improper Input Validation",
        "description": "Django before 4.2.2 is vulnerable.",
        "severity": "Critical",
        "solution": "Upgrade to versions 3.2.20, 4.1.10 or above.",
        "location": {
            "file": "requirements.txt",
            "dependency": {"package": {"name": "django"}, "version": "3.2.1"},
        },
        "identifiers": [
            {"type": "gemnasium", "name": "Gemnasium-1f2e", "value": "1f2e"},
            {"type": "ghsa", "name": "GHSA-jh3w-4vvf-mjgr", "value": "GHSA-jh3w-4vvf-mjgr"},
            {"type": "cve", "name": "CVE-2023-36053", "value": "CVE-2023-36053"},
            {"type": "cwe", "name": "CWE-20", "value": "20"},
        ],
        "cvss_vectors": [
            {"vendor": "GitLab", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}
        ],
        **extra,
    }


def test_an_entry_is_a_vulnerable_package_with_its_advisories_and_fix() -> None:
    report = parse_file(
        GITLAB / "gl-dependency-scanning-report-many-vuln_v15.json", expect_format=FORMAT
    )
    assert (report.results, report.ignored, len(report.findings)) == (6, 0, 6)
    finding = next(
        f
        for f in report.findings
        if isinstance(f.details, ScaDetails) and f.details.version == "v0.3.0"
    )
    assert finding.kind is FindingKind.SCA
    assert (finding.tool, finding.tool_version) == ("Gemnasium", "2.24.1")
    assert finding.rule_id == "8ab0265a-d1a9-4085-a661-0d9d9931f0ad"
    assert finding.path == "service/go.sum"
    assert finding.tool_severity is Severity.HIGH
    assert finding.details == ScaDetails(
        package="golang.org/x/text",
        version="v0.3.0",
        ecosystem="Go",
        fixed_versions=("0.3.3",),
        advisory_ids=("CVE-2020-14040", "8ab0265a-d1a9-4085-a661-0d9d9931f0ad"),
    )


def test_a_v14_entry_with_unknown_severity() -> None:
    report = parse_file(
        GITLAB / "gl-dependency-scanning-report-1-vuln_v14.json", expect_format=FORMAT
    )
    (finding,) = report.findings
    assert finding.tool_severity is Severity.MEDIUM  # "Unknown": the default
    assert finding.rule_name == "XML Entity Expansion"
    assert isinstance(finding.details, ScaDetails)
    assert (finding.details.package, finding.details.version) == ("gopkg.in/yaml.v2", "v2.2.2")


def test_a_missing_package_name_is_read_from_the_compare_key() -> None:
    report = parse_file(
        GITLAB / "gl-dependency-scanning-report-2-vuln-missing-component_v15.json",
        expect_format=FORMAT,
    )
    assert report.results == 2
    details = {f.rule_id: f.details for f in report.findings}
    yaml = details["7368f513-0aa9-4e34-a08d-40ea81f48e0e"]
    assert isinstance(yaml, ScaDetails)
    assert (yaml.package, yaml.version) == ("gopkg.in/yaml.v2", None)


def test_every_identifier_cvss_vector_and_the_manifest_ecosystem_are_read() -> None:
    (finding,) = parse_document(_report(_vulnerability()), expect_format=FORMAT).findings
    assert finding.cwe_ids == ("CWE-20",)
    assert finding.tool_severity is Severity.CRITICAL
    assert finding.details == ScaDetails(
        package="django",
        version="3.2.1",
        ecosystem="PyPI",
        fixed_versions=("3.2.20", "4.1.10"),
        advisory_ids=("CVE-2023-36053", "GHSA-jh3w-4vvf-mjgr", "1f2e"),
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    )


def test_the_same_package_version_and_advisory_keeps_its_fingerprint_across_scans() -> None:
    first = parse_document(_report(_vulnerability(id="a")), expect_format=FORMAT)
    second = parse_document(
        _report(_vulnerability(id="b", description="Updated text.")), expect_format=FORMAT
    )
    assert first.findings[0].fingerprint == second.findings[0].fingerprint
    upgraded = {
        "file": "requirements.txt",
        "dependency": {"package": {"name": "django"}, "version": "4.0"},
    }
    other = parse_document(_report(_vulnerability(location=upgraded)), expect_format=FORMAT)
    assert other.findings[0].fingerprint != first.findings[0].fingerprint


def test_an_empty_report() -> None:
    report = parse_file(GITLAB / "gl-dependency-scanning-report-0-vuln.json", expect_format=FORMAT)
    assert (report.results, report.findings, report.complete) == (0, (), True)


def test_a_sast_report_is_not_dependency_scanning() -> None:
    document = _report(_vulnerability())
    document["scan"]["type"] = "sast"
    assert registry.format_named(FORMAT).looks_like(document) is False


@pytest.mark.parametrize(
    ("document", "where"),
    [
        (_report(_vulnerability(identifiers="CVE-1")), "vulnerabilities[0].identifiers"),
        (_report(_vulnerability(location={"dependency": []})), "vulnerabilities[0].location"),
        ({**_report(), "dependency_files": [7]}, "dependency_files[0]"),
    ],
)
def test_a_structurally_broken_report_is_rejected(document: dict[str, Any], where: str) -> None:
    with pytest.raises(ReportRejected, match="^" + re.escape(where)):
        registry.format_named(FORMAT).parse(document, CONTEXT)
