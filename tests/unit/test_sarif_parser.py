"""SARIF normalisation on small hand-written logs (the SDK corpus is in test_sarif_corpus.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support.keys import TEST_SECRET_KEY
from tools.findings.severity import Severity
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import sarif
from tools.ingest.report import ParseContext, ParsedReport


def _log(*results: dict[str, Any], rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {"driver": {"name": "Scanner", "version": "1.2", "rules": rules or []}},
                "results": list(results),
            }
        ],
    }


def _result(line: int = 10, snippet: str = "cur.execute(q % x)", **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": "R1",
        "message": {"text": "Possible SQL injection."},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "./app/db.py"},
                    "region": {
                        "startLine": line,
                        "endLine": line + 1,
                        "snippet": {"text": snippet},
                    },
                }
            }
        ],
    }
    result.update(extra)
    return result


def _parse(log: dict[str, Any]) -> ParsedReport:
    return sarif.parse(log, ParseContext(max_results=1000, secret_key=TEST_SECRET_KEY))


def test_normalises_location_rule_metadata_cwe_and_severity() -> None:
    rules = [
        {
            "id": "R1",
            "name": "sql",
            "properties": {"tags": ["security", "external/cwe/cwe-89"], "security-severity": "8.1"},
        }
    ]
    report = _parse(_log(_result(ruleIndex=0), rules=rules))
    (finding,) = report.findings
    assert (finding.path, finding.start_line, finding.end_line) == ("app/db.py", 10, 11)
    assert finding.rule_name == "sql" and finding.cwe_ids == ("CWE-89",)
    assert finding.tool_severity == Severity.HIGH  # from security-severity 8.1
    assert finding.tool == "Scanner" and finding.tool_version == "1.2"
    assert finding.fingerprint.startswith("v1:")


def test_severity_falls_back_from_properties_to_level_to_rule_default_to_warning() -> None:
    rules = [{"id": "R1", "defaultConfiguration": {"level": "note"}}]
    cases = [
        (_result(properties={"issue_severity": "HIGH"}, level="note"), Severity.HIGH),
        (_result(level="error"), Severity.HIGH),
        (_result(), Severity.LOW),  # the rule's default level
    ]
    for result, expected in cases:
        assert _parse(_log(result, rules=rules)).findings[0].tool_severity == expected
    assert _parse(_log(_result())).findings[0].tool_severity == Severity.MEDIUM  # SARIF default


def test_fingerprint_survives_a_line_shift_but_not_a_code_change() -> None:
    before = _parse(_log(_result(line=10))).findings[0].fingerprint
    shifted = _parse(_log(_result(line=25))).findings[0].fingerprint
    changed = _parse(_log(_result(line=10, snippet="cur.execute(q, (x,))"))).findings[0].fingerprint
    assert before == shifted
    assert before != changed


def test_partial_fingerprints_win_over_code() -> None:
    a = _result(partialFingerprints={"primaryLocationLineHash": "abc:1"})
    b = _result(snippet="something else", partialFingerprints={"primaryLocationLineHash": "abc:1"})
    assert _parse(_log(a)).findings[0].fingerprint == _parse(_log(b)).findings[0].fingerprint


def test_exact_duplicates_merge_but_identical_code_twice_in_a_file_stays_two() -> None:
    report = _parse(_log(_result(line=5), _result(line=5), _result(line=40)))
    assert report.results == 3
    assert len(report.findings) == 2
    assert len({f.fingerprint for f in report.findings}) == 2


def test_suppressed_and_passing_results_are_ignored_not_findings() -> None:
    report = _parse(
        _log(
            _result(suppressions=[{"kind": "inSource", "status": "accepted"}]),
            _result(kind="pass"),
            _result(suppressions=[{"kind": "external", "status": "underReview"}], line=80),
        )
    )
    assert (report.results, report.ignored, len(report.findings)) == (3, 2, 1)


def test_message_strings_and_arguments_are_resolved() -> None:
    rules = [{"id": "R1", "messageStrings": {"default": {"text": "Tainted {0} reaches {1}."}}}]
    result = _result(ruleIndex=0)
    result["message"] = {"id": "default", "arguments": ["name", "execute"]}
    assert _parse(_log(result, rules=rules)).findings[0].message == "Tainted name reaches execute."


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda log: log.update(version="2.0.0"), "version '2.0.0' is not supported"),
        (lambda log: log.pop("version"), "'version' property is missing"),
        (lambda log: log.pop("runs"), "'runs' property is missing"),
        (lambda log: log["runs"][0]["tool"]["driver"].pop("name"), "'name' property is missing"),
        (
            lambda log: log["runs"][0]["results"][0].update(ruleIndex=3),
            "ruleIndex: 3 is out of range",
        ),
        (
            lambda log: log["runs"][0]["results"][0].update(ruleId="OTHER", ruleIndex=0),
            "contradicts",
        ),
        (
            lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
                "region"
            ].update(startLine=9, endLine=3),
            "endLine 3 is before startLine 9",
        ),
        (lambda log: log["runs"][0]["results"][0].update(level="fatal"), "not a SARIF level"),
        (lambda log: log["runs"][0]["results"][0].pop("message"), "'message' property is missing"),
        (lambda log: log["runs"][0]["results"][0].update(message={"id": "nope"}), "messageStrings"),
        (lambda log: log["runs"][0].update(results={"a": 1}), "expected an array"),
    ],
)
def test_structural_errors_are_rejected_with_the_json_path(mutate: Any, reason: str) -> None:
    log = _log(_result(), rules=[{"id": "R1"}])
    broken = copy.deepcopy(log)
    mutate(broken)
    with pytest.raises(ReportRejected, match=reason):
        _parse(broken)


def test_result_count_limit_is_checked_before_parsing() -> None:
    with pytest.raises(ReportRejected, match="over the limit of 2"):
        sarif.parse(
            _log(_result(), _result(), _result()),
            ParseContext(max_results=2, secret_key=TEST_SECRET_KEY),
        )


def test_results_that_are_not_an_array_reject_the_log() -> None:
    # From codeql-action's invalid-sarif.sarif: it used to crash the result count with TypeError.
    log = _log(_result())
    log["runs"][0]["results"] = 3
    with pytest.raises(ReportRejected, match=r"runs\[0\]\.results: expected an array"):
        _parse(log)
