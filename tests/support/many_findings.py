"""A SARIF log with many distinct results, for tests and benchmarks of the work queue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def many_results_log(
    count: int, *, tool: str = "Scanner", prefix: str = "app/mod"
) -> dict[str, Any]:
    """``count`` results, each at its own file and line, so each is its own finding and case."""
    results = [
        {
            "ruleId": "R1",
            "level": "warning",
            "message": {"text": f"Dangerous call number {index}."},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f"{prefix}{index // 50}.py"},
                        "region": {"startLine": index % 50 + 1},
                    }
                }
            ],
        }
        for index in range(count)
    ]
    return {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": tool, "rules": [{"id": "R1"}]}}, "results": results}],
    }


def write_many(path: Path, count: int, **kwargs: Any) -> Path:
    path.write_text(json.dumps(many_results_log(count, **kwargs)))
    return path
