"""JFrog Xray unified report, on DefectDojo's files (BSD-3-Clause, see fixtures/defectdojo)."""

from __future__ import annotations

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected

FOLDER = DEFECTDOJO / "jfrog_xray_unified"


def test_a_row_is_a_package_in_an_artifact() -> None:
    report = parse_file(FOLDER / "one_vuln.json", expect_format="jfrog_xray_unified")
    assert report.results == 1
    (finding,) = report.findings
    assert finding.kind is FindingKind.SCA
    assert (finding.tool, finding.rule_id, finding.path) == ("JFrog Xray", "CVE-2020-28493", None)
    assert finding.tool_severity is Severity.MEDIUM
    details = finding.details
    assert isinstance(details, ScaDetails)
    assert (details.ecosystem, details.package, details.version) == ("PyPI", "Jinja2", "2.11.2")
    assert details.fixed_versions == ("2.11.3",)
    assert details.advisory_ids == ("CVE-2020-28493", "XRAY-139239")
    assert details.cvss_score == 5.3
    assert details.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"
    assert details.location is not None and details.location.startswith("pypi-remote/30/9e/")


def test_every_row_is_counted() -> None:
    report = parse_file(FOLDER / "many_vulns.json", expect_format="jfrog_xray_unified")
    assert (report.results, len(report.findings)) == (3, 3)


def test_an_empty_report_and_a_broken_row() -> None:
    empty = parse_document({"total_rows": 0, "rows": []}, expect_format="jfrog_xray_unified")
    assert (empty.results, empty.findings) == (0, ())
    with pytest.raises(ReportRejected, match=r"rows\[0\]"):
        registry.format_named("jfrog_xray_unified").parse({"total_rows": 1, "rows": ["x"]}, CONTEXT)
