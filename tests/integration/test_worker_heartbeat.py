"""A case that takes longer than the lease keeps its claim: the heartbeat renews it."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlmodel import select

from agent.runtime import open_runtime
from agent.worker import WorkerOptions, run_worker
from config.settings import Settings
from tests.support.ingesting import ingest
from tests.support.openai_stub import STUB_API_KEY, answer_when_asked, running_openai_stub
from tools.store.claims import claim_cases
from tools.store.tables import CaseRow, CaseStatus

ANSWER = {
    "verdict": "true_positive",
    "severity": "high",
    "rationale": "User input reaches eval.",
    "evidence": [],
    "fix_recommendation": "Do not evaluate user input.",
    "confidence": 0.8,
    "cwe_ids": ["CWE-95"],
}


def _code_findings(root: Path, count: int) -> tuple[Path, Path]:
    repo = root / "repo"
    (repo / "app").mkdir(parents=True)
    results = []
    for i in range(count):
        path = f"app/mod{i}.py"
        (repo / path).write_text(f"def handle_{i}(data):\n    return eval(data)  # {i}\n")
        results.append(
            {
                "ruleId": "py.eval",
                "level": "warning",
                "message": {"text": "Use of eval on user input."},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": path},
                            "region": {"startLine": 2},
                        }
                    }
                ],
            }
        )
    rule = {"id": "py.eval", "properties": {"tags": ["external/cwe/cwe-95"]}}
    report = root / "report.sarif"
    report.write_text(
        json.dumps(
            {
                "version": "2.1.0",
                "runs": [
                    {"tool": {"driver": {"name": "semgrep", "rules": [rule]}}, "results": results}
                ],
            }
        )
    )
    return repo, report


def test_a_case_slower_than_its_lease_is_renewed_and_not_taken_over(
    db_url: str, tmp_path: Path
) -> None:
    repo, report = _code_findings(tmp_path, 2)
    # Each model call takes 1.5 s, so each case about 3 s: three times the 1 s lease.
    with running_openai_stub(fallback=answer_when_asked(ANSWER), latency=1.5) as stub:
        runtime = open_runtime(
            Settings(
                db_url=db_url,
                state_dir=tmp_path / ".appsec-triage",
                llm_provider="openai",
                llm_model="stub-model",
                llm_base_url=stub.openai_base_url,
                openai_api_key=SecretStr(STUB_API_KEY),
                llm_requests_per_second=0,
                llm_max_retries=0,
            )
        )
        ingest(runtime.database, report, repo_root=repo, repository="acme/app")
        rivals: list[int] = []
        done = threading.Event()

        def rival() -> None:
            # Another worker keeps trying to claim while the first one works.
            while not done.wait(0.2):
                with runtime.database.session() as session:
                    claims = claim_cases(
                        session,
                        worker="rival",
                        now=runtime.deps().clock(),
                        lease=timedelta(seconds=1),
                        limit=5,
                    )
                rivals.extend(c.case_id for c in claims)

        with runtime.workflow(connections=2) as (deps, graph):
            watcher = threading.Thread(target=rival)
            watcher.start()
            try:
                report_ = run_worker(
                    deps,
                    graph,
                    WorkerOptions(
                        worker_id="slow",
                        lease=timedelta(seconds=1),
                        concurrency=2,
                        once=True,
                    ),
                )
            finally:
                done.set()
                watcher.join()
        calls = len(stub.completions())
    with runtime.database.session() as session:
        cases = session.exec(select(CaseRow)).all()
    runtime.database.dispose()
    assert calls >= 4  # the model really was consulted, slowly, for both cases
    assert rivals == [] and report_.lost == []
    assert sorted(report_.advanced) == sorted(c.id for c in cases if c.id is not None)
    assert {c.status for c in cases} == {CaseStatus.AWAITING_APPROVAL}
