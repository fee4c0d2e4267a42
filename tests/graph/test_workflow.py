"""The per-case workflow in-process, on the real store and checkpointer."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph.types import Command
from sqlmodel import select

from agent.demo import ingest_example
from agent.nodes import thread_id_for
from agent.runtime import Runtime, open_runtime
from agent.workflow import decide_and_resume, triage
from approvals.decisions import Decision, decide
from approvals.errors import AlreadyDecided, ApprovalExpired
from approvals.requests import list_approvals, payload_hash
from config.settings import Settings
from tools.publish.publisher import PublishError
from tools.store.tables import (
    ApprovalRow,
    AuditEventRow,
    CaseRow,
    OutboxRow,
    OutboxStatus,
    ProposalRow,
)


def _ingest_example(runtime: Runtime) -> None:
    assert ingest_example(runtime).status == "ok"


def _outbox_files(runtime: Runtime) -> list[Path]:
    return sorted(runtime.settings.resolved_outbox_dir().glob("case-*.md"))


def _approval_for(runtime: Runtime, rule_id: str) -> ApprovalRow:
    with runtime.database.session() as session:
        return next(
            a for a in list_approvals(session) if f"] {rule_id} " in a.payload["ticket"]["title"]
        )


@pytest.fixture
def triaged(runtime: Runtime) -> Runtime:
    _ingest_example(runtime)
    with runtime.workflow() as (deps, graph):
        summary = triage(deps, graph, limit=None)
    assert summary.started == 19 and len(summary.pending) == 19
    return runtime


def test_triage_pauses_every_case_at_its_own_approval(triaged: Runtime) -> None:
    with triaged.database.session() as session:
        cases = session.exec(select(CaseRow)).all()
        proposals = session.exec(select(ProposalRow)).all()
        approvals = list_approvals(session)
    assert {c.status for c in cases} == {"awaiting_approval"}
    assert len(proposals) == len(approvals) == 19
    assert {a.thread_id for a in approvals} == {thread_id_for(c.id or 0) for c in cases}
    sqli = _approval_for(triaged, "B608")
    ticket = sqli.payload["ticket"]
    assert ticket["title"].startswith("[high] B608")  # Bandit said medium; the CWE-89 floor
    assert "cur.execute(query)" in ticket["body"]  # snippet read from the repository
    assert _outbox_files(triaged) == []


def test_a_second_triage_run_changes_nothing(triaged: Runtime) -> None:
    with triaged.workflow() as (deps, graph):
        summary = triage(deps, graph, limit=None)
    assert (summary.started, summary.resumed, len(summary.pending)) == (0, 0, 19)
    with triaged.database.session() as session:
        assert len(list_approvals(session)) == 19


def test_approval_publishes_exactly_once(triaged: Runtime) -> None:
    approval = _approval_for(triaged, "B602")
    with triaged.workflow() as (deps, graph):
        decided, outcome = decide_and_resume(
            deps, graph, approval_id=approval.id, decision=Decision.APPROVE, actor="alice"
        )
        assert (decided.approval.status, outcome) == ("approved", "published")
        with pytest.raises(AlreadyDecided, match="already decided: approved by alice"):
            decide_and_resume(
                deps, graph, approval_id=approval.id, decision=Decision.REJECT, actor="mallory"
            )
        # A stale resume straight into the finished thread is ignored by LangGraph, and the
        # outbox claim would refuse a second write anyway.
        graph.invoke(
            Command(resume={"approval_id": approval.id, "status": "approved"}),
            {"configurable": {"thread_id": approval.thread_id}},
        )
    files = _outbox_files(triaged)
    assert [f.name for f in files] == [f"case-{approval.case_id}.md"]
    text = files[0].read_text()
    assert approval.payload["ticket"]["title"] in text
    assert f"<!-- appsec-triage:case={approval.case_id} -->" in text
    with triaged.database.session() as session:
        (row,) = session.exec(select(OutboxRow)).all()
        events = [e.event for e in session.exec(select(AuditEventRow))]
    assert row.status == OutboxStatus.PUBLISHED and row.ref == str(files[0])
    assert events.count("ticket.published") == 1 and events.count("approval.approved") == 1


def test_rejection_publishes_nothing(triaged: Runtime) -> None:
    approval = _approval_for(triaged, "B101")
    with triaged.workflow() as (deps, graph):
        _, outcome = decide_and_resume(
            deps,
            graph,
            approval_id=approval.id,
            decision=Decision.REJECT,
            actor="bob",
            reason="test code",
        )
    assert outcome == "rejected"
    assert _outbox_files(triaged) == []


def test_a_forged_resume_without_a_stored_approval_publishes_nothing(triaged: Runtime) -> None:
    approval = _approval_for(triaged, "B301")
    with triaged.workflow() as (_deps, graph):
        out = graph.invoke(
            Command(resume={"approval_id": approval.id, "status": "approved"}),
            {"configurable": {"thread_id": approval.thread_id}},
        )
    assert out["outcome"].startswith("refused: approval")
    assert _outbox_files(triaged) == []


def test_a_payload_changed_after_approval_is_refused(triaged: Runtime) -> None:
    approval = _approval_for(triaged, "B324")
    with triaged.database.session() as session:
        decide(
            session,
            approval_id=approval.id,
            decision=Decision.APPROVE,
            actor="alice",
            now=triaged.deps().clock(),
        )
        row = session.get(ApprovalRow, approval.id)
        assert row is not None
        row.payload = {"ticket": {**row.payload["ticket"], "repository": "attacker/elsewhere"}}
        session.add(row)
    with triaged.workflow() as (deps, graph):
        summary = triage(deps, graph, limit=None)
    assert summary.finished[approval.case_id].startswith("refused:")
    assert "no longer matches the approved hash" in summary.finished[approval.case_id]
    assert _outbox_files(triaged) == []


def test_an_expired_approval_cannot_be_decided(triaged: Runtime) -> None:
    approval = _approval_for(triaged, "B105")
    later = approval.expires_at
    with triaged.database.session() as session, pytest.raises(ApprovalExpired):
        decide(session, approval_id=approval.id, decision=Decision.APPROVE, actor="a", now=later)


def test_a_failed_write_is_reported_and_retried_once_fixed(triaged: Runtime) -> None:
    approval = _approval_for(triaged, "B608")
    outbox_dir = triaged.settings.resolved_outbox_dir()
    outbox_dir.parent.mkdir(parents=True, exist_ok=True)
    outbox_dir.write_text("a file where the outbox directory should be")
    with triaged.workflow() as (deps, graph):
        with pytest.raises(PublishError, match="cannot write the outbox file"):
            decide_and_resume(
                deps, graph, approval_id=approval.id, decision=Decision.APPROVE, actor="alice"
            )
        summary = triage(deps, graph, limit=None)
        assert "cannot write the outbox file" in summary.failed[approval.case_id]
        assert len(summary.pending) == 18  # the other cases are untouched

        outbox_dir.unlink()
        summary = triage(deps, graph, limit=None)
    assert summary.finished == {approval.case_id: "published"}
    assert [f.name for f in _outbox_files(triaged)] == [f"case-{approval.case_id}.md"]


def test_tickets_carry_the_enclosing_function_owners_and_last_change(triaged: Runtime) -> None:
    sqli = _approval_for(triaged, "B608").payload["ticket"]["body"]
    assert "| Function | ` search_notes ` |" in sqli
    assert "| Owners | ` @example-org/notes-team ` |" in sqli
    vendored = _approval_for(triaged, "B307").payload["ticket"]["body"]
    assert "| Owners | ` @example-org/platform ` |" in vendored
    assert "| Last change | " in sqli  # its value depends on this checkout's history


def test_a_ticket_for_another_repository_is_never_written(triaged: Runtime) -> None:
    """A forged approval whose hash is consistent but whose target is elsewhere writes nothing."""
    approval = _approval_for(triaged, "B608")
    with triaged.database.session() as session:
        row = session.get(ApprovalRow, approval.id)
        assert row is not None
        row.payload = {"ticket": {**row.payload["ticket"], "repository": "attacker/exfil"}}
        row.content_hash = payload_hash(row)  # the forger recomputed the hash too
        session.add(row)
    with triaged.workflow() as (deps, graph):
        _, outcome = decide_and_resume(
            deps, graph, approval_id=approval.id, decision=Decision.APPROVE, actor="alice"
        )
    assert outcome is not None and "targets 'attacker/exfil'" in outcome
    assert _outbox_files(triaged) == []


def test_a_repository_outside_the_allowlist_is_never_written(
    settings: Settings, tmp_path: Path
) -> None:
    runtime = open_runtime(settings.model_copy(update={"allowed_repositories": ("other/*",)}))
    assert ingest_example(runtime).status == "ok"
    with runtime.workflow() as (deps, graph):
        triage(deps, graph, limit=None)
        approval = _approval_for(runtime, "B602")
        _, outcome = decide_and_resume(
            deps, graph, approval_id=approval.id, decision=Decision.APPROVE, actor="alice"
        )
    assert outcome is not None and "not in APPSEC_TRIAGE_ALLOWED_REPOSITORIES" in outcome
    assert _outbox_files(runtime) == []
    runtime.database.dispose()
