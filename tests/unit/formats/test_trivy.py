"""Trivy native JSON, on DefectDojo's Trivy reports (BSD-3-Clause, see fixtures/defectdojo) and on
reports written here for what DefectDojo's have none of (secrets, passing checks, line shifts)."""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element  # nosec B405  # builds a test value, parses nothing

import pytest

from tests.support.formats import DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, IacDetails, ScaDetails, SecretDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import trivy

TRIVY = DEFECTDOJO / "trivy"
SECRET = "ghp_R8vLq2XkP7mZc4NbY9sHd6JgE1aQ0uTw3Fo5"


def _sca(details: object) -> ScaDetails:
    assert isinstance(details, ScaDetails)
    return details


def test_a_lock_file_target_is_the_path_and_cvss_comes_from_the_severity_source() -> None:
    report = parse_file(TRIVY / "cvss_severity_source.json", expect_format="trivy")
    assert (report.results, report.ignored, report.quarantined) == (2, 0, ())
    by_id = {f.rule_id: f for f in report.findings}
    certifi = by_id["CVE-2023-37920"]
    assert certifi.kind is FindingKind.SCA
    assert (certifi.tool, certifi.path, certifi.start_line) == ("Trivy", "requirements.txt", None)
    assert certifi.tool_severity is Severity.HIGH
    assert certifi.cwe_ids == ("CWE-345",)
    assert certifi.rule_name == "python-certifi: Removal of e-Tugra root certificate"
    details = _sca(certifi.details)
    assert (details.package, details.version, details.ecosystem) == (
        "certifi",
        "2022.5.18.1",
        "PyPI",
    )
    assert details.fixed_versions == ("2023.7.22",)
    assert details.advisory_ids == ("CVE-2023-37920",)
    # Trivy rated curl from Ubuntu, which gave no CVSS: NVD's rating is next, not Red Hat's.
    curl = _sca(by_id["CVE-2023-46218"].details)
    assert (curl.cvss_score, curl.cvss_vector) == (
        6.5,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N",
    )
    assert curl.ecosystem == "Ubuntu"  # from the package's purl, not the pip target


def test_an_image_keeps_package_places_out_of_the_repository_path() -> None:
    report = parse_file(TRIVY / "scheme_2_many_vulns.json", expect_format="trivy")
    assert (report.results, len(report.findings), report.quarantined) == (5, 5, ())
    assert all(f.path is None for f in report.findings)
    by_id = {f.rule_id: f for f in report.findings}
    freetype = by_id["CVE-2020-15999"]
    assert freetype.tool_severity is Severity.MEDIUM
    assert freetype.cwe_ids == ("CWE-787",)
    details = _sca(freetype.details)
    assert (details.package, details.version, details.ecosystem) == (
        "freetype",
        "2.9.1-r2",
        "Alpine",
    )
    assert details.fixed_versions == ("2.9.1-r3",)
    assert details.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H"
    assert details.location == "teamdojo:latest (alpine 3.9.4)"
    jar = _sca(by_id["CVE-2018-1324"].details)
    assert (jar.package, jar.ecosystem) == ("org.apache.commons:commons-compress", "Maven")
    assert jar.location == "app/libs/commons-compress-1.14.jar"


def test_the_legacy_layout_is_read_and_an_entry_without_an_id_is_quarantined() -> None:
    report = parse_file(TRIVY / "legacy_trivy_mix.json", expect_format="trivy")
    assert (report.results, len(report.findings)) == (7, 6)
    (quarantined,) = report.quarantined
    assert quarantined.where == "[0].Vulnerabilities[0]"
    assert "rule_id" in quarantined.reason
    (lodash,) = [f for f in report.findings if f.rule_id == "CVE-2018-16487"]
    assert lodash.path == "node-app/package-lock.json"
    assert lodash.tool_severity is Severity.HIGH
    assert lodash.cwe_ids == ("CWE-190",)
    details = _sca(lodash.details)
    assert (details.package, details.version, details.ecosystem) == ("lodash", "4.17.4", "npm")
    assert details.fixed_versions == (">=4.17.11",)
    git = [f for f in report.findings if f.rule_id == "CVE-2018-17456"]
    assert git and git[0].path is None
    assert _sca(git[0].details).location == "trivy-ci-test (alpine 3.7.1)"


def test_a_kubernetes_report_names_the_workload_of_every_finding() -> None:
    report = parse_file(TRIVY / "kubernetes.json", expect_format="trivy")
    assert (report.results, len(report.findings), report.ignored) == (20, 20, 0)
    apt = [f for f in report.findings if f.rule_id == "CVE-2020-27350"]
    assert len(apt) == 2  # the same image flaw in two workloads is two places to fix
    assert apt[0].fingerprint != apt[1].fingerprint
    locations = sorted(_sca(f.details).location or "" for f in apt)
    assert locations == [
        "default/Deployment/redis-follower: gcr.io/google_samples/gb-redis-follower:v2"
        " (debian 10.4)",
        "default/Deployment/redis-leader: docker.io/redis:6.0.5 (debian 10.4)",
    ]
    details = _sca(apt[0].details)
    assert details.advisory_ids == ("CVE-2020-27350", "DSA-4808-1")
    assert (details.cvss_score, details.fixed_versions) == (5.7, ("1.8.2.2",))
    (check,) = [
        f
        for f in report.findings
        if f.rule_id == "KSV001"
        and isinstance(f.details, IacDetails)
        and f.details.resource == "default/Deployment/redis-follower"
    ]
    assert check.kind is FindingKind.IAC
    assert check.tool_severity is Severity.MEDIUM
    assert isinstance(check.details, IacDetails) and check.details.platform == "kubernetes"
    assert (check.path, check.start_line, check.end_line) == (None, 132, 143)
    assert check.rule_name == "Process can elevate its own privileges"
    assert check.message.startswith("Container 'follower' of Deployment 'redis-follower'")
    assert check.snippet is not None
    assert check.snippet.splitlines()[-1].strip() == "cpu: 100m"  # context lines left out


def test_a_not_affected_vulnerability_and_licenses_are_counted_but_ignored() -> None:
    statuses = parse_file(TRIVY / "all_statuses.json", expect_format="trivy")
    assert (statuses.results, statuses.ignored, len(statuses.findings)) == (8, 1, 7)
    assert "CVE-2019-18276" not in {f.rule_id for f in statuses.findings}
    licenses = parse_file(TRIVY / "license_scheme.json", expect_format="trivy")
    assert (licenses.results, licenses.ignored, licenses.findings) == (19, 19, ())


def test_a_target_outside_the_scanned_directory_is_quarantined() -> None:
    report = parse_file(TRIVY / "issue_14136.json", expect_format="trivy")
    assert (report.results, report.findings) == (1, ())
    (quarantined,) = report.quarantined
    assert quarantined.where == "Results[0].Misconfigurations[0]"
    assert "climbs out of the repository" in quarantined.reason


def test_an_empty_report_has_no_results() -> None:
    report = parse_file(TRIVY / "scheme_2_no_vuln.json", expect_format="trivy")
    assert (report.results, report.ignored, report.findings, report.quarantined) == (0, 0, (), ())


def _fs_report(*results: dict[str, Any]) -> dict[str, Any]:
    return {
        "SchemaVersion": 2,
        "ArtifactName": ".",
        "ArtifactType": "filesystem",
        "Trivy": {"Version": "0.58.1"},
        "Results": list(results),
    }


def _dockerfile_checks(line: int) -> dict[str, Any]:
    def check(status: str, check_id: str) -> dict[str, Any]:
        return {
            "Type": "Dockerfile Security Check",
            "ID": check_id,
            "AVDID": f"AVD-{check_id}",
            "Title": "':latest' tag used",
            "Message": "Specify a tag in the 'FROM' statement for image 'python'",
            "Severity": "MEDIUM",
            "Status": status,
            "CauseMetadata": {
                "Provider": "Dockerfile",
                "Service": "general",
                "StartLine": line,
                "EndLine": line,
                "Code": {
                    "Lines": [
                        {"Number": line - 1, "Content": "# base", "IsCause": False},
                        {"Number": line, "Content": "FROM python:latest", "IsCause": True},
                    ]
                },
            },
        }

    return {
        "Target": "build/Dockerfile",
        "Class": "config",
        "Type": "dockerfile",
        "Misconfigurations": [check("FAIL", "DS001"), check("PASS", "DS002")],
    }


def test_a_failed_check_is_an_iac_finding_whose_fingerprint_survives_a_line_shift() -> None:
    before = parse_document(_fs_report(_dockerfile_checks(3)), expect_format="trivy")
    after = parse_document(_fs_report(_dockerfile_checks(30)), expect_format="trivy")
    assert (before.results, before.ignored) == (2, 1)  # the PASS is counted, not a finding
    (first,) = before.findings
    (second,) = after.findings
    assert first.kind is FindingKind.IAC
    assert (first.rule_id, first.tool_version) == ("DS001", "0.58.1")
    assert (first.path, first.start_line, first.snippet) == (
        "build/Dockerfile",
        3,
        "FROM python:latest",
    )
    assert isinstance(first.details, IacDetails) and first.details.platform == "dockerfile"
    assert first.fingerprint == second.fingerprint
    assert second.start_line == 30


def _secret_result(line: int, match: str, code: str) -> dict[str, Any]:
    return {
        "Target": "deploy/.env",
        "Class": "secret",
        "Secrets": [
            {
                "RuleID": "github-pat",
                "Category": "GitHub",
                "Severity": "CRITICAL",
                "Title": "GitHub Personal Access Token",
                "StartLine": line,
                "EndLine": line,
                "Code": {
                    "Lines": [
                        {"Number": line - 1, "Content": "# deploy token", "IsCause": False},
                        {"Number": line, "Content": code, "IsCause": True, "Highlighted": code},
                    ]
                },
                "Match": match,
            }
        ],
    }


def test_a_masked_secret_is_a_secret_finding_with_nothing_to_hash() -> None:
    masked = "GITHUB_TOKEN=" + "*" * len(SECRET)
    report = parse_document(_fs_report(_secret_result(7, masked, masked)), expect_format="trivy")
    (finding,) = report.findings
    assert finding.kind is FindingKind.SECRET
    assert (finding.rule_id, finding.rule_name) == ("github-pat", "GitHub Personal Access Token")
    assert (finding.path, finding.start_line, finding.snippet) == ("deploy/.env", 7, None)
    assert finding.tool_severity is Severity.CRITICAL
    details = finding.details
    assert isinstance(details, SecretDetails)
    assert details.secret_type == "GitHub"
    # Trivy never writes the secret itself, so there is nothing to hash or preview.
    assert details.secret_hmac is None and details.masked_preview is None
    assert masked not in report.model_dump_json()


def test_an_unmasked_trivy_line_never_reaches_the_store() -> None:
    line = f"GITHUB_TOKEN={SECRET}"
    report = parse_document(_fs_report(_secret_result(7, line, line)), expect_format="trivy")
    (finding,) = report.findings
    assert isinstance(finding.details, SecretDetails)
    dumped = report.model_dump_json()
    assert SECRET not in dumped
    assert SECRET[4:20] not in dumped


def test_a_secret_keeps_its_fingerprint_across_a_line_shift_and_differs_by_match() -> None:
    def fingerprint(line: int, name: str) -> str:
        masked = f"{name}=" + "*" * 40
        document = _fs_report(_secret_result(line, masked, masked))
        (finding,) = parse_document(document, expect_format="trivy").findings
        return finding.fingerprint

    assert fingerprint(7, "GITHUB_TOKEN") == fingerprint(70, "GITHUB_TOKEN")
    assert fingerprint(7, "GITHUB_TOKEN") != fingerprint(7, "DEPLOY_TOKEN")


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"SchemaVersion": 2, "ArtifactName": "x", "Results": {"Target": "a"}}, "report.Results"),
        (
            {"SchemaVersion": 2, "Results": [{"Target": "a", "Vulnerabilities": [3]}]},
            "Results[0].Vulnerabilities[0]",
        ),
        (
            {"SchemaVersion": 2, "Results": [{"Target": 1, "Vulnerabilities": [{}]}]},
            "Results[0].Target",
        ),
        ({"ClusterName": "c", "Resources": [{"Results": "no"}]}, "Resources[0].Results"),
        ([{"Target": "a", "Vulnerabilities": {"VulnerabilityID": "CVE-1"}}], "[0].Vulnerabilities"),
    ],
)
def test_a_structurally_broken_report_is_rejected_with_its_json_path(
    document: Any, where: str
) -> None:
    with pytest.raises(ReportRejected, match=f"^{re.escape(where)}: expected"):
        parse_document(document, expect_format="trivy")


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        [{"Target": "a"}],
        [{"apiVersion": "aquasecurity.github.io/v1alpha1", "report": {}}],
        {"SchemaVersion": 1, "Results": []},
        {"SchemaVersion": True, "Results": []},
        {"apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "VulnerabilityReport"},
        {"ClusterName": "c"},
        Element("bom"),
    ],
)
def test_detection_refuses_other_documents_without_raising(document: Any) -> None:
    assert trivy.looks_like(document) is False


def test_a_trivy_operator_report_is_not_taken_for_trivy() -> None:
    operator = {
        "apiVersion": "aquasecurity.github.io/v1alpha1",
        "kind": "VulnerabilityReport",
        "report": {"vulnerabilities": [{"vulnerabilityID": "CVE-2020-1"}]},
    }
    with pytest.raises(ReportRejected, match="not a report in a known format"):
        registry.detect(operator)
