"""Small SARIF logs for tests: one run, one rule, one result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def one_result_log(
    *,
    rule_id: str = "R1",
    level: str = "warning",
    path: str | None = "app/x.py",
    message: str = "Dangerous call.",
    tool: str = "Scanner",
    line: int = 3,
) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": rule_id, "level": level, "message": {"text": message}}
    if path is not None:
        result["locations"] = [
            {"physicalLocation": {"artifactLocation": {"uri": path}, "region": {"startLine": line}}}
        ]
    return {
        "version": "2.1.0",
        "runs": [
            {"tool": {"driver": {"name": tool, "rules": [{"id": rule_id}]}}, "results": [result]}
        ],
    }


def write_log(directory: Path, name: str, log: dict[str, Any]) -> Path:
    path = directory / name
    path.write_text(json.dumps(log))
    return path
