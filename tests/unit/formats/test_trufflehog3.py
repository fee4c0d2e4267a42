"""trufflehog3 JSON, on DefectDojo's trufflehog3 reports (BSD-3-Clause, see fixtures/defectdojo)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, SecretDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.loader import load_json

ISSUE = DEFECTDOJO / "trufflehog3" / "issue_6999.json"
SECRET = "xoxb-4815162342-AbCdEfGhIjKlMnOpQrStUvWx"


def _issue(line: str, secret: str = SECRET) -> dict[str, Any]:
    return {
        "rule": {"id": "slack-token", "message": "Slack Token", "severity": "HIGH"},
        "path": "bot/config.py",
        "line": line,
        "secret": secret,
        "context": {line: f'SLACK = "{secret}"'},
        "id": "0a1b2c3d-0000-3000-8000-000000000000",
        "branch": "main",
        "message": "add bot",
        "author": "dev",
        "commit": "5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d",
        "date": "2026-01-02T03:04:05",
    }


def test_an_issue_carries_rule_path_line_severity_and_no_secret() -> None:
    report = parse_file(ISSUE, expect_format="trufflehog3")
    assert (report.results, report.ignored, report.quarantined) == (1, 0, ())
    (finding,) = report.findings
    assert finding.kind is FindingKind.SECRET
    assert (finding.tool, finding.rule_id, finding.rule_name) == (
        "trufflehog3",
        "high-entropy-based-rules2",
        "High Entropy",
    )
    assert finding.path == "tests/Services/GoodDrafts/DataSets/4620060807393"
    assert (finding.start_line, finding.tool_severity) == (2, Severity.MEDIUM)
    assert isinstance(finding.details, SecretDetails)
    assert finding.details.secret_hmac is not None
    assert finding.details.masked_preview == "6B76…(32 chars)"
    assert "6B760A0478D4EB84EA8CD6202E866A4C" not in report.model_dump_json()


def test_severity_is_read_and_a_line_shift_keeps_the_fingerprint() -> None:
    (before,) = parse_document([_issue("4")], expect_format="trufflehog3").findings
    (after,) = parse_document([_issue("44")], expect_format="trufflehog3").findings
    (other,) = parse_document(
        [_issue("4", "xoxb-" + "9" * 30)], expect_format="trufflehog3"
    ).findings
    assert before.tool_severity is Severity.HIGH
    assert before.fingerprint == after.fingerprint
    assert (before.start_line, after.start_line) == (4, 44)
    assert other.fingerprint != before.fingerprint
    assert isinstance(before.details, SecretDetails)
    assert before.details.commit == "5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d"


def test_an_empty_report_needs_the_format_named() -> None:
    document, _raw = load_json(DEFECTDOJO / "trufflehog3" / "zero_vulns.json", max_bytes=100)
    assert document == []
    with pytest.raises(ReportRejected, match="not a report in a known format"):
        registry.detect(document)
    report = registry.format_named("trufflehog3").parse(document, CONTEXT)
    assert (report.results, report.findings) == (0, ())


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"rule": {"id": "x"}}, "report"),
        ([_issue("1"), 7], r"report\[1\]"),
        ([_issue("1") | {"rule": {"message": "no id"}}], r"report\[0\]"),
        ([_issue("1") | {"line": "twelve"}], r"report\[0\]\.line"),
        ([_issue("1") | {"secret": ["a", "list"]}], r"report\[0\]\.secret"),
        ([_issue("1") | {"context": "text"}], r"report\[0\]\.context"),
    ],
)
def test_a_broken_report_is_rejected_with_the_path_and_without_the_secret(
    document: Any, where: str
) -> None:
    with pytest.raises(ReportRejected, match=where) as caught:
        registry.format_named("trufflehog3").parse(json.loads(json.dumps(document)), CONTEXT)
    assert SECRET not in caught.value.reason
