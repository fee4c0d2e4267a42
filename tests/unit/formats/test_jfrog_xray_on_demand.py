"""JFrog Xray on-demand binary scan, on DefectDojo's files (BSD-3-Clause)."""

from __future__ import annotations

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_file
from tools.findings.finding import ScaDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected

FOLDER = DEFECTDOJO / "jfrog_xray_on_demand_binary_scan"
FORMAT = "jfrog_xray_on_demand"


def test_a_component_of_a_vulnerability_is_a_result() -> None:
    (finding,) = parse_file(FOLDER / "one_vuln.json", expect_format=FORMAT).findings
    assert finding.rule_id == "CVE-2014-0114"
    assert finding.tool_severity is Severity.HIGH
    details = finding.details
    assert isinstance(details, ScaDetails)
    assert (details.ecosystem, details.package) == ("Maven", "test")
    assert details.fixed_versions == ("1.9.4",)
    assert details.advisory_ids == ("CVE-2014-0114", "XRAY-55616")
    assert (
        details.location == "gav://co.com.test.test:core:1.0.0-test/lib/commons-beanutils-1.9.2.jar"
    )


def test_a_docker_scan_gives_one_finding_per_package() -> None:
    report = parse_file(FOLDER / "many_vulns_docker.json", expect_format=FORMAT)
    assert (report.results, len(report.findings)) == (4, 4)
    packages = {
        (f.details.package, f.details.version)
        for f in report.findings
        if isinstance(f.details, ScaDetails)
    }
    assert packages == {("libcrypto3", "3.1.1-r1"), ("libssl3", "3.1.1-r1")}
    # Xray's "Unknown" severity is no severity: the CVSS score (or medium) decides.
    assert all(f.tool_severity is not Severity.INFO for f in report.findings)


def test_a_broken_scan_is_rejected() -> None:
    with pytest.raises(ReportRejected, match=r"\[0\]\.vulnerabilities\[0\]"):
        registry.format_named(FORMAT).parse([{"scan_id": "s", "vulnerabilities": [1]}], CONTEXT)
