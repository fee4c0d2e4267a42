"""Snyk Open Source and Container JSON, on DefectDojo's Snyk reports (BSD-3-Clause, see
fixtures/defectdojo)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.formats import DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import snyk

SNYK = DEFECTDOJO / "snyk"


def _sca(details: object) -> ScaDetails:
    assert isinstance(details, ScaDetails)
    return details


def test_one_vulnerability_carries_manifest_package_fix_and_scores() -> None:
    report = parse_file(SNYK / "single_project_one_vuln_with_ampersands.json", expect_format="snyk")
    assert (report.results, report.ignored, report.quarantined) == (1, 0, ())
    (finding,) = report.findings
    assert finding.kind is FindingKind.SCA
    assert (finding.tool, finding.rule_id, finding.rule_name) == (
        "Snyk",
        "SNYK-JS-LODASH-590103",
        "Prototype Pollution",
    )
    assert finding.tool_severity is Severity.CRITICAL
    assert finding.cwe_ids == ("CWE-400",)
    assert finding.path == "package-lock.json"
    assert finding.message.startswith("Prototype Pollution\n\n## Overview")
    details = _sca(finding.details)
    assert (details.ecosystem, details.package, details.version) == ("npm", "lodash", "4.17.13")
    assert details.fixed_versions == ("4.17.20",)
    assert details.advisory_ids == ("SNYK-JS-LODASH-590103",)
    assert (details.cvss_score, details.cvss_vector) == (
        9.8,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    )


def test_all_projects_keeps_each_projects_manifest() -> None:
    report = parse_file(SNYK / "all-projects_many_vulns.json", expect_format="snyk")
    assert (report.results, len(report.findings)) == (4, 4)
    by_place = {(f.path, f.rule_id): f for f in report.findings}
    # Windows separators in displayTargetFile become "/".
    guava = by_place[("project-a/pom.xml", "SNYK-JAVA-COMGOOGLEGUAVA-32236")]
    details = _sca(guava.details)
    assert (details.ecosystem, details.package, details.version) == (
        "Maven",
        "com.google.guava:guava",
        "22.0",
    )
    assert details.advisory_ids == (
        "CVE-2018-10237",
        "GHSA-mvr2-9pj6-7w5j",
        "SNYK-JAVA-COMGOOGLEGUAVA-32236",
    )
    assert guava.cwe_ids == ("CWE-119",)
    assert {p for p, _ in by_place} == {"pom.xml", "project-a/pom.xml", "project-b/pom.xml"}


def test_a_container_scan_reads_os_packages_and_the_applications_inside() -> None:
    path = SNYK / "snykcontainer_issue_epss.json"
    document = json.loads(path.read_text())
    raw = len(document["vulnerabilities"]) + len(document["applications"][0]["vulnerabilities"])
    report = parse_file(path, expect_format="snyk")
    assert report.results == raw == 13
    (gcc,) = [f for f in report.findings if f.rule_id == "SNYK-DEBIAN11-GCC10-5901313"]
    details = _sca(gcc.details)
    assert (details.ecosystem, details.package, details.version) == ("Debian", "gcc-10", "10.2.1-6")
    assert details.advisory_ids == ("CVE-2023-4039", "SNYK-DEBIAN11-GCC10-5901313")
    assert gcc.path is None
    assert details.location == "sarim04/juiceshop:latest/juiceshop"
    assert gcc.tool_severity is Severity.LOW
    (jwt,) = [f for f in report.findings if f.rule_id == "SNYK-JS-EXPRESSJWT-575022"]
    # The application's manifest is a path inside the image: kept aside, not a repository path.
    assert jwt.path is None
    assert _sca(jwt.details).location == "/juice-shop/package.json"


def test_empty_reports() -> None:
    single = parse_file(SNYK / "single_project_no_vulns.json", expect_format="snyk")
    assert (single.results, single.findings, single.complete) == (0, (), True)
    several = parse_file(SNYK / "all-projects_no_vulns.json", expect_format="snyk")
    assert (several.results, several.findings) == (0, ())


def _project(paths: list[list[str]], **extra: Any) -> dict[str, Any]:
    vulns = [
        {
            "id": "SNYK-JS-MINIMIST-559764",
            "title": "Prototype Pollution",
            "severity": "medium",
            "packageName": "minimist",
            "name": "minimist",
            "version": "0.0.8",
            "packageManager": "npm",
            "from": path,
            "identifiers": {"CVE": ["CVE-2020-7598"], "CWE": ["CWE-400"], "GHSA": []},
            "fixedIn": ["0.2.1", "1.2.3"],
        }
        for path in paths
    ]
    return {
        "ok": False,
        "vulnerabilities": vulns,
        "packageManager": "npm",
        "displayTargetFile": "package-lock.json",
        "dependencyCount": 3,
    } | extra


def test_dependency_paths_of_one_package_merge_and_do_not_move_the_fingerprint() -> None:
    two = parse_document(
        _project([["app", "a", "minimist"], ["app", "b", "minimist"]]), expect_format="snyk"
    )
    assert (two.results, len(two.findings)) == (2, 1)
    one = parse_document(_project([["app", "c", "minimist"]]), expect_format="snyk")
    assert two.findings[0].fingerprint == one.findings[0].fingerprint


def test_ignored_issues_and_failed_projects_are_counted() -> None:
    ignored = {"ignore": [{"id": "SNYK-JS-X-1"}, {"id": "SNYK-JS-X-2"}], "patch": []}
    failed = {"ok": False, "error": "Could not detect supported target files", "path": "/src/b"}
    report = parse_document(
        [_project([["app", "minimist"]], filtered=ignored), failed], expect_format="snyk"
    )
    assert (report.results, report.ignored, len(report.findings)) == (3, 2, 1)
    assert report.complete is False


def test_a_lone_error_is_refused_with_snyks_message() -> None:
    failed = {
        "ok": False,
        "error": "Could not detect supported target files in /src",
        "path": "/src",
    }
    with pytest.raises(ReportRejected, match="snyk did not test anything: Could not detect"):
        parse_document(failed, expect_format="snyk")
    assert not snyk.looks_like({"ok": False, "error": "invalid_auth"})  # a web API's answer


def test_a_vulnerability_without_an_id_is_refused_with_its_path() -> None:
    broken = _project([["app", "minimist"]])
    del broken["vulnerabilities"][0]["id"]
    with pytest.raises(ReportRejected, match=r"^vulnerabilities\[0\]: the required 'id'"):
        parse_document(broken, expect_format="snyk")
