"""Several ``appsec-triage worker`` processes on one store: every case advanced exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import select

from tests.conftest import Cli
from tests.support.ingesting import ingest, options
from tests.support.many_findings import write_many
from tools.store.database import Database
from tools.store.tables import ApprovalRow, AuditEventRow, CaseRow, CaseStatus, ProposalRow


def _start_worker(cli: Cli, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "agent", "worker", "--once", "--json", *args],
        cwd=cli.cwd,
        env=cli.env | (env or {}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(worker: subprocess.Popen[str]) -> dict[str, Any]:
    stdout, stderr = worker.communicate(timeout=300)
    assert worker.returncode == 0, stderr[-3000:]
    report: dict[str, Any] = json.loads(stdout)
    return report


def _per_case(rows: list[int]) -> Counter[int]:
    return Counter(rows)


def test_four_workers_advance_a_thousand_cases_each_exactly_once(
    cli: Cli, database: Database, tmp_path: Path
) -> None:
    # SQLite (one writer at a time) is the development store: a smaller run shows the same.
    count = 100 if database.is_sqlite else 1000
    report = write_many(tmp_path / "many.sarif", count)
    assert ingest(database, report, options=options(max_results=2000))["new"] == count

    workers = [_start_worker(cli, "--concurrency", "4", "--lease-seconds", "120") for _ in range(4)]
    reports = [_finish(worker) for worker in workers]

    advanced = [case_id for r in reports for case_id in r["advanced"]]
    assert all(r["failed"] == {} and r["lost"] == [] for r in reports)
    assert len(advanced) == count
    assert len(set(advanced)) == count  # no case advanced by two workers, or twice by one
    assert sum(r["opened"] for r in reports) == count
    with database.session() as session:
        cases = session.exec(select(CaseRow)).all()
        approvals = _per_case([row.case_id for row in session.exec(select(ApprovalRow))])
        proposals = _per_case([row.case_id for row in session.exec(select(ProposalRow))])
        requested = _per_case(
            [
                row.case_id
                for row in session.exec(
                    select(AuditEventRow).where(AuditEventRow.event == "approval.requested")
                )
                if row.case_id is not None
            ]
        )
        checkpoints = dict(
            session.execute(
                text("SELECT thread_id, count(*) FROM checkpoints GROUP BY thread_id")
            ).all()
        )
    case_ids = {case.id for case in cases}
    assert case_ids == set(advanced)
    assert {case.status for case in cases} == {CaseStatus.AWAITING_APPROVAL}
    assert {case.claimed_by for case in cases} == {None}  # every claim given back
    assert set(approvals) == set(proposals) == set(requested) == case_ids
    assert set(approvals.values()) == set(proposals.values()) == set(requested.values()) == {1}
    # The same number of steps on every thread: no case's run was repeated in part.
    assert len(checkpoints) == count and len(set(checkpoints.values())) == 1
    shares = sorted(len(r["advanced"]) for r in reports)
    print(f"cases per worker: {shares}")


def test_a_killed_workers_cases_are_taken_over_when_its_lease_passes(
    cli: Cli, database: Database, tmp_path: Path
) -> None:
    ingest(database, write_many(tmp_path / "three.sarif", 3))
    dying = _start_worker(
        cli,
        "--concurrency",
        "3",
        "--lease-seconds",
        "2",
        env={"APPSEC_TRIAGE_CRASHPOINT": "worker-after-claim"},
    )
    dying.communicate(timeout=120)
    assert dying.returncode == -signal.SIGKILL
    with database.session() as session:
        claimed = session.exec(select(CaseRow)).all()
    holders = {case.claimed_by for case in claimed}
    assert len(claimed) == 3 and len(holders) == 1 and None not in holders
    assert {case.status for case in claimed} == {CaseStatus.TRIAGING}

    # Nothing renews the dead worker's lease: wait until it has passed, then start another.
    lease_end = max(case.lease_expires_at for case in claimed if case.lease_expires_at)
    while datetime.now(UTC) <= lease_end:
        time.sleep(0.1)
    successor = _finish(_start_worker(cli, "--concurrency", "2"))

    assert sorted(successor["advanced"]) == sorted(
        case.id for case in claimed if case.id is not None
    )
    with database.session() as session:
        after = session.exec(select(CaseRow)).all()
        approvals = _per_case([row.case_id for row in session.exec(select(ApprovalRow))])
    assert {case.status for case in after} == {CaseStatus.AWAITING_APPROVAL}
    assert {case.claimed_by for case in after} == {None}
    assert set(approvals.values()) == {1} and len(approvals) == 3


def test_a_decided_only_worker_publishes_an_approved_case_once_and_triages_nothing(
    cli: Cli, database: Database, tmp_path: Path
) -> None:
    assert cli("demo").code == 0
    pending = json.loads(cli("approvals", "list", "--status", "pending", "--json").stdout)
    approval_id, case_id = str(pending[0]["id"]), pending[0]["case"]
    # The process that recorded the approval dies before it resumes the case.
    crashed = cli(
        "approvals",
        "approve",
        approval_id,
        extra_env={"APPSEC_TRIAGE_CRASHPOINT": "after-approval-recorded"},
    )
    assert crashed.code == -signal.SIGKILL
    ingest(database, write_many(tmp_path / "new.sarif", 3))  # not for a publishing job

    args = ("--decided-only", "--decision-grace-seconds", "0")
    published = _finish(_start_worker(cli, *args))
    again = _finish(_start_worker(cli, *args))

    assert published["advanced"] == [case_id] and published["opened"] == 0
    assert published["finished"] == {str(case_id): "published"}
    assert again["advanced"] == []
    assert sorted(p.name for p in cli.outbox.glob("case-*.md")) == [f"case-{case_id}.md"]
    with database.session() as session:
        statuses = Counter(case.status for case in session.exec(select(CaseRow)))
    assert statuses[CaseStatus.PUBLISHED] == 1
    assert statuses[CaseStatus.AWAITING_APPROVAL] == len(pending) - 1
    assert statuses[CaseStatus.TRIAGING] == 0  # the new findings got no case here
