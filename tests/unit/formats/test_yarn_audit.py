"""yarn audit JSON Lines (yarn 1 and yarn 2+), on DefectDojo's yarn audit reports (BSD-3-Clause,
see fixtures/defectdojo)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import yarn_audit
from tools.ingest.loader import load_json

YARN = DEFECTDOJO / "yarn_audit"


def _sca(details: object) -> ScaDetails:
    assert isinstance(details, ScaDetails)
    return details


def test_a_yarn_1_advisory_line_carries_package_version_and_advisory() -> None:
    report = parse_file(YARN / "yarn_audit_one_vul.json", expect_format="yarn-audit")
    assert (report.results, report.ignored, report.quarantined) == (1, 0, ())
    assert report.complete is True
    (finding,) = report.findings
    assert finding.kind is FindingKind.SCA
    assert (finding.tool, finding.rule_id, finding.rule_name) == (
        "yarn audit",
        "1325",
        "Prototype Pollution",
    )
    assert finding.tool_severity is Severity.HIGH
    assert finding.cwe_ids == ("CWE-471",)
    details = _sca(finding.details)
    assert (details.ecosystem, details.package, details.version) == ("npm", "handlebars", "4.5.2")
    assert details.fixed_versions == (">=3.0.8 <4.0.0 || >=4.5.3",)
    assert details.location == "handlebars"


def test_repeated_advisory_lines_are_results_and_merge_per_installed_version() -> None:
    report = parse_file(YARN / "yarn_audit_multiple_cwes2.json", expect_format="yarn-audit")
    # Five auditAdvisory lines, all GHSA-93q8 in ansi-regex: four under npm advisory 1064843
    # (3.0.0 at two paths, 4.1.0 at two) and one under the older npm number 1028226 for 4.1.0.
    # The GHSA id is the rule, so the old and new npm numbers are one finding.
    assert report.results == 5
    versions = sorted((f.rule_id, _sca(f.details).version) for f in report.findings)
    assert versions == [("GHSA-93q8-gq69-wqmw", "3.0.0"), ("GHSA-93q8-gq69-wqmw", "4.1.0")]
    ghsa = report.findings[0]
    assert ghsa.cwe_ids == ("CWE-918", "CWE-1333")
    assert _sca(ghsa.details).advisory_ids == ("CVE-2021-3807", "GHSA-93q8-gq69-wqmw")


def test_three_advisories_and_the_summary_line() -> None:
    report = parse_file(YARN / "yarn_audit_many_vul.json", expect_format="yarn-audit")
    assert report.results == len(report.findings) == 3
    assert sorted(f.rule_id for f in report.findings) == ["1179", "1324", "1325"]


def test_yarn_2_lines_are_read_and_deprecations_are_ignored() -> None:
    report = parse_file(YARN / "yarn2_audit_issue9911.json", expect_format="yarn-audit")
    assert (report.results, report.ignored) == (4, 3)
    (finding,) = report.findings
    assert finding.rule_id == "GHSA-37q5-v5qm-c9v8"
    assert finding.rule_name == "Transformers Deserialization of Untrusted Data vulnerability"
    assert finding.tool_severity is Severity.LOW
    details = _sca(finding.details)
    assert (details.package, details.version) == ("transformers", "4.38")
    assert details.advisory_ids == ("GHSA-37q5-v5qm-c9v8",)
    assert details.location == "test@npm:1.13.0"


def test_an_error_instead_of_an_audit_is_refused_with_yarns_message() -> None:
    document, _raw = load_json(YARN / "empty_with_error.json", max_bytes=10_000)
    assert registry.detect(document).name == "yarn-audit"
    with pytest.raises(ReportRejected) as refused:
        yarn_audit.parse(document, CONTEXT)
    assert refused.value.reason.startswith("yarn audit did not run: An unexpected error occurred")
    assert "ECONNREFUSED" in refused.value.reason


def test_the_npm_6_layout_yarn_berry_once_printed_is_read_as_npm_audit() -> None:
    report = parse_file(YARN / "issue_6495.json", expect_format="npm-audit")
    assert report.results == len(report.findings) == 3


def _summary() -> dict[str, Any]:
    counts = {"info": 0, "low": 0, "moderate": 0, "high": 0, "critical": 0}
    return {"type": "auditSummary", "data": {"vulnerabilities": counts, "dependencies": 3}}


def test_a_clean_audit_is_a_single_summary_line() -> None:
    # One line: the loader hands over one object, not a list.
    report = parse_document(_summary(), expect_format="yarn-audit")
    assert (report.results, report.findings, report.complete) == (0, (), True)


def _advisory_line(path: str) -> dict[str, Any]:
    advisory = {
        "id": 1179,
        "module_name": "minimist",
        "title": "Prototype Pollution",
        "severity": "low",
        "cves": [],
        "findings": [{"version": "0.0.10", "paths": [path]}],
        "patched_versions": ">=0.2.1 <1.0.0 || >=1.2.3",
        "url": "https://npmjs.com/advisories/1179",
    }
    return {"type": "auditAdvisory", "data": {"resolution": {"path": path}, "advisory": advisory}}


def test_a_new_dependency_path_keeps_the_fingerprint() -> None:
    before = parse_document([_advisory_line("a>minimist"), _summary()], expect_format="yarn-audit")
    after = parse_document([_advisory_line("b>minimist"), _summary()], expect_format="yarn-audit")
    assert before.findings[0].fingerprint == after.findings[0].fingerprint


def test_an_error_beside_results_marks_the_report_incomplete() -> None:
    lines = [_advisory_line("a>minimist"), {"type": "error", "data": "socket hang up"}]
    report = parse_document(lines, expect_format="yarn-audit")
    assert (report.results, report.complete) == (1, False)


def test_an_advisory_line_without_an_advisory_object_is_refused() -> None:
    broken = [{"type": "auditAdvisory", "data": {"advisory": "minimist"}}, _summary()]
    with pytest.raises(ReportRejected, match=r"\[0\]\.data\.advisory: expected an object"):
        parse_document(broken, expect_format="yarn-audit")


def test_other_yarn_output_is_not_an_audit() -> None:
    assert not yarn_audit.looks_like([{"type": "info", "data": "Done in 0.1s."}])
    assert not yarn_audit.looks_like({"type": "auditSummary", "data": {}, "extra": 1})
    assert not yarn_audit.looks_like([])
