"""A batch run over many repositories: ingest each, triage every case, post the approvals.

Resumable by construction, so a run killed at any point (SIGKILL, OOM, a cancelled CI job) is
continued by running it again:

- ingest: a report already stored with the same content is skipped (agent.batch_ingest);
- triage: cases are claimed and advanced by the worker loop (agent.worker), each on its own
  LangGraph thread from its last checkpoint; an approval is opened once per exact payload;
- the killed run's claims expire after the lease; the rerun waits for them rather than leave
  those cases for the night after;
- posting: only approvals without a Slack message are posted;
- publishing happens only after a human approves, exactly once through the outbox.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select
from sqlmodel import col

from agent.batch_ingest import GithubAccess, RepositoryIngest, ingest_repository
from agent.budget import BudgetMeter, RunBudget
from agent.deps import WorkflowDeps
from agent.followups import propose_followups
from agent.ingest import IngestOptions
from agent.intake import untriaged_count
from agent.worker import WorkerOptions, WorkerReport, new_worker_id, run_worker
from agent.workflow import Graph, TriageSummary
from config.batch import BatchConfig
from tools.store.database import Database
from tools.store.tables import CaseRow, CaseStatus, ModelUsageRow


class BatchProgress(Protocol):
    """Where a batch run reports what it is doing (a progress bar, a log, nothing)."""

    def phase(self, description: str, total: int | None) -> None:
        """A new phase of ``total`` steps (None: unknown)."""

    def note(self, text: str) -> None:
        """What the phase is on now (a file, a repository, a wait)."""

    def advance(self) -> None:
        """One step of the phase done."""


class SilentProgress:
    def phase(self, description: str, total: int | None) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def advance(self) -> None:
        pass


@dataclass
class RepositoryOutcome:
    ingest: RepositoryIngest = field(default_factory=RepositoryIngest)
    advanced: int = 0
    pending: int = 0
    finished: int = 0
    failed: int = 0


@dataclass
class BatchReport:
    repositories: dict[str, RepositoryOutcome]
    worker: WorkerReport
    stopped: str | None
    """Why the run stopped early (a budget); None when it got through everything."""
    left: int = 0
    """Cases of these repositories still to triage (a stopped run's rest, failures to retry)."""
    posted: int = 0
    followups: int = 0
    """Approvals opened for GitHub follow-ups: a comment on a re-seen issue, closing a fixed one."""
    tokens: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class BatchSetup:
    config: BatchConfig
    base: Path
    """The config file's directory: relative report paths start here."""
    concurrency: int
    ingest_options: IngestOptions
    github: GithubAccess | None = None
    post_approvals: Callable[[], int] | None = None
    """Posts the approvals that have no Slack message yet; None without Slack."""


def run_batch(
    deps: WorkflowDeps,
    graph: Graph,
    setup: BatchSetup,
    *,
    progress: BatchProgress | None = None,
    stop: threading.Event | None = None,
) -> BatchReport:
    """Ingest every repository, triage their cases within the budgets, post the approvals."""
    progress = progress or SilentProgress()
    database = deps.database
    config = setup.config
    started_at = deps.clock()
    names = [entry.name for entry in config.repositories]
    outcomes = {name: RepositoryOutcome() for name in names}
    meter = BudgetMeter(
        RunBudget(
            max_cases=config.budgets.max_cases,
            max_tokens=config.budgets.max_model_tokens,
            max_seconds=config.budgets.max_wall_seconds,
        ),
        tokens_used=_TokenCounter(database, since=started_at),
    )

    progress.phase("ingest", len(config.repositories))
    cut_short: str | None = None
    for entry in config.repositories:
        if cut_short := meter.spent():
            break  # the rest of the repositories are ingested by the next run
        outcomes[entry.name].ingest = ingest_repository(
            database,
            entry,
            base=setup.base,
            options=setup.ingest_options,
            github=setup.github,
            note=progress.note,
        )
        progress.advance()

    todo = _cases_to_do(database, names)
    if config.budgets.max_cases is not None:
        todo = min(todo, config.budgets.max_cases)
    progress.phase("triage", todo)
    options = WorkerOptions(
        worker_id=f"batch:{new_worker_id()}",
        lease=timedelta(seconds=config.lease_seconds),
        concurrency=setup.concurrency,
        once=True,
        repositories=frozenset(names),
    )
    worker = WorkerReport()
    first_case_done = threading.Event()

    def on_case(case_id: int, _summary: TriageSummary | None) -> None:
        progress.advance()
        if not first_case_done.is_set():
            first_case_done.set()
            deps.crashpoints.reach("batch-after-first-case")

    while True:
        round_report = run_worker(deps, graph, options, meter=meter, stop=stop, on_case=on_case)
        _merge(worker, round_report)
        if round_report.stopped is not None:
            break
        held_until = _held_elsewhere(database, names, deps.clock())
        if held_until is None:
            break
        # Cases another worker holds, most likely a killed earlier run of this batch: wait
        # for its lease to pass (or for that worker to finish them), then claim what is left.
        progress.note(f"waiting for cases claimed by another worker until {held_until:%H:%M:%S}")
        _sleep_until(held_until, deps.clock, meter, stop)

    # Published cases this run's scans saw again, or no longer see: each follow-up is its own
    # approval (agent/followups.py), posted with the rest.
    followups = len(propose_followups(deps))
    posted = 0
    # A spent budget still posts what this run triaged; only a signal skips it (the next run
    # posts what is left: posting picks up every approval without a Slack message).
    if setup.post_approvals is not None and not (stop is not None and stop.is_set()):
        progress.phase("post approvals", None)
        posted = setup.post_approvals()
    _attribute(database, worker, outcomes)
    left = _cases_to_do(database, names)
    return BatchReport(
        repositories=outcomes,
        worker=worker,
        stopped=cut_short or (worker.stopped if left else None),
        left=left,
        posted=posted,
        followups=followups,
        tokens=meter.tokens,
        seconds=meter.elapsed,
    )


def _merge(total: WorkerReport, part: WorkerReport) -> None:
    total.advanced.extend(part.advanced)
    total.opened += part.opened
    total.pending.extend(part.pending)
    total.finished.update(part.finished)
    total.failed.update(part.failed)
    total.lost.extend(part.lost)
    total.stopped = part.stopped


def _cases_to_do(database: Database, repositories: list[str]) -> int:
    """Open cases still triaging plus findings with no case yet, in these repositories."""
    with database.session() as session:
        triaging = session.execute(
            select(func.count())
            .select_from(CaseRow)
            .where(
                col(CaseRow.status) == CaseStatus.TRIAGING.value,
                col(CaseRow.repository).in_(repositories),
            )
        ).scalar_one()
    return int(triaging) + untriaged_count(database, repositories)


def _held_elsewhere(database: Database, repositories: list[str], now: datetime) -> datetime | None:
    """When the first live claim by another worker on a triaging case here expires; None if none."""
    with database.session() as session:
        first = session.execute(
            select(func.min(col(CaseRow.lease_expires_at))).where(
                col(CaseRow.status) == CaseStatus.TRIAGING.value,
                col(CaseRow.repository).in_(repositories),
                col(CaseRow.claimed_by).is_not(None),
                col(CaseRow.lease_expires_at) > now,
            )
        ).scalar()
    return first if isinstance(first, datetime) else None


def _sleep_until(
    moment: datetime,
    clock: Callable[[], datetime],
    meter: BudgetMeter,
    stop: threading.Event | None,
) -> None:
    while clock() <= moment and not meter.spent() and not (stop and stop.is_set()):
        time.sleep(min(0.5, max(0.05, (moment - clock()).total_seconds())))


def _attribute(
    database: Database, worker: WorkerReport, outcomes: dict[str, RepositoryOutcome]
) -> None:
    """Per-repository counts of what the triage step did."""
    advanced = sorted(set(worker.advanced))
    if not advanced:
        return
    with database.session() as session:
        rows = session.execute(
            select(col(CaseRow.id), col(CaseRow.repository), col(CaseRow.status)).where(
                col(CaseRow.id).in_(advanced)
            )
        ).all()
    for case_id, repository, status in rows:
        outcome = outcomes.get(str(repository))
        if outcome is None:
            continue
        outcome.advanced += 1
        if case_id in worker.failed:
            outcome.failed += 1
        elif case_id in worker.finished:
            outcome.finished += 1
        elif status == CaseStatus.AWAITING_APPROVAL:
            outcome.pending += 1


class _TokenCounter:
    """Model tokens recorded since the run started (the model stage records each case's)."""

    def __init__(self, database: Database, *, since: datetime) -> None:
        self.database = database
        self.since = since
        self._checked = 0.0
        self._value = 0
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            # At most a query a second: the budget is checked after every case.
            if time.monotonic() - self._checked >= 1.0:
                with self.database.session() as session:
                    spent = session.execute(
                        select(
                            func.coalesce(
                                func.sum(
                                    col(ModelUsageRow.input_tokens)
                                    + col(ModelUsageRow.output_tokens)
                                ),
                                0,
                            )
                        ).where(col(ModelUsageRow.created_at) >= self.since)
                    ).scalar_one()
                self._value = int(spent)
                self._checked = time.monotonic()
            return self._value
