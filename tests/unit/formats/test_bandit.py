"""Bandit native JSON, on DefectDojo's Bandit reports (BSD-3-Clause, see fixtures/defectdojo)."""

from __future__ import annotations

from tests.support.formats import DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind
from tools.findings.severity import Severity

ONE_VULN = DEFECTDOJO / "bandit" / "one_vuln.json"


def test_one_finding_carries_path_line_rule_severity_and_unnumbered_code() -> None:
    report = parse_file(ONE_VULN, expect_format="bandit")
    assert (report.results, report.ignored, report.quarantined) == (1, 0, ())
    (finding,) = report.findings
    assert finding.kind is FindingKind.SAST
    assert (finding.tool, finding.rule_id, finding.rule_name) == ("Bandit", "B101", "assert_used")
    assert (finding.path, finding.start_line, finding.end_line) == ("one/one.py", 2, 2)
    assert finding.tool_severity is Severity.LOW
    assert finding.snippet == "assert False"


def test_every_result_of_a_large_report_is_counted() -> None:
    report = parse_file(DEFECTDOJO / "bandit" / "dd.json", expect_format="bandit")
    assert report.results == 47
    assert len(report.findings) + len(report.quarantined) == 47
    assert all(f.path and f.start_line for f in report.findings)


def test_a_line_shift_keeps_the_fingerprint_and_cwe_is_read() -> None:
    def report(line: int) -> dict[str, object]:
        return {
            "errors": [],
            "generated_at": "2026-01-01T00:00:00Z",
            "metrics": {},
            "results": [
                {
                    "code": f"{line - 1} import os\n{line} os.system(cmd)\n",
                    "filename": "app.py",
                    "issue_cwe": {
                        "id": 78,
                        "link": "https://cwe.mitre.org/data/definitions/78.html",
                    },
                    "issue_severity": "HIGH",
                    "issue_text": "Starting a process with a shell.",
                    "line_number": line,
                    "line_range": [line],
                    "test_id": "B605",
                    "test_name": "start_process_with_a_shell",
                }
            ],
        }

    (before,) = parse_document(report(5), expect_format="bandit").findings
    (after,) = parse_document(report(15), expect_format="bandit").findings
    assert before.cwe_ids == ("CWE-78",)
    assert before.fingerprint == after.fingerprint
    assert (before.start_line, after.start_line) == (5, 15)
