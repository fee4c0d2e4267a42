"""npm audit JSON from npm 6, on DefectDojo's npm audit reports (BSD-3-Clause, see
fixtures/defectdojo)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import npm_audit
from tools.ingest.loader import load_json

NPM_AUDIT = DEFECTDOJO / "npm_audit"


def _sca(details: object) -> ScaDetails:
    assert isinstance(details, ScaDetails)
    return details


def test_one_advisory_carries_package_version_fix_cve_and_cwe() -> None:
    report = parse_file(NPM_AUDIT / "one_vuln.json", expect_format="npm-audit")
    assert (report.results, report.ignored, report.quarantined) == (1, 0, ())
    (finding,) = report.findings
    assert finding.kind is FindingKind.SCA
    assert (finding.tool, finding.rule_id, finding.rule_name) == (
        "npm audit",
        "146",
        "Command Injection",
    )
    assert finding.tool_severity is Severity.CRITICAL
    assert finding.cwe_ids == ("CWE-94",)
    assert finding.message.startswith("Command Injection\n\nAffected versions of `growl`")
    details = _sca(finding.details)
    assert (details.ecosystem, details.package, details.version) == ("npm", "growl", "1.9.2")
    assert details.fixed_versions == (">=1.10.2",)
    assert details.advisory_ids == ("CVE-2017-16042",)
    assert details.location == "mocha-jenkins-reporter>mocha>growl"


def test_each_installed_version_of_an_advisory_is_a_result() -> None:
    report = parse_file(NPM_AUDIT / "multiple_cwes.json", expect_format="npm-audit")
    document = json.loads((NPM_AUDIT / "multiple_cwes.json").read_text())
    entries = sum(len(a["findings"]) for a in document["advisories"].values())
    assert (len(document["advisories"]), entries) == (41, 55)
    assert report.results == 55
    # 41 advisories; three of them affect two distinct installed versions.
    assert len(report.findings) == 44
    ansi = [f for f in report.findings if f.rule_id == "GHSA-93q8-gq69-wqmw"]
    assert sorted(_sca(f.details).version or "" for f in ansi) == ["3.0.0", "4.1.0"]
    first = ansi[0]
    # npm 6 writes the CWE list JSON-encoded into a string: '["CWE-918","CWE-1333"]'.
    assert first.cwe_ids == ("CWE-918", "CWE-1333")
    details = _sca(first.details)
    assert details.advisory_ids == ("CVE-2021-3807", "GHSA-93q8-gq69-wqmw")
    assert (details.cvss_score, details.cvss_vector) == (
        7.5,
        "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    )
    assert first.tool_severity is Severity.MEDIUM  # npm's "moderate"


def test_a_null_cwe_and_an_empty_report() -> None:
    (finding,) = parse_file(NPM_AUDIT / "cwe_null.json", expect_format="npm-audit").findings
    assert finding.cwe_ids == ()
    empty = parse_file(NPM_AUDIT / "no_vuln.json", expect_format="npm-audit")
    assert (empty.results, empty.findings, empty.complete) == (0, (), True)


def test_an_error_instead_of_a_report_is_refused_with_npms_summary() -> None:
    document, _raw = load_json(NPM_AUDIT / "empty_with_error.json", max_bytes=10_000)
    assert registry.detect(document).name == "npm-audit"
    with pytest.raises(ReportRejected) as refused:
        npm_audit.parse(document, CONTEXT)
    assert refused.value.reason.startswith("error: npm audit failed (ENOAUDIT): Your configured")
    assert "\n" not in refused.value.reason


def test_the_npm_7_layout_is_not_this_format() -> None:
    document, _raw = load_json(NPM_AUDIT / "many_vuln_npm7.json", max_bytes=100_000)
    assert not npm_audit.looks_like(document)
    assert registry.detect(document).name == "npm-audit-v7"


def _report(paths: list[str]) -> dict[str, Any]:
    advisory = {
        "id": 1325,
        "module_name": "handlebars",
        "title": "Prototype Pollution",
        "severity": "high",
        "cwe": "CWE-471",
        "cves": [],
        "patched_versions": ">=4.5.3",
        "url": "https://npmjs.com/advisories/1325",
        "findings": [{"version": "4.5.2", "paths": paths}],
    }
    return {"actions": [], "advisories": {"1325": advisory}, "muted": [], "metadata": {}}


def test_a_new_dependency_path_keeps_the_fingerprint() -> None:
    (before,) = parse_document(_report(["handlebars"]), expect_format="npm-audit").findings
    (after,) = parse_document(_report(["a>handlebars"]), expect_format="npm-audit").findings
    assert _sca(after.details).location == "a>handlebars"
    assert before.fingerprint == after.fingerprint


def test_no_patched_version_means_no_fixed_version() -> None:
    report = _report(["handlebars"])
    report["advisories"]["1325"]["patched_versions"] = "<0.0.0"
    (finding,) = parse_document(report, expect_format="npm-audit").findings
    assert _sca(finding.details).fixed_versions == ()


def test_an_advisory_that_is_not_an_object_is_refused_with_its_path() -> None:
    broken = {"actions": [], "advisories": {"1325": "handlebars"}, "muted": [], "metadata": {}}
    with pytest.raises(ReportRejected, match=r"advisories\.1325: expected an object"):
        parse_document(broken, expect_format="npm-audit")
