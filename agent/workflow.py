"""Running the workflow: start new cases, resume decided ones, apply a human decision.

Each case is its own LangGraph thread, so a decision on one case never re-runs another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langgraph.types import Command

from agent import cases
from agent.deps import WorkflowDeps
from agent.grouping import flagged_code, root_cause_key
from agent.nodes import thread_id_for
from approvals.decisions import Decision, Outcome, decide
from approvals.requests import current_approval
from tools.store.findings import untriaged_findings
from tools.store.tables import ApprovalStatus, FindingRow

Graph = Any  # CompiledStateGraph; kept loose because LangGraph's generics add nothing here

log = logging.getLogger(__name__)


@dataclass
class TriageSummary:
    started: int = 0
    resumed: int = 0
    pending: list[str] = field(default_factory=list)
    """Approval ids now waiting for a human."""
    finished: dict[int, str] = field(default_factory=dict)
    """Case id → outcome, for cases that reached the end in this run."""
    failed: dict[int, str] = field(default_factory=dict)
    """Case id → error, for cases that raised; their threads stay resumable."""


def triage(
    deps: WorkflowDeps,
    graph: Graph,
    *,
    limit: int | None,
    progress: Callable[[str], None] = lambda _message: None,
) -> TriageSummary:
    """Advance every open case, then open and run cases for up to ``limit`` untriaged findings."""
    summary = TriageSummary()
    with deps.database.session() as session:
        unfinished = list(cases.open_cases(session))
    for case in unfinished:
        assert case.id is not None
        if _advance_safely(graph, deps, case.id, summary):
            summary.resumed += 1
    with deps.database.session() as session:
        opened = [
            cases.open_case(session, f, deps.clock(), group_key=_group_key(deps, f))
            for f in untriaged_findings(session, limit)
        ]
    fresh = [new.id for new in opened if new is not None and new.id is not None]
    for index, case_id in enumerate(fresh, start=1):
        progress(f"triaging case {case_id} ({index}/{len(fresh)})")
        _advance_safely(graph, deps, case_id, summary)
        summary.started += 1
    return summary


def _group_key(deps: WorkflowDeps, finding: FindingRow) -> str | None:
    """Findings that share a root cause share a case (agent/grouping.py), unless turned off."""
    if not deps.group_findings:
        return None
    return root_cause_key(finding, flagged_code(finding, max_file_bytes=deps.max_file_bytes))


def decide_and_resume(
    deps: WorkflowDeps,
    graph: Graph,
    *,
    approval_id: str,
    decision: Decision,
    actor: str,
    reason: str | None = None,
) -> tuple[Outcome, str | None]:
    """Record the decision (compare-and-set), then resume the case's thread to its end.

    The decision is committed before the thread resumes: if this process dies in between, the
    next ``triage`` run finds the decided approval and finishes the case. A vote that still waits
    for another approver resumes nothing.
    """
    with deps.database.session() as session:
        outcome = decide(
            session,
            approval_id=approval_id,
            decision=decision,
            actor=actor,
            now=deps.clock(),
            reason=reason,
        )
    if not outcome.complete:
        return outcome, None
    deps.crashpoints.reach("after-approval-recorded")
    return outcome, resume_case(deps, graph, outcome.approval.case_id)


def resume_approval(deps: WorkflowDeps, graph: Graph, approval_id: str) -> str | None:
    """Advance the case an approval belongs to (after a decision made elsewhere, e.g. Slack)."""
    with deps.database.session() as session:
        case_id = current_approval(session, approval_id).case_id
    return resume_case(deps, graph, case_id)


def resume_case(deps: WorkflowDeps, graph: Graph, case_id: int) -> str | None:
    """Advance one case after a decision; its outcome if it finished."""
    summary = TriageSummary()
    _advance(graph, deps, case_id, summary)
    return summary.finished.get(case_id)


def advance_case(deps: WorkflowDeps, graph: Graph, case_id: int) -> TriageSummary:
    """Move one case as far as it can go now (agent.worker's unit of work); raises if it fails."""
    summary = TriageSummary()
    if _advance(graph, deps, case_id, summary):
        summary.resumed += 1
    return summary


def _advance_safely(graph: Graph, deps: WorkflowDeps, case_id: int, summary: TriageSummary) -> bool:
    """One failing case must not stop the others; its checkpoint lets a later run retry it."""
    try:
        return _advance(graph, deps, case_id, summary)
    except Exception as exc:  # reported per case; the others go on
        log.exception("case %d failed; its thread stays resumable", case_id)
        summary.failed[case_id] = f"{type(exc).__name__}: {exc}"
        return False


def _advance(graph: Graph, deps: WorkflowDeps, case_id: int, summary: TriageSummary) -> bool:
    """Move one case's thread as far as it can go now; True if it moved.

    Durability "sync": every step's checkpoint is on disk before the next step starts, so a crash
    inside ``publish`` never loses the recorded answer of ``gate`` (the default, "async", can).
    """
    config = {"configurable": {"thread_id": thread_id_for(case_id)}}
    snapshot = graph.get_state(config)
    if not snapshot.values and not snapshot.next:
        graph.invoke({"case_id": case_id}, config, durability="sync")
    elif snapshot.interrupts:
        with deps.database.session() as session:
            approval = current_approval(session, snapshot.values["approval_id"])
        if approval.status == ApprovalStatus.PENDING:
            summary.pending.append(approval.id)
            return False
        answer = {"approval_id": approval.id, "status": approval.status}
        graph.invoke(Command(resume=answer), config, durability="sync")
    elif snapshot.next:
        # A run that stopped mid-way (a crash): continue from the last checkpoint.
        graph.invoke(None, config, durability="sync")
    else:
        return False
    after = graph.get_state(config)
    if after.interrupts:
        summary.pending.append(after.values["approval_id"])
        log.info("case %d waits for approval %s", case_id, after.values["approval_id"])
    elif not after.next:
        summary.finished[case_id] = after.values.get("outcome", "")
        log.info("case %d finished: %s", case_id, summary.finished[case_id])
    return True
