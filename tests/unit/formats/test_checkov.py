"""Checkov JSON, on DefectDojo's Checkov reports (BSD-3-Clause, see fixtures/defectdojo) and small
reports built here."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, IacDetails, ScaDetails, SecretDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.loader import load_json

CHECKOV = DEFECTDOJO / "checkov"


def _check(line: int, **extra: Any) -> dict[str, Any]:
    return {
        "check_id": "CKV_DOCKER_4",
        "check_name": "Ensure that COPY is used instead of ADD in Dockerfiles",
        "check_result": {"result": "FAILED"},
        "code_block": [[line, "ADD ./app /app\n"]],
        "file_path": "/Dockerfile",
        "file_abs_path": "/src/Dockerfile",
        "file_line_range": [line, line],
        "resource": "/Dockerfile.ADD",
        "severity": None,
        **extra,
    }


def _framework(
    check_type: str = "dockerfile",
    failed: list[dict[str, Any]] | None = None,
    skipped: list[dict[str, Any]] | None = None,
    parsing_errors: list[str] | None = None,
) -> dict[str, Any]:
    failed = failed or []
    return {
        "check_type": check_type,
        "results": {
            "passed_checks": [_check(1, check_result={"result": "PASSED"})],
            "failed_checks": failed,
            "skipped_checks": skipped or [],
            "parsing_errors": parsing_errors or [],
        },
        "summary": {
            "passed": 1,
            "failed": len(failed),
            "skipped": 0,
            "parsing_errors": 0,
            "checkov_version": "3.2.1",
        },
    }


def test_a_failed_check_carries_resource_path_lines_and_code() -> None:
    report = parse_file(CHECKOV / "checkov-report-severity.json", expect_format="checkov")
    assert (report.results, report.ignored, len(report.findings)) == (4, 0, 4)
    finding = next(f for f in report.findings if f.rule_id == "CKV_GCP_28")
    assert finding.kind is FindingKind.IAC
    assert (finding.tool, finding.tool_version) == ("Checkov", "2.2.34")
    assert (
        finding.rule_name
        == "Ensure that Cloud Storage bucket is not anonymously or publicly accessible"
    )
    assert finding.tool_severity is Severity.HIGH
    # Checkov's "/gcs.tf" is relative to the scanned directory.
    assert (finding.path, finding.start_line, finding.end_line) == ("gcs.tf", 17, 21)
    assert finding.details == IacDetails(
        platform="terraform", resource="google_storage_bucket_iam_binding.allow_public_read"
    )
    assert finding.snippet is not None
    assert finding.snippet.startswith('resource "google_storage_bucket_iam_binding"')


def test_a_check_without_severity_gets_the_default() -> None:
    report = parse_file(CHECKOV / "checkov-report-1-vuln.json", expect_format="checkov")
    (finding,) = report.findings
    assert (finding.rule_id, finding.path) == ("CKV_AZURE_42", "file_path")
    assert (finding.start_line, finding.end_line) == (1, 16)
    assert finding.tool_severity is Severity.MEDIUM
    assert finding.snippet is None  # an empty code_block


def test_an_empty_report_and_a_bare_summary() -> None:
    report = parse_file(CHECKOV / "checkov-report-0-vuln.json", expect_format="checkov")
    assert (report.results, report.findings, report.complete) == (0, (), True)
    summary = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0}
    report = parse_document({**summary, "checkov_version": "3.2.1"}, expect_format="checkov")
    assert (report.results, report.findings) == (0, ())


def test_a_list_of_frameworks_counts_failed_and_skipped_checks_but_not_passed_ones() -> None:
    document, _raw = load_json(CHECKOV / "checkov-report-severity.json", max_bytes=1_000_000)
    report = parse_document(
        [document, _framework(failed=[_check(5)], skipped=[_check(6)])], expect_format="checkov"
    )
    assert (report.results, report.ignored, len(report.findings)) == (6, 1, 5)
    docker = next(f for f in report.findings if f.rule_id == "CKV_DOCKER_4")
    assert docker.details == IacDetails(platform="dockerfile", resource="/Dockerfile.ADD")
    assert docker.path == "Dockerfile"


def test_a_line_shift_keeps_the_fingerprint_and_two_equal_resources_stay_apart() -> None:
    (before,) = parse_document(_framework(failed=[_check(5)]), expect_format="checkov").findings
    (after,) = parse_document(_framework(failed=[_check(9)]), expect_format="checkov").findings
    assert (before.start_line, after.start_line) == (5, 9)
    assert before.fingerprint == after.fingerprint
    both = parse_document(_framework(failed=[_check(5), _check(9)]), expect_format="checkov")
    assert len({f.fingerprint for f in both.findings}) == 2


def test_parsing_errors_mark_the_scan_incomplete() -> None:
    document = _framework(failed=[_check(5)], parsing_errors=["/broken.tf"])
    assert parse_document(document, expect_format="checkov").complete is False


def test_an_absolute_file_path_is_quarantined() -> None:
    check = _check(5, file_path="/src/Dockerfile", file_abs_path="/src/Dockerfile")
    report = parse_document(_framework(failed=[check]), expect_format="checkov")
    assert report.findings == ()
    assert "absolute" in report.quarantined[0].reason


def test_a_vulnerable_package_is_an_sca_finding() -> None:
    check = _check(
        3,
        check_id="CKV_CVE_2023_32681",
        check_name="SCA package scan",
        file_path="/requirements.txt",
        file_abs_path="/src/requirements.txt",
        resource="requirements.txt.requests",
        code_block=[[0, "requests: 2.25.0"]],
        vulnerability_details={
            "id": "CVE-2023-32681",
            "severity": "medium",
            "package_name": "requests",
            "package_version": "2.25.0",
            "cvss": 6.1,
            "vector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
            "lowest_fixed_version": "2.31.0",
        },
    )
    (finding,) = parse_document(
        _framework("sca_package", failed=[check]), expect_format="checkov"
    ).findings
    assert finding.kind is FindingKind.SCA
    assert finding.path == "requirements.txt"
    assert finding.tool_severity is Severity.MEDIUM
    assert finding.details == ScaDetails(
        package="requests",
        version="2.25.0",
        fixed_versions=("2.31.0",),
        advisory_ids=("CVE-2023-32681",),
        cvss_score=6.1,
        cvss_vector="CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
    )


def test_a_secrets_check_keeps_no_code() -> None:
    masked = 'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxR**********"'
    check = _check(
        2,
        check_id="CKV_SECRET_2",
        check_name="AWS Access Key",
        file_path="/config.py",
        file_abs_path="/src/config.py",
        resource="25910f981e85ca04baf359199dd0bd4a3ae738b6",
        code_block=[[2, masked + "\n"]],
    )
    report = parse_document(_framework("secrets", failed=[check]), expect_format="checkov")
    (finding,) = report.findings
    assert finding.kind is FindingKind.SECRET
    assert finding.snippet is None
    assert isinstance(finding.details, SecretDetails)
    assert "wJalrXUtnFEMI" not in report.model_dump_json()


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({**_framework(), "results": {"failed_checks": {}}}, "report.results.failed_checks"),
        (_framework(failed=["x"]), "report.results.failed_checks[0]"),  # type: ignore[list-item]
        (_framework(failed=[_check(1, check_id=None)]), "report.results.failed_checks[0]"),
        ([_framework(), {"check_type": 3, "results": {}}], "[1].check_type"),
    ],
)
def test_a_structurally_broken_report_is_rejected(document: Any, where: str) -> None:
    with pytest.raises(ReportRejected, match="^" + re.escape(where)):
        registry.format_named("checkov").parse(document, CONTEXT)
