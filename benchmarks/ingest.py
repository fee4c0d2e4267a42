"""Ingest throughput against the raw floor (JSON parse + bulk insert of the same rows)."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from agent.ingest import ingest_file
from tools.ingest.report import ParseContext
from tools.store.database import Database


def synthetic_log(results: int) -> dict[str, Any]:
    rules = [
        {"id": f"R{i}", "properties": {"tags": [f"external/cwe/cwe-{i + 20}"]}} for i in range(50)
    ]
    return {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "Synthetic", "rules": rules}},
                "results": [
                    {
                        "ruleId": f"R{i % 50}",
                        "ruleIndex": i % 50,
                        "level": "warning",
                        "message": {"text": f"Finding number {i} in a synthetic module."},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": f"src/module_{i % 400}.py"},
                                    "region": {
                                        "startLine": i % 900 + 1,
                                        "snippet": {"text": f"call_{i}(user_input)"},
                                    },
                                }
                            }
                        ],
                    }
                    for i in range(results)
                ],
            }
        ],
    }


def floor_seconds(path: Path, db: Path) -> float:
    start = time.perf_counter()
    log = json.loads(path.read_bytes())
    rows = [
        (
            r["ruleId"],
            r["message"]["text"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        )
        for r in log["runs"][0]["results"]
    ]
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE f (rule TEXT, message TEXT, path TEXT)")
        conn.executemany("INSERT INTO f VALUES (?, ?, ?)", rows)
    return time.perf_counter() - start


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "synthetic.sarif"
        report.write_text(json.dumps(synthetic_log(n)))
        database = Database(f"sqlite:///{tmp}/triage.db")
        database.migrate()
        start = time.perf_counter()
        result = ingest_file(
            database,
            report,
            repo_root=None,
            repository="bench/repo",
            format_name=None,
            max_bytes=1 << 30,
            context=ParseContext(max_results=1 << 30, secret_key=b"benchmark"),
            cwe_families={},
        )
        ours = time.perf_counter() - start
        start = time.perf_counter()
        again = ingest_file(
            database,
            report,
            repo_root=None,
            repository="bench/repo",
            format_name=None,
            max_bytes=1 << 30,
            context=ParseContext(max_results=1 << 30, secret_key=b"benchmark"),
            cwe_families={},
        )
        rescan = time.perf_counter() - start
        floor = floor_seconds(report, Path(tmp) / "floor.db")
        database.dispose()
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"results: {n}, findings: {result.findings}, new: {result.new}; rescan new: {again.new}")
    print(f"first ingest: {ours:.2f} s = {n / ours:,.0f} findings/s")
    print(f"rescan (all duplicates): {rescan:.2f} s = {n / rescan:,.0f} findings/s")
    print(f"floor (json.loads + executemany): {floor:.2f} s = {n / floor:,.0f} rows/s")
    print(f"ratio first ingest / floor: {ours / floor:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
