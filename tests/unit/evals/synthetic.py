"""A tiny dataset in the OWASP Benchmark layout, invented here (no third-party data).

Five test cases, six Bandit findings; every expected number below is worked out by hand:

| rule | file (BenchmarkTest0000N) | test case | label | verdict |
|---|---|---|---|---|
| B608 | testcode/…1.py:10 | 1 (sqli, real) | true_positive | true_positive |
| B608 | testcode/…2.py:10 | 2 (sqli, not real) | false_positive | true_positive |
| B324 | tests/…3.py:5 | 3 (hash, real) | true_positive | needs_human (test code) |
| B324 | testcode/…4.py:5 | 4 (hash, not real) | false_positive | true_positive |
| B311 | testcode/…1.py:20 | 1, wrong category | unscored | true_positive |
| B105 | helpers/settings.py:1 | none (no label) | - | true_positive |

Test case 5 (xss, real) has no finding: a false negative whatever triage does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TOOL = "bandit-1.9.4"
CASES = [
    ("BenchmarkTest00001", "sqli", True, 89),
    ("BenchmarkTest00002", "sqli", False, 89),
    ("BenchmarkTest00003", "hash", True, 328),
    ("BenchmarkTest00004", "hash", False, 328),
    ("BenchmarkTest00005", "xss", True, 79),
]
# (rule, cwe, severity, path, line, test case, expected cwe, mapped cwes, label)
FINDINGS: list[tuple[str, int, str, str, int, str | None, int, list[int], str | None]] = [
    (
        "B608",
        89,
        "MEDIUM",
        "testcode/BenchmarkTest00001.py",
        10,
        "BenchmarkTest00001",
        89,
        [89],
        "true_positive",
    ),
    (
        "B608",
        89,
        "MEDIUM",
        "testcode/BenchmarkTest00002.py",
        10,
        "BenchmarkTest00002",
        89,
        [89],
        "false_positive",
    ),
    (
        "B324",
        327,
        "HIGH",
        "tests/BenchmarkTest00003.py",
        5,
        "BenchmarkTest00003",
        328,
        [328],
        "true_positive",
    ),
    (
        "B324",
        327,
        "HIGH",
        "testcode/BenchmarkTest00004.py",
        5,
        "BenchmarkTest00004",
        328,
        [328],
        "false_positive",
    ),
    (
        "B311",
        330,
        "LOW",
        "testcode/BenchmarkTest00001.py",
        20,
        "BenchmarkTest00001",
        89,
        [330],
        "unscored",
    ),
    ("B105", 259, "LOW", "helpers/settings.py", 1, None, 0, [], None),
]
# Raw scanner, mapped mode, worked out from the table: flagged 1-4, real 1, 3, 5.
SCANNER = {"TP": 2, "FP": 2, "TN": 0, "FN": 1}
FILED = {"TP": 1, "FP": 2, "TN": 0, "FN": 2}  # test case 3 waits for a human
OPEN = SCANNER  # nothing is dismissed


def bandit_report() -> dict[str, Any]:
    results = [
        {
            "code": f"{line} query = 'x' + value  # {rule} at {path}\n",
            "col_offset": 4,
            "filename": f"./{path}",
            "issue_confidence": "MEDIUM",
            "issue_cwe": {"id": cwe, "link": f"https://cwe.mitre.org/data/definitions/{cwe}.html"},
            "issue_severity": severity,
            "issue_text": f"synthetic {rule} finding",
            "line_number": line,
            "line_range": [line],
            "test_id": rule,
            "test_name": rule.lower(),
        }
        for rule, cwe, severity, path, line, *_rest in FINDINGS
    ]
    return {"errors": [], "generated_at": "2026-01-01T00:00:00Z", "metrics": {}, "results": results}


def labels() -> list[dict[str, Any]]:
    categories = {name: (category, real) for name, category, real, _cwe in CASES}
    rows = []
    for rule, cwe, severity, path, line, case, expected, mapped, label in FINDINGS:
        if label is None:
            continue
        assert case is not None
        rows.append(
            {
                "tool": TOOL,
                "test_case": case,
                "category": categories[case][0],
                "expected_cwe": expected,
                "real_vulnerability": categories[case][1],
                "rule_id": rule,
                "tool_cwes": [cwe],
                "mapped_cwes": mapped,
                "path": f"./{path}",
                "line": line,
                "severity": severity,
                "confidence": "MEDIUM",
                "message": f"synthetic {rule} finding",
                "label": label,
            }
        )
    return rows


def write(root: Path, *, published: bool = True) -> Path:
    """The dataset under ``root``; ``published`` adds scanner-baseline.json/.md."""
    (root / "scans").mkdir(parents=True)
    (root / "scans" / f"{TOOL}.json").write_text(json.dumps(bandit_report()), encoding="utf-8")
    (root / "finding-labels.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in labels()), encoding="utf-8"
    )
    csv = "# test name, category, real vulnerability, cwe, synthetic\n" + "".join(
        f"{name},{category},{'true' if real else 'false'},{cwe}\n"
        for name, category, real, cwe in CASES
    )
    (root / "expectedresults-0.1.csv").write_text(csv, encoding="utf-8")
    if published:
        overall = SCANNER | {"precision": 0.5, "recall": 2 / 3}
        entries = {
            f"{TOOL} (ours, sarif)": {"mapped": {"overall": dict.fromkeys(overall, 0)}},
            f"{TOOL} (ours, json)": {"mapped": {"overall": overall}},
        }
        (root / "scanner-baseline.json").write_text(json.dumps(entries), encoding="utf-8")
        (root / "scanner-baseline.md").write_text(
            "# synthetic\n\n## bandit\n\n| mode | TP | FP | TN | FN | precision | recall |\n"
            "| mapped | 9 | 9 | 9 | 9 | 0.500 | 0.500 |\n\n"
            "## Union of every tool\n\n| mode | TP | FP | TN | FN | precision | recall |\n"
            "|---|---|---|---|---|---|---|\n"
            "| strict | 1 | 1 | 1 | 2 | 0.500 | 0.333 |\n"
            "| mapped | 2 | 2 | 0 | 1 | 0.500 | 0.667 |\n",
            encoding="utf-8",
        )
    return root
