"""Semgrep native JSON and the Semgrep platform APIs, on DefectDojo's Semgrep reports
(BSD-3-Clause, see fixtures/defectdojo) and small reports built here."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, ScaDetails, SecretDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.loader import load_json

SEMGREP = DEFECTDOJO / "semgrep"
PRO = DEFECTDOJO / "semgrep_pro"


def _result(line: int, **extra: Any) -> dict[str, Any]:
    return {
        "check_id": "python.lang.security.audit.eval-detected",
        "path": "app/views.py",
        "start": {"line": line, "col": 5, "offset": 10},
        "end": {"line": line, "col": 15, "offset": 20},
        "extra": {
            "message": "Detected the use of eval().",
            "metadata": {"cwe": ["CWE-95: Improper Neutralization of Directives"]},
            "severity": "ERROR",
            "fingerprint": "requires login",
            "lines": "requires login",
            **extra,
        },
    }


def _cli(*results: dict[str, Any], errors: list[Any] | None = None) -> dict[str, Any]:
    return {"version": "1.185.0", "results": list(results), "errors": errors or [], "paths": {}}


def test_a_result_carries_rule_path_line_cwe_severity_and_code() -> None:
    report = parse_file(SEMGREP / "repeated_findings.json", expect_format="semgrep")
    # Two identical entries: both counted, merged into one finding.
    assert (report.results, report.ignored, len(report.findings)) == (2, 0, 1)
    (finding,) = report.findings
    assert finding.kind is FindingKind.SAST
    assert finding.rule_id == "java.lang.security.audit.cbc-padding-oracle.cbc-padding-oracle"
    assert finding.path == "src/main/java/org/owasp/benchmark/testcode/BenchmarkTest01150.java"
    assert (finding.start_line, finding.end_line) == (66, 66)
    assert finding.cwe_ids == ("CWE-696",)
    assert finding.tool_severity is Severity.MEDIUM  # WARNING
    assert finding.snippet is not None
    assert 'getInstance("DES/CBC/PKCS5Padding")' in finding.snippet


def test_every_result_of_a_large_report_is_counted() -> None:
    report = parse_file(SEMGREP / "many_vulns.json", expect_format="semgrep")
    assert report.results == 48
    assert len(report.findings) + len(report.quarantined) == 48
    assert report.tools == ("Semgrep",)


def test_a_line_shift_between_two_real_scans_keeps_the_fingerprint() -> None:
    first = parse_file(SEMGREP / "close_old_findings_report_line31.json", expect_format="semgrep")
    second = parse_file(
        SEMGREP / "close_old_findings_report_second_run_line24.json", expect_format="semgrep"
    )
    (before,) = first.findings
    (after,) = second.findings
    assert (before.start_line, after.start_line) == (31, 24)
    assert before.cwe_ids == ("CWE-78",)
    assert before.tool_version == "1.97.0"
    assert before.fingerprint == after.fingerprint


def test_the_placeholder_of_an_unauthenticated_run_is_neither_code_nor_identity() -> None:
    (before,) = parse_document(_cli(_result(5)), expect_format="semgrep").findings
    (after,) = parse_document(_cli(_result(9)), expect_format="semgrep").findings
    assert before.snippet is None
    assert before.tool_severity is Severity.HIGH  # ERROR
    assert before.cwe_ids == ("CWE-95",)
    assert before.fingerprint == after.fingerprint
    two = parse_document(_cli(_result(5), _result(9)), expect_format="semgrep")
    assert len({f.fingerprint for f in two.findings}) == 2


def test_nosemgrep_results_are_counted_as_ignored_and_errors_mark_the_scan_incomplete() -> None:
    report = parse_document(
        _cli(
            _result(3),
            _result(4, is_ignored=True),
            errors=[{"code": 3, "level": "warn", "type": "Syntax error", "path": "x.py"}],
        ),
        expect_format="semgrep",
    )
    assert (report.results, report.ignored, len(report.findings)) == (2, 1, 1)
    assert report.complete is False


def test_an_empty_report() -> None:
    report = parse_file(SEMGREP / "empty.json", expect_format="semgrep")
    assert (report.results, report.findings, report.complete) == (0, (), True)


def test_an_absolute_path_is_quarantined() -> None:
    report = parse_file(SEMGREP / "high-medium-low-severities.json", expect_format="semgrep")
    assert (report.results, report.findings) == (3, ())
    assert all("absolute" in q.reason for q in report.quarantined)
    assert [q.where for q in report.quarantined] == ["results[0]", "results[1]", "results[2]"]


def test_a_secrets_rule_keeps_no_secret_anywhere() -> None:
    secret = "ghp_R2d2C3poQw8s9LmXvB7nT1kE5yUaZ0fJ4hGi"
    line = f'token = "{secret}"'
    result = {
        "check_id": "generic.secrets.security.detected-github-token.detected-github-token",
        "path": "config/settings.py",
        "start": {"line": 3, "col": 10},
        "end": {"line": 3, "col": 10 + len(secret)},
        "extra": {
            "message": f"GitHub token detected: {secret}",
            "metadata": {"cwe": ["CWE-798: Use of Hard-coded Credentials"]},
            "severity": "ERROR",
            "lines": line,
            "validation_state": "CONFIRMED_VALID",
            "metavars": {"$TOKEN": {"abstract_content": secret}},
        },
    }
    report = parse_document(_cli(result), expect_format="semgrep")
    (finding,) = report.findings
    assert finding.kind is FindingKind.SECRET
    assert finding.snippet is None
    assert isinstance(finding.details, SecretDetails)
    assert finding.details.secret_hmac is not None
    assert finding.details.masked_preview == f"ghp_…({len(secret)} chars)"
    assert finding.details.verified is True
    assert secret not in report.model_dump_json()
    assert secret[4:] not in report.model_dump_json()


def test_a_real_secrets_result_is_recognised_before_its_absolute_path_is_quarantined() -> None:
    document, _raw = load_json(SEMGREP / "issue_8435.json", max_bytes=1_000_000)
    document["results"][0]["path"] = "somedir/somefile.js"
    (finding,) = parse_document(document, expect_format="semgrep").findings
    assert finding.kind is FindingKind.SECRET
    assert finding.rule_id.endswith("detected-twitter-oauth")
    assert finding.snippet is None


def test_a_supply_chain_result_of_the_cli_is_a_vulnerable_dependency() -> None:
    result = {
        "check_id": "ssc-0a1b2c3d",
        "path": "app/main.py",
        "start": {"line": 40, "col": 1},
        "end": {"line": 40, "col": 20},
        "extra": {
            "message": "lodash before 4.17.21 is vulnerable to command injection",
            "metadata": {
                "cwe": ["CWE-77: Command Injection"],
                "sca-vuln-database-identifier": "CVE-2021-23337",
                "sca-severity": "HIGH",
                "references": ["https://github.com/advisories/GHSA-35jh-r3h4-6jhm"],
                "sca-fix-versions": [{"lodash": "4.17.21"}],
            },
            "severity": "WARNING",
            "lines": "_.template(userInput)",
            "sca_info": {
                "reachable": True,
                "reachability_rule": True,
                "sca_finding_schema": 20220913,
                "dependency_match": {
                    "dependency_pattern": {
                        "ecosystem": "npm",
                        "package": "lodash",
                        "semver_range": "< 4.17.21",
                    },
                    "found_dependency": {
                        "package": "lodash",
                        "version": "4.17.20",
                        "ecosystem": "npm",
                        "allowed_hashes": {},
                        "transitivity": "direct",
                        "line_number": 812,
                    },
                    "lockfile": "package-lock.json",
                },
            },
        },
    }
    (finding,) = parse_document(_cli(result), expect_format="semgrep").findings
    assert finding.kind is FindingKind.SCA
    assert (finding.path, finding.start_line) == ("package-lock.json", 812)
    assert finding.tool_severity is Severity.HIGH
    assert finding.details == ScaDetails(
        package="lodash",
        version="4.17.20",
        ecosystem="npm",
        fixed_versions=("4.17.21",),
        advisory_ids=("CVE-2021-23337", "GHSA-35jh-r3h4-6jhm"),
    )


def test_the_supply_chain_api_page_is_read_and_closed_entries_are_ignored() -> None:
    report = parse_file(SEMGREP / "sca-deployments-vulns.json", expect_format="semgrep")
    # 22 entries: one is CLOSED (ignored); four exact repeats of a dependency line are merged.
    assert (report.results, report.ignored, len(report.findings)) == (22, 1, 17)
    assert report.complete is False  # "hasMore": true, one page of a listing
    finding = next(f for f in report.findings if f.start_line == 222)
    assert finding.kind is FindingKind.SCA
    assert finding.rule_id == "ssc-82207871-bbda-49be-b1af-49fd927a2f93"
    assert finding.path == "requirements3.txt"
    assert finding.tool_severity is Severity.HIGH
    assert finding.cwe_ids == ("CWE-617",)
    assert finding.details == ScaDetails(
        package="grpcio",
        version="1.47.0",
        # The advisory says "gem" but lists only grpc as vulnerable, not the matched grpcio.
        ecosystem=None,
        fixed_versions=("1.53.0",),
        advisory_ids=("CVE-2023-1428", "GHSA-6628-q6j9-w8vg"),
    )
    packages = {f.details.package for f in report.findings if isinstance(f.details, ScaDetails)}
    assert packages == {"grpcio"}  # the CLOSED url-parse entry is not a finding


def test_the_findings_api_is_read() -> None:
    report = parse_file(PRO / "multiple_cwes_fabricated.json", expect_format="semgrep")
    assert (report.results, report.ignored) == (1, 0)
    assert report.repository == "https://github.com/semgrep/semgrep"
    (finding,) = report.findings
    assert finding.rule_id == "typescript.react.security.audit.react-no-refs.react-no-refs"
    assert (finding.path, finding.start_line, finding.end_line) == (
        "frontend/src/corpComponents/Code.tsx",
        120,
        124,
    )
    assert finding.cwe_ids == ("CWE-319", "CWE-311")
    assert finding.tool_severity is Severity.MEDIUM


def test_an_empty_findings_api_answer_is_not_claimed_but_parses_when_named() -> None:
    document, _raw = load_json(PRO / "no_vuln.json", max_bytes=1_000)
    with pytest.raises(ReportRejected, match="not a report in a known format"):
        registry.detect(document)
    report = registry.format_named("semgrep").parse(document, CONTEXT)
    assert (report.results, report.findings) == (0, ())


@pytest.mark.parametrize(
    ("document", "where"),
    [
        (_cli({"check_id": 7, "extra": {}, "start": {}}), "results[0].check_id"),
        ({"results": [_result(1), "not an object"], "errors": []}, "results[1]"),
        (_cli({**_result(1), "start": {"line": "one", "col": 1}}), "results[0].start.line"),
    ],
)
def test_a_structurally_broken_report_is_rejected(document: dict[str, Any], where: str) -> None:
    with pytest.raises(ReportRejected, match="^" + re.escape(where)):
        registry.format_named("semgrep").parse(document, CONTEXT)
