"""Follow-ups on a published issue, at the wire: a comment when a later scan sees the case again,
closing with a comment once every finding is fixed, each behind its own approval, exactly once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from agent.crashpoints import Crashpoints
from agent.deps import WorkflowDeps
from agent.followups import (
    ACTION_CLOSE_ISSUE,
    ACTION_COMMENT_ISSUE,
    apply_followup,
    followups_due,
    propose_followups,
)
from agent.intake import open_untriaged
from agent.publishing import (
    ACTION_CREATE_ISSUE,
    NeedsReconciliation,
    PublishRefused,
    publish_approved,
)
from agent.steps import record_outcome
from approvals.card import load_card
from approvals.decisions import Decision, decide
from approvals.requests import payload_hash, request_approval
from approvals.slack.blocks import card_blocks
from config.rubric import load_rubric
from tests.support.github_stub import TOKEN, Fault, GithubStub, running_github_stub
from tests.support.ingesting import ingest
from tests.support.sarif import one_result_log, write_log
from tools.publish.github_issues import GithubIssues
from tools.publish.github_writer import GithubSettings
from tools.publish.issue_followups import GithubIssueFollowups
from tools.publish.ticket import Ticket
from tools.store.database import Database
from tools.store.tables import ApprovalRow, CaseRow, CaseStatus

REPO = "acme/app"


@pytest.fixture
def stub() -> Iterator[GithubStub]:
    with running_github_stub() as running:
        running.add_repo(REPO)
        yield running
        assert running.violations == []


def _deps(database: Database, stub: GithubStub, tmp_path: Path) -> WorkflowDeps:
    return WorkflowDeps(
        database=database,
        publisher=GithubIssues(GithubSettings(base_url=stub.url, timeout_seconds=5), TOKEN),
        rubric=load_rubric(),
        approval_ttl=timedelta(days=1),
        snippet_context_lines=3,
        max_snippet_lines=40,
        max_file_bytes=1_000_000,
        crashpoints=Crashpoints(None),
        allowed_link_hosts=frozenset(),
        allowed_repositories=("acme/*",),
    )


def _writer(stub: GithubStub, timeout: int = 5) -> GithubIssueFollowups:
    return GithubIssueFollowups(GithubSettings(base_url=stub.url, timeout_seconds=timeout), TOKEN)


def _scan(database: Database, tmp_path: Path, *, results: bool = True) -> None:
    log = one_result_log(rule_id="py.sqli", path="app/db.py")
    if not results:
        log["runs"][0]["results"] = []
    ingest(database, write_log(tmp_path, "scan.sarif", log), repository=REPO)


def _approve(deps: WorkflowDeps, approval_id: str) -> None:
    with deps.database.session() as session:
        decide(
            session,
            approval_id=approval_id,
            decision=Decision.APPROVE,
            actor="alice",
            now=deps.clock(),
        )


def _published_case(deps: WorkflowDeps, tmp_path: Path) -> int:
    """A case whose issue was published to the stub through the real publish path."""
    _scan(deps.database, tmp_path)
    (case_id,) = open_untriaged(deps.database, now=deps.clock(), limit=10)
    ticket = Ticket(repository=REPO, title="SQL injection in app/db.py", body="Parameterise it.")
    with deps.database.session() as session:
        approval, _ = request_approval(
            session,
            case_id=case_id,
            thread_id=f"case-{case_id}",
            action=ACTION_CREATE_ISSUE,
            payload={"ticket": ticket.model_dump(mode="json")},
            now=deps.clock(),
            ttl=deps.approval_ttl,
        )
        approval_id = approval.id
    _approve(deps, approval_id)
    ref = publish_approved(deps, approval_id, case_id=case_id)
    record_outcome(deps, case_id, CaseStatus.PUBLISHED, f"published {ref}")
    return case_id


def _approved_followup(deps: WorkflowDeps) -> str:
    (approval_id,) = propose_followups(deps)
    _approve(deps, approval_id)
    return approval_id


def test_a_re_seen_case_gets_one_comment_and_no_new_issue(
    database: Database, tmp_path: Path, stub: GithubStub
) -> None:
    deps = _deps(database, stub, tmp_path)
    case_id = _published_case(deps, tmp_path)
    assert followups_due(deps) == []  # nothing happened since the issue was opened
    _scan(database, tmp_path)  # a later scan sees the finding again
    (due,) = followups_due(deps)
    assert due.action == ACTION_COMMENT_ISSUE and due.followup.issue_number == 1
    approval_id = _approved_followup(deps)
    assert propose_followups(deps) == [approval_id]  # the same payload: the same approval
    ref = apply_followup(deps, _writer(stub), approval_id, case_id=case_id)
    assert apply_followup(deps, _writer(stub), approval_id, case_id=case_id) == ref
    issues = stub.repos[REPO].issues
    assert list(issues) == [1]
    (comment,) = issues[1].comments
    assert f"appsec-triage:case={case_id}:followup=seen-" in comment.body
    assert issues[1].state == "open"


def test_a_fixed_case_is_closed_with_a_comment_once_approved(
    database: Database, tmp_path: Path, stub: GithubStub
) -> None:
    deps = _deps(database, stub, tmp_path)
    case_id = _published_case(deps, tmp_path)
    _scan(database, tmp_path, results=False)  # a complete scan without the finding: fixed
    (due,) = followups_due(deps)
    assert due.action == ACTION_CLOSE_ISSUE
    approval_id = _approved_followup(deps)
    assert stub.repos[REPO].issues[1].state == "open"  # proposing writes nothing
    apply_followup(deps, _writer(stub), approval_id, case_id=case_id)
    issue = stub.repos[REPO].issues[1]
    assert issue.state == "closed" and issue.state_reason == "completed"
    (comment,) = issue.comments
    assert "no longer report" in comment.body


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault(status=502, body={"message": "x"}, handle_first=True), id="502 after"),
        pytest.param(Fault.server_error(502), id="502 before"),
        pytest.param(Fault.secondary_rate_limited(retry_after=0), id="secondary limit"),
    ],
)
def test_a_failed_comment_is_looked_up_before_it_is_sent_again(
    database: Database, tmp_path: Path, stub: GithubStub, fault: Fault
) -> None:
    deps = _deps(database, stub, tmp_path)
    case_id = _published_case(deps, tmp_path)
    _scan(database, tmp_path)
    approval_id = _approved_followup(deps)
    stub.inject("issues/create-comment", fault)
    apply_followup(deps, _writer(stub), approval_id, case_id=case_id)
    assert len(stub.repos[REPO].issues[1].comments) == 1


def test_a_timeout_is_reconciled_by_the_marker(
    database: Database, tmp_path: Path, stub: GithubStub
) -> None:
    deps = _deps(database, stub, tmp_path)
    case_id = _published_case(deps, tmp_path)
    _scan(database, tmp_path)
    approval_id = _approved_followup(deps)
    stub.inject("issues/create-comment", Fault(delay=2.5))
    with pytest.raises(NeedsReconciliation):
        apply_followup(deps, _writer(stub, timeout=1), approval_id, case_id=case_id)
    deadline = time.monotonic() + 10
    while not stub.repos[REPO].issues[1].comments and time.monotonic() < deadline:
        time.sleep(0.05)  # the stub's slow handler finishing: an event, not a timing assertion
    apply_followup(deps, _writer(stub), approval_id, case_id=case_id)
    assert len(stub.repos[REPO].issues[1].comments) == 1
    assert len(stub.requests_to("issues/create-comment")) == 1


def test_a_followup_rewritten_to_another_issue_sends_nothing(
    database: Database, tmp_path: Path, stub: GithubStub
) -> None:
    deps = _deps(database, stub, tmp_path)
    case_id = _published_case(deps, tmp_path)
    _scan(database, tmp_path)
    approval_id = _approved_followup(deps)
    before = len(stub.requests)
    with database.session() as session:  # a consistent forgery: payload and hash both rewritten
        row = session.get(ApprovalRow, approval_id)
        assert row is not None
        row.payload = {"followup": {**row.payload["followup"], "issue_number": 7}}
        row.content_hash = payload_hash(row)
        session.add(row)
    with pytest.raises(PublishRefused, match="not the issue published"):
        apply_followup(deps, _writer(stub), approval_id, case_id=case_id)
    assert len(stub.requests) == before
    with database.session() as session:
        assert session.exec(select(CaseRow)).one().status == CaseStatus.PUBLISHED


def test_a_followup_approval_shows_the_exact_comment_in_every_channel(
    database: Database, tmp_path: Path, stub: GithubStub
) -> None:
    deps = _deps(database, stub, tmp_path)
    _published_case(deps, tmp_path)
    _scan(database, tmp_path)
    (approval_id,) = propose_followups(deps)
    with database.session() as session:
        card = load_card(session, approval_id)
        approval = session.get(ApprovalRow, approval_id)
    assert approval is not None
    comment = approval.payload["followup"]["body"]
    assert card.repository == REPO
    assert card.title == "Comment on issue #1"
    assert card.body == comment  # the approver reads exactly what would be written
    assert comment in str(card_blocks(card))
