"""GitHub code-scanning alerts (REST API), on DefectDojo's alert lists (BSD-3-Clause, see
fixtures/defectdojo) and alerts built here with the fields of ``code-scanning-alert-items``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, SecretDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected

GITHUB = DEFECTDOJO / "github_sast"
FORMAT = "github-code-scanning"


def _alert(number: int, line: int = 10, state: str = "open", **rule: Any) -> dict[str, Any]:
    return {
        "number": number,
        "created_at": "2026-01-02T03:04:05Z",
        "url": f"https://api.github.com/repos/acme/shop/code-scanning/alerts/{number}",
        "html_url": f"https://github.com/acme/shop/security/code-scanning/{number}",
        "instances_url": f"https://api.github.com/repos/acme/shop/code-scanning/alerts/{number}/instances",
        "state": state,
        "dismissed_by": None,
        "dismissed_at": None,
        "dismissed_reason": "false positive" if state == "dismissed" else None,
        "rule": {
            "id": "js/sql-injection",
            "name": "js/sql-injection",
            "severity": "error",
            "description": "Database query built from user-controlled sources",
            "tags": ["security", "external/cwe/cwe-089"],
            **rule,
        },
        "tool": {"name": "CodeQL", "guid": None, "version": "2.20.1"},
        "most_recent_instance": {
            "ref": "refs/heads/main",
            "state": state,
            "commit_sha": "0" * 40,
            "message": {"text": "This query depends on a user-provided value."},
            "location": {"path": "src/db.js", "start_line": line, "end_line": line},
        },
    }


def test_an_open_alert_carries_rule_path_line_cwe_and_security_severity() -> None:
    report = parse_file(GITHUB / "github_sast_one_vul.json", expect_format=FORMAT)
    assert (report.results, report.ignored) == (1, 0)
    assert report.repository == "https://github.com/OWASP/test-repository"
    (finding,) = report.findings
    assert finding.kind is FindingKind.SAST
    assert (finding.tool, finding.tool_version) == ("GitHub code scanning", "CodeQL 2.16.2")
    assert finding.rule_id == "py/clear-text-storage-sensitive-data"
    assert finding.rule_name == "Clear-text storage of sensitive information"
    assert (finding.path, finding.start_line, finding.end_line) == ("src/file.py", 42, 42)
    assert finding.cwe_ids == ("CWE-312", "CWE-315", "CWE-359")
    assert finding.tool_severity is Severity.HIGH
    assert finding.message == "This expression stores sensitive data (secret) as clear text."


def test_every_alert_is_counted() -> None:
    report = parse_file(GITHUB / "github_sast_many_vul.json", expect_format=FORMAT)
    assert (report.results, len(report.findings)) == (2, 2)
    assert {f.path for f in report.findings} == {"src/file.py", "src/file2.py"}


def test_dismissed_and_fixed_alerts_are_counted_as_ignored() -> None:
    report = parse_document(
        [_alert(1), _alert(2, state="dismissed"), _alert(3, state="fixed")], expect_format=FORMAT
    )
    assert (report.results, report.ignored, len(report.findings)) == (3, 2, 1)
    assert report.repository == "https://github.com/acme/shop"


def test_the_alert_number_keeps_the_fingerprint_when_the_code_moves() -> None:
    (before,) = parse_document([_alert(7, line=10)], expect_format=FORMAT).findings
    (after,) = parse_document([_alert(7, line=90)], expect_format=FORMAT).findings
    (other,) = parse_document([_alert(8, line=10)], expect_format=FORMAT).findings
    assert (before.start_line, after.start_line) == (10, 90)
    assert before.fingerprint == after.fingerprint
    assert other.fingerprint != before.fingerprint
    assert before.cwe_ids == ("CWE-89",)


def test_the_sarif_level_is_used_without_a_security_severity() -> None:
    (finding,) = parse_document([_alert(1, severity="note")], expect_format=FORMAT).findings
    assert finding.tool_severity is Severity.LOW
    (finding,) = parse_document(
        [_alert(1, security_severity_level="critical")], expect_format=FORMAT
    ).findings
    assert finding.tool_severity is Severity.CRITICAL


def test_an_alert_from_a_secret_scanner_keeps_no_snippet_and_gets_secret_details() -> None:
    alert = _alert(4, id="generic-api-key")
    alert["tool"]["name"] = "gitleaks"
    (finding,) = parse_document([alert], expect_format=FORMAT).findings
    assert finding.kind is FindingKind.SECRET
    assert isinstance(finding.details, SecretDetails)


def test_an_empty_alert_list_is_not_claimed_but_parses_when_named() -> None:
    with pytest.raises(ReportRejected, match="not a report in a known format"):
        registry.detect([])
    report = registry.format_named(FORMAT).parse([], CONTEXT)
    assert (report.results, report.findings) == (0, ())


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ([_alert(1), "x"], "[1]"),
        ([_alert(1, state="closed")], "[0].state"),
        ([{**_alert(1), "rule": "js/sql-injection"}], "[0].rule"),
        ([{**_alert(1), "number": "one"}], "[0].number"),
        ({"alerts": []}, "alerts"),
    ],
)
def test_a_structurally_broken_report_is_rejected(document: Any, where: str) -> None:
    with pytest.raises(ReportRejected, match="^" + re.escape(where)):
        registry.format_named(FORMAT).parse(document, CONTEXT)
