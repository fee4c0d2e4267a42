"""GitHub secret-scanning alerts (REST API list), on DefectDojo's reports (BSD-3-Clause, see
fixtures/defectdojo) and on alerts shaped like the API's ``secret-scanning-alert`` schema."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, SecretDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.loader import load_json

FOLDER = DEFECTDOJO / "github_secrets_detection_report"
SECRET = "ghp_Vb3nQ8rT1xW6yZ2aC5dF9gH4jK7mP0sLuE1i"


def _alert(line: int, *, number: int = 7, state: str = "open", **extra: Any) -> dict[str, Any]:
    return {
        "number": number,
        "created_at": "2026-01-02T03:04:05Z",
        "url": f"https://api.github.com/repos/example/shop/secret-scanning/alerts/{number}",
        "html_url": f"https://github.com/example/shop/security/secret-scanning/{number}",
        "state": state,
        "resolution": None if state == "open" else "revoked",
        "secret_type": "github_personal_access_token",
        "secret_type_display_name": "GitHub Personal Access Token",
        "secret": SECRET,
        "validity": "unknown",
        "first_location_detected": {
            "path": "/ci/release.sh",
            "start_line": line,
            "end_line": line,
            "start_column": 9,
            "end_column": 49,
            "blob_sha": "af5626b4a114abcb82d63db7c8082c3c4756e51b",
            "blob_url": "https://api.github.com/repos/example/shop/git/blobs/af56",
            "commit_sha": "f14d7debf9775f957cf4f1e8176da0786431f72b",
            "commit_url": "https://api.github.com/repos/example/shop/git/commits/f14d",
        },
        "has_more_locations": False,
    } | extra


def test_the_open_alert_is_a_finding_and_resolved_ones_are_counted_and_ignored() -> None:
    path = FOLDER / "github_secrets_detection_report_many_vul.json"
    report = parse_file(path, expect_format="github-secret-scanning")
    assert (report.results, report.ignored, len(report.findings)) == (3, 2, 1)
    assert report.repository == "https://github.com/octocat/Hello-World"
    (finding,) = report.findings
    assert finding.kind is FindingKind.SECRET
    assert (finding.tool, finding.rule_id, finding.rule_name) == (
        "GitHub secret scanning",
        "aws_access_key_id",
        "AWS Access Key ID",
    )
    # GitHub's leading slash means the repository root.
    assert (finding.path, finding.start_line, finding.end_line) == (
        "config/aws-credentials.env",
        5,
        5,
    )
    assert finding.tool_severity is Severity.MEDIUM
    details = finding.details
    assert isinstance(details, SecretDetails)
    assert details.verified is True  # validity "active"
    assert details.commit == "g14d7debf9775f957cf4f1e8176da0786431f72c"
    assert details.masked_preview == "AKIA…(20 chars)"
    assert details.secret_hmac is not None
    dumped = report.model_dump_json()
    for secret in ("AKIAIOSFODNN7EXAMPLE", "aio_XXXXXXXXXXXX", "ghp_xxxxxxxxxxxx"):
        assert secret not in dumped


def test_an_alert_built_from_the_api_schema_keeps_no_secret() -> None:
    report = parse_document([_alert(3)], expect_format="github-secret-scanning")
    (finding,) = report.findings
    assert (finding.path, finding.start_line) == ("ci/release.sh", 3)
    assert isinstance(finding.details, SecretDetails)
    assert finding.details.verified is None  # validity "unknown"
    assert finding.details.masked_preview == "ghp_…(40 chars)"
    dumped = report.model_dump_json()
    assert SECRET not in dumped and SECRET[4:] not in dumped


def test_a_line_shift_keeps_the_fingerprint_and_so_does_a_hidden_secret_per_alert() -> None:
    (before,) = parse_document([_alert(3)], expect_format="github-secret-scanning").findings
    (after,) = parse_document([_alert(30)], expect_format="github-secret-scanning").findings
    assert before.fingerprint == after.fingerprint
    hidden = [_alert(3) | {"secret": None}, _alert(9, number=8) | {"secret": None}]
    one, two = parse_document(hidden, expect_format="github-secret-scanning").findings
    assert one.fingerprint != two.fingerprint  # the alert number tells them apart
    assert isinstance(one.details, SecretDetails) and one.details.secret_hmac is None


def test_locations_outside_the_repository_files_have_no_path() -> None:
    issue = _alert(1, first_location_detected={"issue_title_url": "https://api.github.com/x"})
    wiki = _alert(1, number=9) | {
        "first_location_detected": {"path": "/Home.md", "start_line": 1.0, "page_url": "https://x"}
    }
    report = parse_document([issue, wiki], expect_format="github-secret-scanning")
    assert [f.path for f in report.findings] == [None, None]
    assert sorted(f.start_line or 0 for f in report.findings) == [0, 1]


def test_an_empty_list_needs_the_format_named_and_an_object_is_not_a_list() -> None:
    for name in (
        "github_secrets_detection_report_zero_vul.json",
        "github_secrets_detection_report_invalid.json",
    ):
        document, _raw = load_json(FOLDER / name, max_bytes=100)
        with pytest.raises(ReportRejected, match="not a report in a known format"):
            registry.detect(document)
    report = registry.format_named("github-secret-scanning").parse([], CONTEXT)
    assert (report.results, report.findings) == (0, ())
    with pytest.raises(ReportRejected, match="array of alerts"):
        registry.format_named("github-secret-scanning").parse({}, CONTEXT)


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ([_alert(1), "x"], r"report\[1\]"),
        ([_alert(1, state="dismissed")], r"report\[0\]\.state"),
        ([_alert(1, secret_type="")], r"report\[0\]"),
        ([_alert(1) | {"number": "7"}], r"report\[0\]\.number"),
        ([_alert(1, first_location_detected={"path": 5})], r"first_location_detected\.path"),
        ([_alert(1, first_location_detected={"start_line": "5"})], r"\.start_line"),
        (
            [
                _alert(1, repository={"html_url": "https://github.com/a/one"}),
                _alert(2, number=8, repository={"html_url": "https://github.com/a/two"}),
            ],
            "alerts of 2 repositories",
        ),
    ],
)
def test_a_broken_listing_is_rejected_with_the_path_and_without_the_secret(
    document: Any, where: str
) -> None:
    with pytest.raises(ReportRejected, match=where) as caught:
        registry.format_named("github-secret-scanning").parse(document, CONTEXT)
    assert SECRET not in caught.value.reason
