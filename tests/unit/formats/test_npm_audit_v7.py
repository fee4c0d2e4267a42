"""npm audit JSON from npm 7+, on DefectDojo's npm audit reports (BSD-3-Clause, see
fixtures/defectdojo)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.formats import DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity
from tools.ingest.errors import ReportRejected

NPM7 = DEFECTDOJO / "npm_audit_7_plus"


def _sca(details: object) -> ScaDetails:
    assert isinstance(details, ScaDetails)
    return details


def _advisory_objects(path: Path) -> int:
    document = json.loads(path.read_text())
    return sum(
        isinstance(via, dict)
        for entry in document["vulnerabilities"].values()
        for via in entry["via"]
    )


def test_each_advisory_object_in_via_is_a_result_and_strings_are_not() -> None:
    report = parse_file(NPM7 / "one_vuln.json", expect_format="npm-audit-v7")
    # debug's "via" holds two advisories and the string "ms", a dependency reference.
    assert _advisory_objects(NPM7 / "one_vuln.json") == 2
    assert (report.results, report.ignored, report.quarantined) == (2, 0, ())
    by_rule = {f.rule_id: f for f in report.findings}
    assert set(by_rule) == {"GHSA-gxpj-cx7g-858c", "GHSA-9vvw-cc9w-f27h"}
    finding = by_rule["GHSA-9vvw-cc9w-f27h"]
    assert finding.kind is FindingKind.SCA
    assert finding.tool == "npm audit"
    assert finding.rule_name == "debug Inefficient Regular Expression Complexity vulnerability"
    assert finding.tool_severity is Severity.HIGH
    assert by_rule["GHSA-gxpj-cx7g-858c"].tool_severity is Severity.MEDIUM  # its own "moderate"
    assert finding.cwe_ids == ("CWE-1333",)
    assert "npm's fix: upgrade express to 4.18.3." in finding.message
    details = _sca(finding.details)
    assert (details.ecosystem, details.package, details.version) == ("npm", "debug", None)
    assert details.fixed_versions == ()  # the fix is express's, not debug's
    assert details.advisory_ids == ("GHSA-9vvw-cc9w-f27h",)
    assert (details.cvss_score, details.cvss_vector) == (
        7.5,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    )
    assert details.location == "node_modules/debug"


def test_packages_vulnerable_only_through_dependencies_add_nothing() -> None:
    report = parse_file(NPM7 / "many_vulns.json", expect_format="npm-audit-v7")
    # Six entries; @vercel/fun, @vercel/node and vercel only point at debug, semver, undici.
    assert _advisory_objects(NPM7 / "many_vulns.json") == 3
    assert report.results == 3
    assert sorted(_sca(f.details).package for f in report.findings) == ["debug", "semver", "undici"]


def test_an_npm_6_era_advisory_url_gives_the_numeric_id() -> None:
    path = DEFECTDOJO / "npm_audit" / "many_vuln_npm7.json"
    report = parse_file(path, expect_format="npm-audit-v7")
    assert report.results == _advisory_objects(path) == 8
    (acorn,) = [f for f in report.findings if _sca(f.details).package == "acorn"]
    assert acorn.rule_id == "1488"
    assert _sca(acorn.details).advisory_ids == ()


def test_empty_reports() -> None:
    report = parse_file(NPM7 / "no_vuln.json", expect_format="npm-audit-v7")
    assert (report.results, report.findings) == (0, ())
    one = parse_file(NPM7 / "issue_10801.json", expect_format="npm-audit-v7")
    assert one.results == len(one.findings) == 1


def _report(nodes: list[str], fix: Any) -> dict[str, Any]:
    via = {
        "source": 1096482,
        "name": "semver",
        "dependency": "semver",
        "title": "semver vulnerable to Regular Expression Denial of Service",
        "url": "https://github.com/advisories/GHSA-c2qf-rxjj-qqgw",
        "severity": "moderate",
        "cwe": ["CWE-1333"],
        "cvss": {"score": 5.3, "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"},
        "range": ">=7.0.0 <7.5.2",
    }
    entry = {"name": "semver", "severity": "moderate", "via": [via], "nodes": nodes}
    return {
        "auditReportVersion": 2,
        "vulnerabilities": {"semver": entry | {"fixAvailable": fix}},
        "metadata": {},
    }


def test_a_fix_of_the_package_itself_is_its_fixed_version_and_moves_keep_the_fingerprint() -> None:
    fix = {"name": "semver", "version": "7.5.2", "isSemVerMajor": False}
    (before,) = parse_document(
        _report(["node_modules/semver"], fix), expect_format="npm-audit-v7"
    ).findings
    (after,) = parse_document(
        _report(["node_modules/a/node_modules/semver"], True), expect_format="npm-audit-v7"
    ).findings
    assert _sca(before.details).fixed_versions == ("7.5.2",)
    assert _sca(after.details).location == "node_modules/a/node_modules/semver"
    assert before.fingerprint == after.fingerprint


def test_a_via_entry_that_is_neither_object_nor_string_is_refused() -> None:
    broken = _report(["node_modules/semver"], True)
    broken["vulnerabilities"]["semver"]["via"] = [42]
    with pytest.raises(
        ReportRejected, match=r"vulnerabilities\.semver\.via\[0\]: expected an object"
    ):
        parse_document(broken, expect_format="npm-audit-v7")
