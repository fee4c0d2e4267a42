"""JFrog Xray legacy export, on DefectDojo's jfrogxray files (BSD-3-Clause)."""

from __future__ import annotations

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import ScaDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected

FOLDER = DEFECTDOJO / "jfrogxray"


def test_a_debian_version_with_an_epoch_colon_is_kept_whole() -> None:
    (finding,) = parse_file(FOLDER / "one_vuln.json", expect_format="jfrog_xray").findings
    assert finding.rule_id == "CVE-2018-14600"
    assert finding.cwe_ids == ("CWE-787",)
    assert finding.tool_severity is Severity.HIGH
    details = finding.details
    assert isinstance(details, ScaDetails)
    assert (details.ecosystem, details.package, details.version) == (
        "Debian",
        "libx11",
        "2:1.6.4-3",
    )
    assert details.fixed_versions == ("2:1.6.4-3+deb9u1",)
    assert details.cvss_score == 9.8


def test_every_entry_is_counted() -> None:
    report = parse_file(FOLDER / "many_vulns2.json", expect_format="jfrog_xray")
    assert (report.results, len(report.findings)) == (2, 2)
    assert {f.details.package for f in report.findings if isinstance(f.details, ScaDetails)} == {
        "pip",
        "linux",
    }


def test_empty_and_broken() -> None:
    empty = parse_document({"total_count": 0, "data": []}, expect_format="jfrog_xray")
    assert (empty.results, empty.findings) == (0, ())
    with pytest.raises(ReportRejected, match=r"data\[0\]"):
        registry.format_named("jfrog_xray").parse({"total_count": 1, "data": [None]}, CONTEXT)
