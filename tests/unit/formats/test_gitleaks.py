"""Gitleaks native JSON, on DefectDojo's Gitleaks reports (BSD-3-Clause, see fixtures/defectdojo)
and on Gitleaks 8 leaks written here (DefectDojo has only Gitleaks 7 and older reports)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, SecretDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.loader import load_json

SECRET = "ghp_4fTq9ZrWv2XkP7mLc8NbY3sHd6JgE1aQ0uRx"


def _v8_leak(line: int, secret: str = SECRET) -> dict[str, Any]:
    return {
        "RuleID": "github-pat",
        "Description": "GitHub Personal Access Token",
        "StartLine": line,
        "EndLine": line,
        "StartColumn": 14,
        "EndColumn": 53,
        "Match": f'token = "{secret}"',
        "Secret": secret,
        "File": "deploy/settings.py",
        "SymlinkFile": "",
        "Commit": "3f1c2a9d8e7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
        "Entropy": 4.9,
        "Author": "A Developer",
        "Email": "dev@example.com",
        "Date": "2026-01-02T03:04:05Z",
        "Message": "add deploy settings",
        "Tags": [],
        "Fingerprint": f"3f1c2a9d:deploy/settings.py:github-pat:{line}",
    }


def test_a_gitleaks_8_leak_is_a_secret_finding_without_the_secret() -> None:
    report = parse_document([_v8_leak(12)], expect_format="gitleaks")
    assert (report.results, report.ignored, report.quarantined) == (1, 0, ())
    (finding,) = report.findings
    assert finding.kind is FindingKind.SECRET
    assert (finding.tool, finding.rule_id) == ("Gitleaks", "github-pat")
    assert finding.rule_name == "GitHub Personal Access Token"
    assert (finding.path, finding.start_line, finding.end_line) == ("deploy/settings.py", 12, 12)
    assert finding.tool_severity is Severity.MEDIUM
    assert finding.snippet is None
    details = finding.details
    assert isinstance(details, SecretDetails)
    assert details.secret_type == "github-pat"
    assert details.secret_hmac is not None and details.secret_hmac.startswith("hmac-sha256:")
    assert details.masked_preview == "ghp_…(40 chars)"
    assert details.commit == "3f1c2a9d8e7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d"
    dumped = report.model_dump_json()
    assert SECRET not in dumped
    assert SECRET[4:] not in dumped


def test_a_line_shift_keeps_the_fingerprint_and_another_secret_changes_it() -> None:
    (before,) = parse_document([_v8_leak(12)], expect_format="gitleaks").findings
    (after,) = parse_document([_v8_leak(40)], expect_format="gitleaks").findings
    other = "ghp_" + "Z" * 36
    (rotated,) = parse_document([_v8_leak(12, other)], expect_format="gitleaks").findings
    assert before.fingerprint == after.fingerprint
    assert (before.start_line, after.start_line) == (12, 40)
    assert rotated.fingerprint != before.fingerprint


def test_a_redacted_gitleaks_8_report_keeps_no_fingerprint_of_the_word_redacted() -> None:
    leak = _v8_leak(3) | {"Secret": "REDACTED", "Match": 'token = "REDACTED"'}
    (finding,) = parse_document([leak], expect_format="gitleaks").findings
    assert isinstance(finding.details, SecretDetails)
    assert finding.details.secret_hmac is None and finding.details.masked_preview is None


def test_gitleaks_7_leaks_carry_file_line_rule_and_commit() -> None:
    report = parse_file(DEFECTDOJO / "gitleaks" / "version_7.5.0.json", expect_format="gitleaks")
    # Eight leaks: the same four secrets at the same lines, in two commits each.
    assert (report.results, len(report.findings), report.quarantined) == (8, 4, ())
    first = next(f for f in report.findings if f.path and f.path.endswith("_parser.py"))
    assert first.path == "dojo/unittests/tools/test_gitlab_secret_detection_report_parser.py"
    assert (first.rule_id, first.start_line, first.kind) == (
        "AWS Access Key",
        37,
        FindingKind.SECRET,
    )
    assert isinstance(first.details, SecretDetails)
    assert first.details.masked_preview == "AKIA…(20 chars)"
    dumped = report.model_dump_json()
    assert "AKIAIOSFODNN7EXAMPLE" not in dumped
    assert "BEGIN OPENSSH PRIVATE KEY" not in dumped


def test_an_older_report_without_line_numbers_is_read() -> None:
    report = parse_file(DEFECTDOJO / "gitleaks" / "data_many.json", expect_format="gitleaks")
    assert (report.results, len(report.findings)) == (2, 2)
    assert {f.rule_id for f in report.findings} == {"Github", "MailChimp API key"}
    assert all(f.path == ".bashrc" and f.start_line is None for f in report.findings)
    dumped = report.model_dump_json()
    assert "c77e01c1e89682e4d4b94a059a7fd2b37ab326ed" not in dumped
    assert "38c47f19e349153fa963bb3b3212fe8e-us11" not in dumped


def test_one_private_key_header() -> None:
    report = parse_file(DEFECTDOJO / "gitleaks" / "data_one.json", expect_format="gitleaks")
    (finding,) = report.findings
    assert (finding.rule_id, finding.path) == ("Asymmetric Private Key", "cert-key.pem")


def test_an_empty_report_needs_the_format_named_and_has_no_findings() -> None:
    document, _raw = load_json(DEFECTDOJO / "gitleaks" / "no_findings.json", max_bytes=1000)
    assert document is None
    with pytest.raises(ReportRejected, match="not a report in a known format"):
        registry.detect(document)
    empty: Any
    for empty in (None, []):
        report = registry.format_named("gitleaks").parse(empty, CONTEXT)
        assert (report.results, report.findings) == (0, ())


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"RuleID": "x"}, "report"),
        ([_v8_leak(1), "not a leak"], r"report\[1\]"),
        ([_v8_leak(1) | {"StartLine": "one"}], r"report\[0\]\.StartLine"),
        ([_v8_leak(1) | {"RuleID": ""}], r"report\[0\]"),
        ([_v8_leak(1), {"File": "a.py"}], r"report\[1\]"),
    ],
)
def test_a_broken_report_is_rejected_with_the_path_and_without_the_secret(
    document: Any, where: str
) -> None:
    with pytest.raises(ReportRejected, match=where) as caught:
        registry.format_named("gitleaks").parse(document, CONTEXT)
    assert SECRET not in caught.value.reason
