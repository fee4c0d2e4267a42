"""Trufflehog JSON Lines, on DefectDojo's Trufflehog 2 and 3 reports and trufflehog3's legacy
report (BSD-3-Clause, see fixtures/defectdojo), and on Trufflehog 3 lines written here."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, SecretDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected

V3 = DEFECTDOJO / "trufflehog" / "v3_git.json"
SECRET = "sk_live_51Hq8ZtR2vKp9WmX4cLb7NfY3sGd6JhE"


def _v3_line(line: int, secret: str = SECRET, **extra: Any) -> dict[str, Any]:
    return {
        "SourceMetadata": {
            "Data": {
                "Git": {
                    "commit": "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
                    "file": "billing/keys.py",
                    "email": "dev <dev@example.com>",
                    "repository": "https://github.com/example/shop",
                    "timestamp": "2026-01-02 03:04:05 +0000",
                    "line": line,
                }
            }
        },
        "SourceID": 1,
        "SourceType": 16,
        "SourceName": "trufflehog - git",
        "DetectorType": 19,
        "DetectorName": "Stripe",
        "DecoderName": "PLAIN",
        "Verified": False,
        "Raw": secret,
        "RawV2": "",
        "Redacted": "",
        "ExtraData": None,
        "StructuredData": None,
    } | extra


def test_trufflehog_3_findings_carry_detector_file_line_commit_and_verification() -> None:
    report = parse_file(V3, expect_format="trufflehog")
    # Four lines; two of them are the same URI secret at the same place.
    assert (report.results, len(report.findings), report.quarantined) == (4, 3, ())
    by_rule = {f.rule_id: f for f in report.findings}
    assert set(by_rule) == {"AWS", "URI", "PrivateKey"}
    aws = by_rule["AWS"]
    assert aws.kind is FindingKind.SECRET
    assert (aws.tool, aws.path, aws.start_line) == ("Trufflehog", "keys", 4)
    assert aws.tool_severity is Severity.MEDIUM
    assert isinstance(aws.details, SecretDetails)
    assert aws.details.verified is True
    assert aws.details.commit == "fbc14303ffbf8fb1c2c1914e8dda7d0121633aca"
    # This early Trufflehog 3 wrote Raw as base64 bytes; the secret is the decoded key id.
    assert aws.details.masked_preview == "AKIA…(20 chars)"
    assert aws.details.secret_hmac is not None
    dumped = report.model_dump_json()
    for record in (json.loads(line) for line in V3.read_text().splitlines()):
        decoded = base64.b64decode(record["Raw"]).decode()
        assert record["Raw"] not in dumped
        assert decoded not in dumped
    assert "admin:admin@the-internet" not in dumped


def test_a_current_trufflehog_3_line_keeps_raw_as_the_secret() -> None:
    report = parse_document(
        [
            {"level": "info-0", "logger": "trufflehog", "msg": "running source"},
            _v3_line(7, RawV2=SECRET + ":acct_1"),
            {"logger": "trufflehog", "msg": "finished scanning", "trufflehog_version": "3.88.0"},
        ],
        expect_format="trufflehog",
    )
    assert report.results == 1  # the log lines are not results
    (finding,) = report.findings
    assert (finding.rule_id, finding.path, finding.start_line) == ("Stripe", "billing/keys.py", 7)
    assert finding.tool_version == "3.88.0"
    assert isinstance(finding.details, SecretDetails)
    assert finding.details.masked_preview == f"sk_l…({len(SECRET)} chars)"
    assert finding.details.verified is False
    dumped = report.model_dump_json()
    assert SECRET not in dumped and SECRET[8:] not in dumped


def test_a_single_line_file_is_one_object_and_still_a_report(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(_v3_line(3)) + "\n")
    report = parse_file(path, expect_format="trufflehog")
    assert (report.results, len(report.findings)) == (1, 1)
    assert SECRET not in report.model_dump_json()


def test_a_line_shift_keeps_the_fingerprint() -> None:
    (before,) = parse_document([_v3_line(3)], expect_format="trufflehog").findings
    (after,) = parse_document([_v3_line(30)], expect_format="trufflehog").findings
    (other,) = parse_document(
        [_v3_line(3, "sk_live_" + "Q" * 32)], expect_format="trufflehog"
    ).findings
    assert before.fingerprint == after.fingerprint
    assert (before.start_line, after.start_line) == (3, 30)
    assert other.fingerprint != before.fingerprint


def test_trufflehog_2_lines_are_read_per_commit_and_reason() -> None:
    report = parse_file(
        DEFECTDOJO / "trufflehog" / "v2_many_vulns.json", expect_format="trufflehog"
    )
    assert report.results == 64
    assert len(report.findings) + len(report.quarantined) <= 64
    assert report.quarantined == ()
    key = next(f for f in report.findings if f.rule_id == "PGP private key block")
    assert (key.path, key.start_line, key.kind) == (
        "scripts/searchOrg.py",
        None,
        FindingKind.SECRET,
    )
    assert isinstance(key.details, SecretDetails)
    assert key.details.commit == "466cdc94b4fcb0acd1904726a9b4de5c26e9125d"
    assert "9ed54617547cfca783e0f81f8dc5c927e3d1e345" not in report.model_dump_json()


def test_trufflehog3_legacy_output_is_the_trufflehog_2_layout() -> None:
    path = DEFECTDOJO / "trufflehog3" / "many_vulns_legacy.json"
    report = parse_file(path, expect_format="trufflehog")
    assert report.results == 32
    first = next(f for f in report.findings if f.path == "fixtures/users.json")
    assert first.rule_id == "High entropy"
    assert "a5c1836db3d6dedff5deca630a358d8b" not in report.model_dump_json()


def test_an_empty_file_list_needs_the_format_named() -> None:
    with pytest.raises(ReportRejected, match="not a report in a known format"):
        registry.detect([])
    report = registry.format_named("trufflehog").parse([], CONTEXT)
    assert (report.results, report.findings) == (0, ())


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ("a string", "report"),
        ([_v3_line(1), {"unrelated": True}], r"report\[1\]"),
        ([_v3_line(1), ["not", "an", "object"]], r"report\[1\]"),
        ([_v3_line(1, DetectorName="")], r"report\[0\]"),
        ([_v3_line(1, SourceMetadata={"Data": {"Git": "x"}})], r"report\[0\]\.SourceMetadata"),
        ([_v3_line(1, Raw=12)], r"report\[0\]\.Raw"),
        (
            [_v3_line(1), {"commitHash": "c", "reason": "r", "stringsFound": ["s"]}],
            "mixes Trufflehog 2 and Trufflehog 3",
        ),
    ],
)
def test_a_broken_report_is_rejected_with_the_path_and_without_the_secret(
    document: Any, where: str
) -> None:
    with pytest.raises(ReportRejected, match=where) as caught:
        registry.format_named("trufflehog").parse(document, CONTEXT)
    assert SECRET not in caught.value.reason
