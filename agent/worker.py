"""A worker: claims cases from the store and advances each through the workflow.

Any number of workers, in any number of processes or machines, share one store: each case is
claimed by one worker at a time (tools.store.claims), advanced on its own LangGraph thread from
its last checkpoint, and released. A heartbeat renews the leases of the cases in flight; a
worker that dies stops renewing and, once its leases pass, the others take its cases over.
``appsec-triage worker`` runs this loop; ``appsec-triage batch`` runs it in-process with budgets.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from sqlalchemy.exc import SQLAlchemyError

from agent.budget import BudgetMeter
from agent.deps import WorkflowDeps
from agent.grouping import flagged_code, root_cause_key
from agent.intake import open_untriaged
from agent.workflow import Graph, TriageSummary, advance_case
from tools.store.claims import Claim, claim_cases, release, renew
from tools.store.tables import FindingRow

log = logging.getLogger(__name__)


def new_worker_id() -> str:
    """Unique per process, and says where the process runs (shown in claims and logs)."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class WorkerOptions:
    worker_id: str
    lease: timedelta = timedelta(minutes=5)
    """How long a claim holds without a heartbeat; renewed every third of it."""
    concurrency: int = 1
    """Cases advanced at the same time (threads; the model call is what they wait on)."""
    once: bool = False
    """Stop when nothing is left to claim, instead of polling for more."""
    poll_seconds: float = 5.0
    retry_after: timedelta = timedelta(minutes=5)
    """A failed case waits this long (doubled per failure in a row) before it is retried."""
    decision_grace: timedelta = timedelta(minutes=2)
    """A decided approval is left this long to the process that recorded it (Slack, CLI)."""
    open_batch: int = 500
    """Untriaged findings turned into cases per look."""
    repositories: Collection[str] | None = None
    """Only cases of these repositories (batch); None: all."""
    decided_only: bool = False
    """Only resume cases a human decided (publish); open and triage nothing new."""


@dataclass
class WorkerReport:
    advanced: list[int] = field(default_factory=list)
    """Case ids this worker advanced, in completion order."""
    opened: int = 0
    pending: list[str] = field(default_factory=list)
    finished: dict[int, str] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    lost: list[int] = field(default_factory=list)
    """Cases whose lease another worker took over while this one was still on them."""
    stopped: str | None = None
    """Why the run stopped before the queue was empty (a budget, a signal)."""


CaseListener = Callable[[int, TriageSummary | None], None]


def run_worker(
    deps: WorkflowDeps,
    graph: Graph,
    options: WorkerOptions,
    *,
    meter: BudgetMeter | None = None,
    stop: threading.Event | None = None,
    on_case: CaseListener = lambda _case_id, _summary: None,
) -> WorkerReport:
    """Claim and advance cases until the queue is empty (``once``), a budget or ``stop`` ends it."""
    stop = stop or threading.Event()
    report = WorkerReport()
    holding = _Holding()
    with (
        ThreadPoolExecutor(options.concurrency, thread_name_prefix="case") as pool,
        _heartbeat(deps, options, holding, report),
    ):
        in_flight: dict[Future[TriageSummary | str], int] = {}
        while True:
            if stop.is_set():
                report.stopped = report.stopped or "asked to stop"
                break
            if meter is not None and (spent := meter.spent()):
                report.stopped = spent
                break
            free = options.concurrency - len(in_flight)
            claims = _claim_more(deps, options, meter, report, free) if free > 0 else []
            for claim in claims:
                deps.crashpoints.reach("worker-after-claim")
                holding.add(claim.case_id)
                job = pool.submit(_run_case, deps, graph, options, claim, holding)
                in_flight[job] = claim.case_id
            if not in_flight:
                if options.once:
                    break
                stop.wait(options.poll_seconds)
                continue
            if free > 0 and len(claims) == free:
                continue  # there may be more: fill the freed slots before waiting
            done, _ = wait(in_flight, timeout=options.poll_seconds, return_when=FIRST_COMPLETED)
            _collect(done, in_flight, report, on_case)
        _collect(set(in_flight), in_flight, report, on_case)  # the pool drains them
    return report


def _claim_more(
    deps: WorkflowDeps,
    options: WorkerOptions,
    meter: BudgetMeter | None,
    report: WorkerReport,
    free: int,
) -> list[Claim]:
    wanted = meter.take_cases(free) if meter is not None else free
    if wanted <= 0:
        return []
    try:
        claims = _claim(deps, options, wanted)
        if not claims and not options.decided_only:
            opened = open_untriaged(
                deps.database,
                now=deps.clock(),
                limit=max(options.open_batch, wanted),
                repositories=options.repositories,
                group_key=partial(_root_cause, deps),
            )
            report.opened += len(opened)
            # Claim again even if this worker opened nothing: another may just have opened them.
            claims = _claim(deps, options, wanted)
    except SQLAlchemyError:
        if options.once:
            raise
        # A long-running worker outlives a database restart: log, wait, try again.
        log.exception("worker %s cannot claim work now; retrying", options.worker_id)
        claims = []
    if meter is not None:
        meter.give_back(wanted - len(claims))
    return claims


def _root_cause(deps: WorkflowDeps, finding: FindingRow) -> str | None:
    """The case a finding shares with others of the same root cause (as ``triage`` groups)."""
    if not deps.group_findings:
        return None
    return root_cause_key(finding, flagged_code(finding, max_file_bytes=deps.max_file_bytes))


def _claim(deps: WorkflowDeps, options: WorkerOptions, limit: int) -> list[Claim]:
    with deps.database.session() as session:
        claims = claim_cases(
            session,
            worker=options.worker_id,
            now=deps.clock(),
            lease=options.lease,
            limit=limit,
            decision_grace=options.decision_grace,
            repositories=options.repositories,
            decided_only=options.decided_only,
        )
    for claim in claims:
        log.info(
            "claimed case %d",
            claim.case_id,
            extra={"case_id": claim.case_id, "worker": options.worker_id},
        )
    return claims


def _run_case(
    deps: WorkflowDeps, graph: Graph, options: WorkerOptions, claim: Claim, holding: _Holding
) -> TriageSummary | str:
    """Advance one claimed case and give it back; the error text if its run raised."""
    outcome: TriageSummary | str
    try:
        outcome = advance_case(deps, graph, claim.case_id)
    except Exception as exc:  # one failing case must not stop the worker; it is retried later
        log.exception(
            "case %d failed; it will be retried",
            claim.case_id,
            extra={"case_id": claim.case_id, "worker": options.worker_id},
        )
        outcome = f"{type(exc).__name__}: {exc}"
    # Before the release: the heartbeat must not mistake a released case for a lost one.
    holding.discard(claim.case_id)
    try:
        with deps.database.session() as session:
            kept = release(
                session,
                worker=options.worker_id,
                case_id=claim.case_id,
                failed=isinstance(outcome, str),
                now=deps.clock(),
                retry_after=options.retry_after,
            )
    except SQLAlchemyError:
        # The store is unreachable: the lease runs out by itself and the case is claimed again.
        log.exception(
            "case %d: could not give the claim back",
            claim.case_id,
            extra={"case_id": claim.case_id, "worker": options.worker_id},
        )
        return outcome
    if not kept:
        log.warning(
            "case %d: the lease ran out and another worker took the case over",
            claim.case_id,
            extra={"case_id": claim.case_id, "worker": options.worker_id},
        )
    return outcome


def _collect(
    done: Collection[Future[TriageSummary | str]],
    in_flight: dict[Future[TriageSummary | str], int],
    report: WorkerReport,
    on_case: CaseListener,
) -> None:
    for future in done:
        case_id = in_flight.pop(future)
        outcome = future.result()
        report.advanced.append(case_id)
        if isinstance(outcome, str):
            report.failed[case_id] = outcome
            on_case(case_id, None)
            continue
        report.pending.extend(outcome.pending)
        report.finished.update(outcome.finished)
        on_case(case_id, outcome)


class _Holding:
    """The case ids this worker holds now; shared with the heartbeat thread."""

    def __init__(self) -> None:
        self._ids: set[int] = set()
        self._lock = threading.Lock()

    def add(self, case_id: int) -> None:
        with self._lock:
            self._ids.add(case_id)

    def discard(self, case_id: int) -> None:
        with self._lock:
            self._ids.discard(case_id)

    def snapshot(self) -> set[int]:
        with self._lock:
            return set(self._ids)


@contextmanager
def _heartbeat(
    deps: WorkflowDeps,
    options: WorkerOptions,
    holding: _Holding,
    report: WorkerReport,
) -> Iterator[None]:
    """Renew the leases of the cases in flight every third of the lease, until the run ends."""
    finished = threading.Event()
    interval = max(options.lease.total_seconds() / 3, 0.1)

    def beat() -> None:
        while not finished.wait(interval):
            held = holding.snapshot()
            try:
                with deps.database.session() as session:
                    kept = renew(
                        session,
                        worker=options.worker_id,
                        case_ids=held,
                        now=deps.clock(),
                        lease=options.lease,
                    )
            except SQLAlchemyError:
                log.exception("worker %s could not renew its leases", options.worker_id)
                continue
            still_held = holding.snapshot()  # cases given back meanwhile were not renewed
            for case_id in sorted(held - kept - set(report.lost)):
                if case_id in still_held:
                    report.lost.append(case_id)
                    log.warning(
                        "case %d: lease lost to another worker",
                        case_id,
                        extra={"case_id": case_id, "worker": options.worker_id},
                    )

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        finished.set()
        thread.join()
