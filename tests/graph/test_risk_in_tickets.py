"""A known-exploited CVE reaches the ticket as high severity with a P1 deadline and its sources."""

from __future__ import annotations

from pathlib import Path

from agent.ingest import ingest_file
from agent.runtime import Runtime
from agent.workflow import triage
from approvals.requests import get_approval
from tests.support.ingesting import options
from tests.support.sarif import one_result_log, write_log


def test_a_kev_listed_cve_is_raised_to_high_and_prioritised(
    runtime: Runtime, tmp_path: Path
) -> None:
    log = one_result_log(
        rule_id="CVE-2025-48384",
        level="note",
        path="Dockerfile",
        line=1,
        tool="Trivy",
        message="git 2.49.0 is affected by CVE-2025-48384.",
    )
    report = write_log(tmp_path, "trivy.sarif", log)
    assert (
        ingest_file(
            runtime.database,
            report,
            repo_root=None,
            repository="o/r",
            format_name=None,
            options=options(),
        ).status
        == "ok"
    )
    with runtime.workflow() as (deps, graph):
        (approval_id,) = triage(deps, graph, limit=None).pending
    with runtime.database.session() as session:
        body = get_approval(session, approval_id).payload["ticket"]["body"]
    assert "- Severity: **high** (scanner: low)" in body
    assert "raised to high: CVE-2025-48384 is exploited in the wild" in body
    assert "- Priority: **P1** (act)" in body
    assert "source: CISA KEV 2025.08.25 (released 2025-08-25)" in body
    assert (
        "exposure: internet (assumed: unknown) — source: no business context entry matched" in body
    )
