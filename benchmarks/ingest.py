"""Ingest throughput and memory against the machine's limit for the same rows.

For a generated SARIF log (100,000 results by default) and a large real report, each measured in a
fresh child process:

- ours: ``ingest_file`` end to end (load → validate → normalise → fingerprint → dedup → store),
  findings per second and the peak RSS (with its parser process's, when it starts one);
- limit: ``orjson.loads`` of the same file plus one raw driver ``executemany`` of the same rows
  (rule, message, path, line, snippet) into an unindexed table of the same store;
- ratio = our rate / the limit's rate, per round; the median over ``--repeat`` interleaved
  rounds is reported, with the range.

Run: ``.venv/bin/python -m benchmarks.ingest [--results N] [--db-url URL] [--real FILE]``.
The default store is a fresh SQLite file; pass a PostgreSQL URL to measure that backend.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.stores import fresh_store
from config.settings import Settings

REAL_REPORT = (
    Path(__file__).resolve().parents[2]
    / "shared/data/scanner-reports/defectdojo/anchore_grype/many_vulns.json"
)


def synthetic_result(i: int) -> dict[str, Any]:
    return {
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


def synthetic_log(results: int) -> dict[str, Any]:
    """A small SARIF log in memory (the Slack benchmark uses it)."""
    return _log_head() | {
        "runs": [_run_head() | {"results": list(map(synthetic_result, range(results)))}]
    }


def _log_head() -> dict[str, Any]:
    return {"version": "2.1.0"}


def _run_head() -> dict[str, Any]:
    rules = [
        {"id": f"R{i}", "properties": {"tags": [f"external/cwe/cwe-{i + 20}"]}} for i in range(50)
    ]
    return {"tool": {"driver": {"name": "Synthetic", "rules": rules}}}


def write_synthetic(path: Path, results: int, *, padding: int = 0) -> None:
    """Stream the log to disk, so the parent never holds the results in memory.

    ``padding`` adds that many bytes of property-bag text to each result: a way to build a
    gigabyte report without millions of results.
    """
    run = json.dumps(_run_head())[:-1]
    pad = "x" * padding
    with path.open("w", encoding="utf-8") as out:
        out.write('{"version": "2.1.0", "runs": [' + run + ', "results": [')
        for i in range(results):
            result = synthetic_result(i)
            if padding:
                result["properties"] = {"trace": pad}
            out.write(("," if i else "") + json.dumps(result))
        out.write("]}]}")


def _ours(path: str, db_url: str, limits: dict[str, int], queue: Any) -> None:
    from agent.ingest import IngestOptions, ingest_file
    from config.cwe_families import load_cwe_families
    from tools.ingest.report import ParseContext
    from tools.store.database import Database

    database = Database(db_url)
    database.migrate()
    start = time.perf_counter()
    result = ingest_file(
        database,
        Path(path),
        repo_root=None,
        repository=f"bench/{uuid.uuid4().hex}",
        format_name=None,
        options=IngestOptions(
            max_bytes=1 << 40,
            in_memory_bytes=limits["in_memory_bytes"],
            context=ParseContext(max_results=1 << 30, secret_key=b"benchmark"),
            cwe_families=load_cwe_families(),
            parse_process_bytes=limits["parse_process_bytes"] or None,
        ),
    )
    seconds = time.perf_counter() - start
    database.dispose()
    # A parser process, when the file started one, has ended and been waited for by now. Both
    # processes run at once, so the sum of their peaks bounds the ingest's memory.
    parser = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak = _peak_rss_mb() + parser
    queue.put((seconds, peak, result.results, result.findings, result.status))


def _limit(path: str, db_url: str, _limits: dict[str, int], queue: Any) -> None:
    import orjson
    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    table = f"bench_limit_{uuid.uuid4().hex[:12]}"
    start = time.perf_counter()
    rows = list(_raw_rows(orjson.loads(Path(path).read_bytes())))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(
            f"CREATE TABLE {table} (rule TEXT, message TEXT, path TEXT, line INTEGER, snippet TEXT)"
        )
        marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        cursor.executemany(f"INSERT INTO {table} VALUES ({', '.join([marker] * 5)})", rows)  # noqa: S608  # nosec B608
        raw.commit()
        seconds = time.perf_counter() - start
        cursor.execute(f"DROP TABLE {table}")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    queue.put((seconds, _peak_rss_mb(), len(rows), len(rows), "ok"))


def _raw_rows(document: Any) -> Any:
    """(rule, message, path, line, snippet) of each entry, for SARIF or a Grype report."""
    if "runs" in document:
        for run in document["runs"]:
            for r in run.get("results") or []:
                region = r["locations"][0]["physicalLocation"].get("region", {})
                yield (
                    r.get("ruleId"),
                    r["message"].get("text"),
                    r["locations"][0]["physicalLocation"]["artifactLocation"].get("uri"),
                    region.get("startLine"),
                    (region.get("snippet") or {}).get("text"),
                )
    else:
        for m in document["matches"]:
            yield (
                m["vulnerability"]["id"],
                m["vulnerability"].get("description"),
                m["artifact"]["name"],
                None,
                m["artifact"]["version"],
            )


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_child(
    target: Any, path: Path, db_url: str, limits: dict[str, int]
) -> tuple[float, float, int, int, str]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=target, args=(str(path), db_url, limits, queue))
    child.start()
    measured: tuple[float, float, int, int, str] = queue.get()
    child.join()
    return measured


def measure(name: str, path: Path, db_url: str | None, limits: dict[str, int], repeat: int) -> None:
    """``repeat`` rounds, ours then the limit in each, every one in a fresh process and store.

    On a shared machine a single pair of runs can land in different spells of load; the
    median of each side over interleaved rounds is steadier, and the range shows the spread.
    """
    ours_times, limit_times, ratios, peaks, limit_peaks = [], [], [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
            with fresh_store(db_url, Path(tmp)) as store:
                ours, peak, results, findings, status = _in_child(_ours, path, store, limits)
            with fresh_store(db_url, Path(tmp)) as store:
                limit, limit_peak, rows, _, _ = _in_child(_limit, path, store, limits)
        limit_peaks.append(limit_peak)
        ours_times.append(ours)
        limit_times.append(limit)
        ratios.append((results / ours) / (rows / limit))
        peaks.append(peak)
    size = path.stat().st_size / 1e6
    ours, limit = statistics.median(ours_times), statistics.median(limit_times)
    print(
        f"\n{name}: {path.name} ({size:.1f} MB, {results} results → {findings} findings, {status})"
    )
    print(
        f"  ours : {ours:6.2f} s = {results / ours:9,.0f} findings/s, "
        f"peak RSS {max(peaks):5.0f} MB (median of {repeat}; {_spread(ours_times)})"
    )
    print(
        f"  limit: {limit:6.2f} s = {rows / limit:9,.0f} rows/s,     "
        f"peak RSS {max(limit_peaks):5.0f} MB ({_spread(limit_times)})"
    )
    print(
        f"  ratio to the limit: {statistics.median(ratios):.2f} "
        f"(median of {repeat} rounds; {min(ratios):.2f}-{max(ratios):.2f})"
    )


def _spread(seconds: list[float]) -> str:
    return f"{min(seconds):.2f}-{max(seconds):.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--db-url", default=None, help="store URL (default: a fresh SQLite file)")
    parser.add_argument("--real", type=Path, default=REAL_REPORT, help="a large real report")
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds of each measurement (median reported)"
    )
    parser.add_argument(
        "--padding", type=int, default=0, help="extra bytes per generated result (file size)"
    )
    parser.add_argument(
        "--in-memory-bytes",
        type=int,
        default=64 * 1024**2,
        help="other formats are read up to this size (the product's default: 64 MiB)",
    )
    parser.add_argument(
        "--parse-process-bytes",
        type=int,
        default=Settings.model_fields["parse_process_bytes"].default,
        help="SARIF files this big are read by a parser process (0: never; default: the product's)",
    )
    args = parser.parse_args()
    limits = {
        "in_memory_bytes": args.in_memory_bytes,
        "parse_process_bytes": args.parse_process_bytes,
    }
    with tempfile.TemporaryDirectory() as tmp:
        machine = platform.processor() or platform.machine()
        print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(
            f"store: {args.db_url.split('://')[0] if args.db_url else 'sqlite'} (fresh per round)"
        )
        synthetic = Path(tmp) / "synthetic.sarif"
        write_synthetic(synthetic, args.results, padding=args.padding)
        measure("generated SARIF", synthetic, args.db_url, limits, args.repeat)
        if args.real.is_file():
            measure("largest real report", args.real, args.db_url, limits, args.repeat)
        else:
            print(f"\n(real report {args.real} not found: skipped)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
