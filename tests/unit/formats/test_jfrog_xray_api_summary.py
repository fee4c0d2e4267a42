"""JFrog Xray API summary/artifact, on DefectDojo's files (BSD-3-Clause)."""

from __future__ import annotations

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_file
from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected

FOLDER = DEFECTDOJO / "jfrog_xray_api_summary_artifact"
FORMAT = "jfrog_xray_api_summary"


def test_the_package_comes_from_the_impact_path_and_the_artifact_is_the_location() -> None:
    report = parse_file(FOLDER / "one_vuln.json", expect_format=FORMAT)
    (finding,) = report.findings
    assert finding.kind is FindingKind.SCA
    assert finding.rule_id == "XRAY-124116"
    assert finding.tool_severity is Severity.CRITICAL
    details = finding.details
    assert isinstance(details, ScaDetails)
    assert (details.package, details.version, details.ecosystem) == ("openssl", "1.1.1k-r0", None)
    assert details.cvss_score == 9.8
    assert details.cvss_vector == "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    assert details.location == (
        "artifact_path/artifact1/1.0/"
        "sha256__cbc330c4d62cdcdac9408f3fc679b06fc8a22b08638c8f25720f3cd621f52fb6.tar.gz"
    )


def test_each_impact_path_is_a_result() -> None:
    report = parse_file(FOLDER / "many_vulns.json", expect_format=FORMAT)
    assert (report.results, len(report.findings)) == (29, 29)
    cwes = {c for f in report.findings for c in f.cwe_ids}
    assert "CWE-416" in cwes


def test_no_issues_and_a_broken_issue() -> None:
    report = parse_file(FOLDER / "no_vuln.json", expect_format=FORMAT)
    assert (report.results, report.findings) == (0, ())
    document = {"artifacts": [{"general": {}, "issues": [7]}]}
    with pytest.raises(ReportRejected, match=r"artifacts\[0\]\.issues\[0\]"):
        registry.format_named(FORMAT).parse(document, CONTEXT)
