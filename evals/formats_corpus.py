"""Ground truth for ingestion: every report in the shared corpus, detected and parsed.

Reads ``../shared/data/scanner-reports`` (or ``--data``) and prints, per file, the detected format,
raw results, findings, ignored, quarantined, and DefectDojo's own expected count where its parser
tests give one. A file must either parse or be rejected with a reason; anything else (a crash) is
a failure and the exit code is 1. The data is read in place, never copied into the project.

Run: ``.venv/bin/python -m evals.formats_corpus [--data DIR] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.loader import load_json
from tools.ingest.report import ParseContext

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "scanner-reports"
_CONTEXT = ParseContext(max_results=1_000_000, secret_key=b"corpus evaluation key")


def evaluate(path: Path) -> dict[str, Any]:
    row: dict[str, Any] = {"file": str(path)}
    try:
        document, _raw = load_json(path, max_bytes=64 * 1024 * 1024)
        report_format = registry.detect(document)
        parsed = report_format.parse(document, _CONTEXT)
    except ReportRejected as exc:
        return row | {"status": "rejected", "reason": exc.reason}
    except Exception as exc:  # the point is to catch any crash and report it
        return row | {"status": "crashed", "reason": f"{type(exc).__name__}: {exc}"}
    return row | {
        "status": "ok",
        "format": parsed.format,
        "results": parsed.results,
        "findings": len(parsed.findings),
        "ignored": parsed.ignored,
        "quarantined": len(parsed.quarantined),
    }


def _expected(data: Path) -> dict[str, list[int]]:
    path = data / "defectdojo" / "defectdojo-expected-counts.json"
    counts: dict[str, list[int]] = {}
    if path.is_file():
        for entry in json.loads(path.read_text(encoding="utf-8")):
            key = str(data / "defectdojo" / entry["tool_folder"] / entry["file"])
            counts.setdefault(key, []).append(int(entry["defectdojo_findings"]))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true", help="one JSON object per file")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"corpus not found at {args.data}: nothing evaluated (pass --data)", file=sys.stderr)
        return 2
    expected = _expected(args.data)
    rows = []
    for path in sorted(p for p in args.data.rglob("*") if p.is_file()):
        if path.suffix.lower() not in {".json", ".jsonl", ".sarif", ".xml", ".txt"}:
            continue
        row = evaluate(path) | {"defectdojo": expected.get(str(path))}
        row["file"] = str(path.relative_to(args.data))
        rows.append(row)
        if args.json:
            print(json.dumps(row))
        else:
            shown = (
                f"{row['format']:<28} results={row['results']:<6} findings={row['findings']:<6}"
                f" ignored={row['ignored']:<4} quarantined={row['quarantined']:<4}"
                if row["status"] == "ok"
                else f"{row['status']:<28} {row['reason'][:90]}"
            )
            dojo = f" defectdojo={row['defectdojo']}" if row["defectdojo"] else ""
            print(f"{row['file'][:70]:<70} {shown}{dojo}")
    statuses = Counter(row["status"] for row in rows)
    formats = Counter(row.get("format") for row in rows if row["status"] == "ok")
    print(f"\n{len(rows)} files: {dict(statuses)}; by format: {dict(formats)}", file=sys.stderr)
    return 1 if statuses["crashed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
