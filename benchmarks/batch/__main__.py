"""Batch triage with a slow model: wall time against the ideal, at several concurrencies.

For each concurrency, in a fresh store: N code findings (default 500) in a generated checkout,
each with its own flagged line, so every case goes to the model (pre-triage sends code findings
with repository context) and none is answered from the verdict cache. The model is the
OpenAI-compatible stub server (evals/openai_stub.py) with a fixed latency per call (default
200 ms), run in its own process so its CPU does not compete with the workers'. Measured: the
triage phase only (claim → enrich → assess → consult → draft → gate for every case), through
the same worker loop as ``appsec-triage worker`` and ``batch``.

    ideal = model calls * latency / concurrency      ratio = wall time / ideal

A concurrency of C runs as P worker processes (``--processes``, default one per CPU, never more
than C) of ceil(C / P) threads each, as a deployment runs several ``appsec-triage worker``
processes: the model call releases the GIL, the Python work of each case does not.

Run: ``.venv/bin/python -m benchmarks.batch [--cases 500] [--latency 0.2]
[--concurrency 1 8 32] [--processes P] [--db-url URL]``. The default store is a fresh SQLite file
per run; pass a PostgreSQL URL to measure that backend (each run gets its own schema).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import tempfile
import time
from contextlib import ExitStack
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent.runtime import open_runtime
from agent.worker import WorkerOptions, run_worker
from benchmarks.stores import fresh_store
from config.settings import Settings
from evals.openai_stub import STUB_API_KEY, answer_when_asked, running_openai_stub
from tests.support.ingesting import ingest, options

REPOSITORY = "bench/batch"
MODEL = "stub-model"
ANSWER = {
    "verdict": "true_positive",
    "severity": "high",
    "rationale": "User input reaches eval.",
    "evidence": [],
    "fix_recommendation": "Do not evaluate user input.",
    "confidence": 0.8,
    "cwe_ids": ["CWE-95"],
}


def _serve_stub(latency: float, channel: Connection) -> None:
    """Child process: serve the stub until told to stop, then report how many calls it took."""
    with running_openai_stub(fallback=answer_when_asked(ANSWER), latency=latency) as stub:
        channel.send(stub.openai_base_url)
        channel.recv()
        channel.send(len(stub.completions()))


def _write_inputs(root: Path, cases: int) -> Path:
    """A checkout with one flagged line per module, and a SARIF log naming each line."""
    repo = root / "repo"
    (repo / "app").mkdir(parents=True)
    results = []
    for i in range(cases):
        path = f"app/mod{i}.py"
        (repo / path).write_text(
            f'"""Module {i}."""\n\n\ndef handle_{i}(data_{i}):\n    return eval(data_{i})\n'
        )
        results.append(
            {
                "ruleId": "py.eval",
                "level": "warning",
                "message": {"text": "Use of eval on user input."},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": path},
                            "region": {"startLine": 5},
                        }
                    }
                ],
            }
        )
    rule = {"id": "py.eval", "properties": {"tags": ["external/cwe/cwe-95"]}}
    log = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "semgrep", "rules": [rule]}}, "results": results}],
    }
    report = root / "report.sarif"
    report.write_text(json.dumps(log))
    return repo


def _work(settings: Settings, threads: int, ready: Any, go: Any, results: Any) -> None:
    """Child process: one worker (``threads`` cases at a time) until nothing is left to claim."""
    runtime = open_runtime(settings)
    with runtime.workflow(connections=threads) as (deps, graph):
        ready.wait()  # every worker is set up: the clock starts now
        go.wait()
        cpu = time.process_time() + _children_cpu()
        report = run_worker(
            deps,
            graph,
            WorkerOptions(worker_id=f"bench-{os.getpid()}", concurrency=threads, once=True),
        )
        cpu = time.process_time() + _children_cpu() - cpu
    results.put((len(report.advanced), len(report.failed), cpu))


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(value) for value in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    """CPU seconds of finished child processes (``git blame`` for code context)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(
    cases: int, latency: float, concurrency: int, processes: int, db_url: str | None
) -> dict[str, Any]:
    """One measurement: ``concurrency`` cases in flight, spread over ``processes`` workers."""
    processes = max(1, min(processes, concurrency))
    threads = -(-concurrency // processes)
    with ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-batch-")))
        repo = _write_inputs(root, cases)
        store = stack.enter_context(fresh_store(db_url, root))
        parent, child = multiprocessing.Pipe()
        server = multiprocessing.Process(target=_serve_stub, args=(latency, child), daemon=True)
        server.start()
        try:
            settings = Settings(
                db_url=store,
                state_dir=root / ".appsec-triage",
                llm_provider="openai",
                llm_model=MODEL,
                llm_base_url=str(parent.recv()),
                openai_api_key=SecretStr(STUB_API_KEY),
                llm_requests_per_second=0,
                llm_max_retries=0,
            )
            runtime = open_runtime(settings)
            summary = ingest(
                runtime.database,
                root / "report.sarif",
                repo_root=repo,
                repository=REPOSITORY,
                options=options(max_results=cases + 1),
            )
            assert summary["new"] == cases, summary
            runtime.database.dispose()  # no connection crosses the fork
            ready = multiprocessing.Barrier(processes + 1)
            go = multiprocessing.Event()
            results: Any = multiprocessing.Queue()
            workers = [
                multiprocessing.Process(target=_work, args=(settings, threads, ready, go, results))
                for _ in range(processes)
            ]
            for worker in workers:
                worker.start()
            ready.wait()
            busy_before = _machine_busy()
            started = time.perf_counter()
            go.set()
            outcomes = [results.get(timeout=3600) for _ in workers]
            wall = time.perf_counter() - started
            busy = _machine_busy() - busy_before
            for worker in workers:
                worker.join()
            parent.send("stop")
            calls = int(parent.recv())
        finally:
            server.join(timeout=10)
            if server.is_alive():
                server.kill()
    assert sum(failed for _, failed, _ in outcomes) == 0, outcomes
    cpu = sum(seconds for _, _, seconds in outcomes)
    ideal = calls * latency / concurrency
    return {
        "cases": sum(advanced for advanced, _, _ in outcomes),
        "concurrency": concurrency,
        "processes": processes,
        "threads_per_process": threads,
        "model_calls": calls,
        "wall_s": round(wall, 2),
        "ideal_s": round(ideal, 2),
        "ratio": round(wall / ideal, 2) if ideal else None,
        "worker_cpu_s": round(cpu, 1),
        # Every process on the machine (this run's workers, the stub, PostgreSQL, and anything
        # else running): near 1.0 means the CPUs, not the model, set the pace.
        "machine_busy": round(busy / (wall * (os.cpu_count() or 1)), 2),
        "cpu_ms_per_case": round(1000 * cpu / cases, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="Worker processes sharing the concurrency (default: one per CPU): one process is "
        "bound by the GIL for the Python work of each case.",
    )
    parser.add_argument("--db-url", default=None)
    args = parser.parse_args()
    print(
        f"# {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"store: {'postgresql' if args.db_url else 'sqlite'}",
        flush=True,
    )
    for concurrency in args.concurrency:
        result = run_once(args.cases, args.latency, concurrency, args.processes, args.db_url)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
