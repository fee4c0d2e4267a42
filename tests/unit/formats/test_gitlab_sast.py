"""GitLab SAST reports, on DefectDojo's GitLab SAST reports (BSD-3-Clause, see
fixtures/defectdojo) and small reports built here."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, SecretDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected

GITLAB = DEFECTDOJO / "gitlab_sast"


def _report(*vulnerabilities: dict[str, Any], status: str = "success") -> dict[str, Any]:
    return {
        "version": "15.0.7",
        "vulnerabilities": list(vulnerabilities),
        "scan": {
            "type": "sast",
            "status": status,
            "scanner": {"id": "semgrep", "name": "Semgrep", "version": "1.50.0"},
            "analyzer": {"id": "semgrep", "name": "Semgrep", "version": "4.10.0"},
        },
    }


def _vulnerability(line: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"id-{line}",
        "name": "Improper neutralization of SQL",
        "description": "SQL query built from user input.",
        "severity": "High",
        "location": {"file": "app/db.py", "start_line": line, "end_line": line + 1},
        "identifiers": [
            {"type": "semgrep_id", "name": "bandit.B608", "value": "bandit.B608"},
            {"type": "cwe", "name": "CWE-89", "value": "89"},
        ],
        **extra,
    }


def test_a_v15_entry_carries_path_line_rule_cwe_and_severity() -> None:
    report = parse_file(GITLAB / "gl-sast-report-cwe_v15.json", expect_format="gitlab-sast")
    assert (report.results, report.ignored, len(report.findings)) == (3, 0, 3)
    finding = next(f for f in report.findings if f.start_line == 96)
    assert finding.kind is FindingKind.SAST
    assert (finding.tool, finding.tool_version) == ("Find Security Bugs", "4.2.0")
    assert finding.rule_id == "XSS_REQUEST_PARAMETER_TO_SERVLET_WRITER"
    assert finding.rule_name == "Servlet reflected cross site scripting vulnerability"
    assert finding.path == "src/main/java/servlets/module/lesson/XssLesson.java"
    assert finding.cwe_ids == ("CWE-79",)
    assert finding.tool_severity is Severity.HIGH
    assert finding.message.startswith("HTTP parameter written to Servlet output")


def test_every_cwe_identifier_is_read_whether_its_number_is_text_or_integer() -> None:
    report = parse_file(
        GITLAB / "gl-sast-report-multiple-cwe-fabricated_v15.json", expect_format="gitlab-sast"
    )
    (finding,) = report.findings
    assert finding.cwe_ids == ("CWE-79", "CWE-89")


def test_a_cwe_named_in_the_identifier_name_is_read() -> None:
    report = parse_file(GITLAB / "gl-sast-report-confidence_v15.json", expect_format="gitlab-sast")
    assert (report.results, len(report.findings)) == (8, 8)
    finding = next(f for f in report.findings if f.start_line == 246)
    assert finding.path == "data/datacreator.js"
    assert finding.cwe_ids == ("CWE-798",)


def test_a_v2_report_names_the_scanner_in_each_entry_and_a_secret_scanner_makes_secrets() -> None:
    report = parse_file(GITLAB / "gl-sast-report-1-vuln_v14.json", expect_format="gitlab-sast")
    assert report.results == 1
    (finding,) = report.findings
    assert finding.tool == "TruffleHog"
    assert finding.kind is FindingKind.SECRET
    assert finding.rule_id == "Password in URL"
    assert finding.tool_severity is Severity.CRITICAL
    assert (finding.path, finding.start_line) == ("docker-compose.override.unit_tests.yml", 19)
    assert isinstance(finding.details, SecretDetails)


def test_a_missing_severity_and_end_line_are_tolerated() -> None:
    report = parse_file(GITLAB / "gl-sast-report_issue4344_v14.json", expect_format="gitlab-sast")
    (finding,) = report.findings
    assert (finding.rule_id, finding.tool) == ("SCS0029", "Security Code Scan")
    assert (finding.start_line, finding.end_line) == (98, 98)
    assert finding.tool_severity is Severity.MEDIUM


def test_an_empty_report() -> None:
    report = parse_file(GITLAB / "gl-sast-report-0-vuln.json", expect_format="gitlab-sast")
    assert (report.results, report.findings, report.complete) == (0, (), True)


def test_a_line_shift_keeps_the_fingerprint_with_or_without_tracking_signatures() -> None:
    tracking = {
        "type": "source",
        "items": [
            {
                "file": "app/db.py",
                "signatures": [{"algorithm": "scope_offset", "value": "app/db.py|query[0]:2"}],
            }
        ],
    }
    for extra in ({}, {"tracking": tracking}, {"cve": "app/db.py:{line}:bandit.B608"}):
        documents = [
            _report(_vulnerability(line, **{k: _at(v, line) for k, v in extra.items()}))
            for line in (10, 30)
        ]
        (before,) = parse_document(documents[0], expect_format="gitlab-sast").findings
        (after,) = parse_document(documents[1], expect_format="gitlab-sast").findings
        assert (before.start_line, after.start_line) == (10, 30)
        assert before.fingerprint == after.fingerprint, extra


def _at(value: Any, line: int) -> Any:
    return value.replace("{line}", str(line)) if isinstance(value, str) else value


def test_two_entries_with_one_compare_key_stay_two_findings() -> None:
    key = "app/db.py:0a1b2c:bandit.B608"
    report = parse_document(
        _report(_vulnerability(10, cve=key), _vulnerability(30, cve=key)),
        expect_format="gitlab-sast",
    )
    assert report.results == 2
    assert len({f.fingerprint for f in report.findings}) == 2


def test_a_failed_scan_is_incomplete() -> None:
    report = parse_document(
        _report(_vulnerability(3), status="failure"), expect_format="gitlab-sast"
    )
    assert report.complete is False
    assert report.findings[0].tool_version == "1.50.0"


def test_other_gitlab_report_types_are_not_sast() -> None:
    document = _report(_vulnerability(3))
    document["scan"]["type"] = "dependency_scanning"
    assert registry.format_named("gitlab-sast").looks_like(document) is False
    document["scan"]["type"] = "secret_detection"
    assert registry.format_named("gitlab-sast").looks_like(document) is False


@pytest.mark.parametrize(
    ("document", "where"),
    [
        (_report(_vulnerability(1, identifiers=[])), "vulnerabilities[0]"),
        (_report(_vulnerability(1, location=[])), "vulnerabilities[0].location"),
        ({**_report(), "vulnerabilities": ["x"]}, "vulnerabilities[0]"),
        (
            _report(_vulnerability(1, location={"file": "a.py", "start_line": "7"})),
            "vulnerabilities[0].location.start_line",
        ),
    ],
)
def test_a_structurally_broken_report_is_rejected(document: dict[str, Any], where: str) -> None:
    with pytest.raises(ReportRejected, match="^" + re.escape(where)):
        registry.format_named("gitlab-sast").parse(document, CONTEXT)
