"""Two-person approvals for weakening a serious finding, and edits that supersede an approval."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from agent.ingest import ingest_file
from agent.runtime import Runtime
from agent.workflow import decide_and_resume, triage
from approvals.decisions import Decision, decide, supersede
from approvals.errors import AlreadyDecided, AlreadyVoted, NothingEdited
from approvals.requests import get_approval, list_approvals
from tests.support.ingesting import options
from tests.support.sarif import one_result_log, write_log


def _report(tmp_path: Path, path: str, level: str) -> Path:
    return write_log(tmp_path, f"{level}.sarif", one_result_log(path=path, level=level))


def _triage(runtime: Runtime, report: Path) -> str:
    result = ingest_file(
        runtime.database,
        report,
        repo_root=None,
        repository="o/r",
        format_name=None,
        options=options(),
    )
    assert result.status == "ok"
    with runtime.workflow() as (deps, graph):
        (approval_id,) = triage(deps, graph, limit=None).pending
    return approval_id


def _outbox(runtime: Runtime) -> list[Path]:
    return sorted(runtime.settings.resolved_outbox_dir().glob("case-*.md"))


def test_lowering_a_high_finding_needs_two_distinct_approvers(
    runtime: Runtime, tmp_path: Path
) -> None:
    approval_id = _triage(runtime, _report(tmp_path, "tests/test_x.py", "error"))
    with runtime.database.session() as session:
        assert get_approval(session, approval_id).required_approvals == 2
    with runtime.workflow() as (deps, graph):
        first, outcome = decide_and_resume(
            deps, graph, approval_id=approval_id, decision=Decision.APPROVE, actor="alice"
        )
        assert (first.complete, first.votes, outcome) == (False, 1, None)
        assert _outbox(runtime) == []
        with pytest.raises(AlreadyVoted, match="second, different approver"):
            decide_and_resume(
                deps, graph, approval_id=approval_id, decision=Decision.APPROVE, actor="alice"
            )
        second, outcome = decide_and_resume(
            deps, graph, approval_id=approval_id, decision=Decision.APPROVE, actor="bob"
        )
    assert (second.complete, second.votes, outcome) == (True, 2, "published")
    assert len(_outbox(runtime)) == 1


def test_a_production_finding_needs_one_approver(runtime: Runtime, tmp_path: Path) -> None:
    approval_id = _triage(runtime, _report(tmp_path, "app/x.py", "error"))
    with runtime.database.session() as session:
        assert get_approval(session, approval_id).required_approvals == 1


def test_an_edit_supersedes_the_approval_and_publishes_the_edited_ticket(
    runtime: Runtime, tmp_path: Path
) -> None:
    original_id = _triage(runtime, _report(tmp_path, "app/x.py", "warning"))
    with runtime.database.session() as session:
        original = get_approval(session, original_id)
        ticket = dict(original.payload["ticket"])
        ticket["title"] = "Edited by an analyst"
        edited = supersede(
            session,
            approval_id=original_id,
            payload={"ticket": ticket},
            severity_before="medium",
            severity_after="medium",
            two_person_rule=True,
            actor="alice",
            now=runtime.deps().clock(),
        )
    assert edited.id != original_id and edited.content_hash != original.content_hash
    with runtime.workflow() as (deps, graph):
        with pytest.raises(AlreadyDecided, match="superseded"):
            decide_and_resume(
                deps, graph, approval_id=original_id, decision=Decision.APPROVE, actor="bob"
            )
        _, outcome = decide_and_resume(
            deps, graph, approval_id=edited.id, decision=Decision.APPROVE, actor="bob"
        )
    assert outcome == "published"
    (published,) = _outbox(runtime)
    assert published.read_text().startswith("# Edited by an analyst")
    with runtime.database.session() as session:
        statuses = {a.id: a.status for a in list_approvals(session)}
    assert statuses == {original_id: "superseded", edited.id: "approved"}


def test_an_edit_that_lowers_a_high_finding_raises_the_tier(
    runtime: Runtime, tmp_path: Path
) -> None:
    original_id = _triage(runtime, _report(tmp_path, "app/x.py", "error"))
    now = runtime.deps().clock()
    with runtime.database.session() as session:
        ticket = dict(get_approval(session, original_id).payload["ticket"])
        with pytest.raises(NothingEdited):
            supersede(
                session,
                approval_id=original_id,
                payload={"ticket": ticket},
                severity_before="high",
                severity_after="high",
                two_person_rule=True,
                actor="alice",
                now=now,
            )
        ticket["labels"] = ["security", "severity:low"]
        edited = supersede(
            session,
            approval_id=original_id,
            payload={"ticket": ticket},
            severity_before="high",
            severity_after="low",
            two_person_rule=True,
            actor="alice",
            now=now,
        )
    assert edited.required_approvals == 2


def test_two_approvers_voting_at_the_same_moment_complete_the_approval(
    runtime: Runtime, tmp_path: Path
) -> None:
    approval_id = _triage(runtime, _report(tmp_path, "tests/test_x.py", "error"))
    barrier = threading.Barrier(2)

    def vote(actor: str) -> bool:
        barrier.wait()
        with runtime.database.session() as session:
            return decide(
                session,
                approval_id=approval_id,
                decision=Decision.APPROVE,
                actor=actor,
                now=runtime.deps().clock(),
            ).complete

    with ThreadPoolExecutor(max_workers=2) as pool:
        completions = list(pool.map(vote, ["alice", "bob"]))
    assert sorted(completions) == [False, True]  # exactly the second vote completes it
    with runtime.database.session() as session:
        assert get_approval(session, approval_id).status == "approved"
