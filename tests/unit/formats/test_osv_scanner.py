"""OSV-Scanner JSON, on DefectDojo's OSV-Scanner reports (BSD-3-Clause, see fixtures/defectdojo)
and on reports written here for alias groups, git sources and relative lock-file paths."""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element  # nosec B405  # builds a test value, parses nothing

import pytest

from tests.support.formats import DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import osv_scanner

OSV = DEFECTDOJO / "osv_scanner"


def _sca(details: object) -> ScaDetails:
    assert isinstance(details, ScaDetails)
    return details


def test_a_malicious_package_record_is_an_sca_finding() -> None:
    report = parse_file(OSV / "some_findings.json", expect_format="osv-scanner")
    assert (report.results, report.ignored, report.quarantined) == (1, 0, ())
    (finding,) = report.findings
    assert finding.kind is FindingKind.SCA
    assert (finding.tool, finding.rule_id) == ("OSV-Scanner", "MAL-2023-1035")
    assert finding.rule_name == "Malicious code in flot-axis (npm)"
    assert finding.cwe_ids == ("CWE-506",)
    assert finding.tool_severity is Severity.MEDIUM  # the record rates nothing
    assert finding.path is None  # an absolute path of the scanning machine
    details = _sca(finding.details)
    assert (details.package, details.version, details.ecosystem) == ("flot-axis", "0.0.0", "npm")
    assert details.advisory_ids == ("GHSA-8348-2q94-ffjx", "MAL-2023-1035")
    assert details.location == "/tmp/components/yarn.lock"
    assert details.fixed_versions == ()


def test_every_cwe_of_a_record_is_kept() -> None:
    report = parse_file(OSV / "multi_cwe_fabricated.json", expect_format="osv-scanner")
    (finding,) = report.findings
    assert finding.cwe_ids == ("CWE-79", "CWE-89")


def _record(record_id: str, aliases: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "id": record_id,
        "aliases": aliases,
        "summary": "Unintended leak of Proxy-Authorization header in requests",
        "details": "Requests forwards proxy credentials to the destination server.",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "requests", "purl": "pkg:pypi/requests"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}]},
                    {
                        "type": "GIT",
                        "repo": "https://github.com/psf/requests",
                        "events": [{"introduced": "0"}, {"fixed": "74ea7cf7a6a2"}],
                    },
                ],
            }
        ],
        **extra,
    }


def _report(path: str, *, groups: bool = True) -> dict[str, Any]:
    package: dict[str, Any] = {
        "package": {"name": "requests", "version": "2.29.0", "ecosystem": "PyPI"},
        "vulnerabilities": [
            _record(
                "GHSA-j8r2-6x86-q33q",
                ["CVE-2023-32681", "PYSEC-2023-74"],
                severity=[
                    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"}
                ],
                database_specific={"severity": "MODERATE", "cwe_ids": ["CWE-200"]},
            ),
            _record("PYSEC-2023-74", ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"]),
        ],
    }
    if groups:
        package["groups"] = [
            {
                "ids": ["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"],
                "aliases": ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"],
                "max_severity": "6.1",
            }
        ]
    return {
        "results": [{"source": {"path": path, "type": "lockfile"}, "packages": [package]}],
        "experimental_config": {"licenses": {"summary": False, "allowlist": None}},
    }


def test_records_of_one_alias_group_are_one_finding_and_two_results() -> None:
    report = parse_document(_report("services/api/requirements.txt"), expect_format="osv-scanner")
    assert report.results == 2
    (finding,) = report.findings
    assert finding.rule_id == "GHSA-j8r2-6x86-q33q"
    assert finding.path == "services/api/requirements.txt"
    assert finding.tool_severity is Severity.MEDIUM  # GitHub's "MODERATE"
    assert finding.cwe_ids == ("CWE-200",)
    details = _sca(finding.details)
    assert details.advisory_ids == ("CVE-2023-32681", "GHSA-j8r2-6x86-q33q", "PYSEC-2023-74")
    # The upstream fixing commit is not a version to upgrade a PyPI package to.
    assert details.fixed_versions == ("2.31.0",)
    assert (details.cvss_score, details.cvss_vector) == (
        6.1,
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
    )
    ungrouped = parse_document(_report("req.txt", groups=False), expect_format="osv-scanner")
    assert (ungrouped.results, len(ungrouped.findings)) == (2, 2)


def test_a_checkout_in_another_directory_keeps_the_fingerprint() -> None:
    (here,) = parse_document(
        _report("/home/runner/work/app/requirements.txt"), expect_format="osv-scanner"
    ).findings
    (there,) = parse_document(
        _report("/builds/team/app/requirements.txt"), expect_format="osv-scanner"
    ).findings
    (other,) = parse_document(
        _report("/builds/team/app/requirements-dev.txt"), expect_format="osv-scanner"
    ).findings
    assert here.fingerprint == there.fingerprint
    assert here.fingerprint != other.fingerprint
    assert _sca(there.details).location == "/builds/team/app/requirements.txt"


def test_a_git_source_is_the_repository_at_a_commit() -> None:
    record = {
        "id": "CVE-2023-50094",
        "details": "reNgine through 2.0.2 allows OS Command Injection.",
        "affected": [
            {
                "ranges": [
                    {
                        "type": "GIT",
                        "repo": "https://github.com/yogeshojha/rengine",
                        "events": [{"introduced": "0"}, {"fixed": "fd5a5e5f"}],
                    }
                ]
            }
        ],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}],
    }
    document = {
        "results": [
            {
                "source": {"path": "vendor/rengine", "type": "git"},
                "packages": [
                    {
                        "package": {"name": "", "version": "", "ecosystem": "", "commit": "f5f3c2"},
                        "vulnerabilities": [record],
                    }
                ],
            }
        ]
    }
    (finding,) = parse_document(document, expect_format="osv-scanner").findings
    assert finding.tool_severity is Severity.HIGH  # computed from the vector: 8.8
    details = _sca(finding.details)
    assert (details.package, details.version, details.ecosystem) == (
        "https://github.com/yogeshojha/rengine",
        "f5f3c2",
        "GIT",
    )
    assert details.fixed_versions == ("fd5a5e5f",)
    assert details.cvss_score == 8.8


def test_an_empty_report_has_no_results() -> None:
    document = {"results": [], "experimental_config": {"licenses": {"summary": False}}}
    report = parse_document(document, expect_format="osv-scanner")
    assert (report.results, report.findings) == (0, ())


@pytest.mark.parametrize(
    ("packages", "where"),
    [
        (["requests"], "results[0].packages[0]"),
        ([{"package": "requests", "vulnerabilities": []}], "results[0].packages[0].package"),
        ([{"package": {}, "vulnerabilities": {}}], "results[0].packages[0].vulnerabilities"),
        ([{"package": {}, "vulnerabilities": [[]]}], "results[0].packages[0].vulnerabilities[0]"),
        ([{"package": {"name": 7}, "vulnerabilities": []}], "results[0].packages[0].package.name"),
    ],
)
def test_a_structurally_broken_report_is_rejected_with_its_json_path(
    packages: list[Any], where: str
) -> None:
    document = {"results": [{"source": {"path": "a.lock"}, "packages": packages}]}
    with pytest.raises(ReportRejected, match=f"^{re.escape(where)}: expected"):
        parse_document(document, expect_format="osv-scanner")


@pytest.mark.parametrize(
    "document",
    [
        None,
        {"results": []},
        {"results": [{"check_id": "x", "path": "a.py"}]},
        {"results": [{"source": "a.lock", "packages": []}]},
        {"results": "none", "experimental_config": {}},
        Element("results"),
    ],
)
def test_detection_refuses_other_documents_without_raising(document: Any) -> None:
    assert osv_scanner.looks_like(document) is False
