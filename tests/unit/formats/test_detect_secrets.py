"""detect-secrets baselines, on DefectDojo's reports (BSD-3-Clause, see fixtures/defectdojo)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, SecretDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected

MANY = DEFECTDOJO / "detect_secrets" / "many_findings.json"
HASHED = "0f7a136b462b257b9996c246e2e50cbd629e7928"


def _baseline(line: int, hashed: str = HASHED) -> dict[str, Any]:
    return {
        "version": "1.5.0",
        "plugins_used": [{"name": "KeywordDetector"}],
        "filters_used": [],
        "results": {
            "app/settings.py": [
                {
                    "type": "Secret Keyword",
                    "filename": "app/settings.py",
                    "hashed_secret": hashed,
                    "is_verified": True,
                    "line_number": line,
                }
            ]
        },
        "generated_at": "2026-01-02T03:04:05Z",
    }


def test_entries_carry_type_file_line_and_a_keyed_identity_but_no_hash() -> None:
    report = parse_file(MANY, expect_format="detect-secrets")
    # Four entries; one was audited as not a secret ("is_secret": false).
    assert (report.results, report.ignored, len(report.findings)) == (4, 1, 3)
    assert report.quarantined == ()
    finding = next(f for f in report.findings if f.start_line == 109)
    assert finding.kind is FindingKind.SECRET
    assert (finding.tool, finding.tool_version, finding.rule_id) == (
        "detect-secrets",
        "1.0.3",
        "Secret Keyword",
    )
    assert finding.path == "example/pkg/docker_registry_watcher/docker_config.go"
    assert finding.tool_severity is Severity.MEDIUM
    assert isinstance(finding.details, SecretDetails)
    # A baseline holds no secret: nothing to key or preview.
    assert (finding.details.secret_hmac, finding.details.masked_preview) == (None, None)
    assert finding.details.verified is None
    assert not any(f.path and "docker_registry_watcher.go" in f.path for f in report.findings)
    dumped = report.model_dump_json()
    for hashed in ("bd564db5d5cc358eb0e3523d3e03041739f230d5", HASHED):
        assert hashed not in dumped  # an unsalted SHA-1 of a weak secret can be reversed


def test_a_line_shift_keeps_the_fingerprint_and_another_secret_changes_it() -> None:
    (before,) = parse_document(_baseline(10), expect_format="detect-secrets").findings
    (after,) = parse_document(_baseline(25), expect_format="detect-secrets").findings
    (other,) = parse_document(_baseline(10, "f" * 40), expect_format="detect-secrets").findings
    assert before.fingerprint == after.fingerprint
    assert other.fingerprint != before.fingerprint
    assert isinstance(before.details, SecretDetails)
    assert before.details.verified is True


def test_an_empty_baseline_is_detected_and_has_no_findings() -> None:
    report = parse_file(
        DEFECTDOJO / "detect_secrets" / "no_findings.json", expect_format="detect-secrets"
    )
    assert (report.results, report.findings) == (0, ())


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"results": {"a.py": {"type": "x"}}}, r'results\["a.py"\]'),
        ({"results": {"a.py": ["entry"]}}, r'results\["a.py"\]\[0\]'),
        ({"results": {"a.py": [{"type": "", "line_number": 1}]}}, r'results\["a.py"\]\[0\]'),
        ({"results": {"a.py": [{"type": "t", "line_number": "1"}]}}, r"\.line_number"),
    ],
)
def test_a_broken_baseline_is_rejected_with_the_path(change: dict[str, Any], where: str) -> None:
    with pytest.raises(ReportRejected, match=where):
        registry.format_named("detect-secrets").parse(_baseline(1) | change, CONTEXT)
