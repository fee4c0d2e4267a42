"""A dependency bump as a draft PR, at the wire: branch, commit, PR that links the issue, once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from agent.crashpoints import Crashpoints
from agent.deps import WorkflowDeps
from agent.fix_pulls import open_approved_fix, propose_fix_pr
from agent.intake import open_untriaged
from agent.publishing import NeedsReconciliation, PublishRefused
from approvals.decisions import Decision, decide
from config.rubric import load_rubric
from tests.support.github_stub import TOKEN, Fault, GithubStub, running_github_stub
from tests.support.ingesting import ingest
from tests.support.sarif import one_result_log, write_log
from tools.publish.dependency_bump import BumpRefused
from tools.publish.dry_run import DryRunOutbox
from tools.publish.fix_pull_request import GithubFixPullRequests
from tools.publish.github_writer import GithubSettings
from tools.publish.publisher import PublishError
from tools.store.database import Database

REPO = "acme/app"
REQUIREMENTS = "flask==3.0.0\nrequests==2.31.0  # http\nurllib3>=2\n"


@pytest.fixture
def stub() -> Iterator[GithubStub]:
    with running_github_stub() as running:
        repo = running.add_repo(REPO)
        repo.commit({"requirements.txt": REQUIREMENTS, "app/main.py": "print('hi')\n"})
        yield running
        assert running.violations == []


def _deps(database: Database, tmp_path: Path) -> WorkflowDeps:
    return WorkflowDeps(
        database=database,
        publisher=DryRunOutbox(tmp_path / "outbox"),
        rubric=load_rubric(),
        approval_ttl=timedelta(days=1),
        snippet_context_lines=3,
        max_snippet_lines=40,
        max_file_bytes=1_000_000,
        crashpoints=Crashpoints(None),
        allowed_link_hosts=frozenset(),
        allowed_repositories=("acme/*",),
    )


def _writer(stub: GithubStub, timeout: int = 5) -> GithubFixPullRequests:
    return GithubFixPullRequests(GithubSettings(base_url=stub.url, timeout_seconds=timeout), TOKEN)


def _case(deps: WorkflowDeps, tmp_path: Path) -> int:
    log = one_result_log(rule_id="GHSA-9wx4-h78v-vm56", path="requirements.txt")
    ingest(deps.database, write_log(tmp_path, "sca.sarif", log), repository=REPO)
    (case_id,) = open_untriaged(deps.database, now=deps.clock(), limit=10)
    return case_id


def _approved(deps: WorkflowDeps, stub: GithubStub, case_id: int) -> str:
    approval_id = propose_fix_pr(
        deps,
        _writer(stub),
        case_id=case_id,
        repository=REPO,
        base_branch="main",
        manifest="requirements.txt",
        ecosystem="PyPI",
        package="requests",
        fixed_version="2.32.0",
        advisory="GHSA-9wx4-h78v-vm56",
    )
    with deps.database.session() as session:
        decide(
            session,
            approval_id=approval_id,
            decision=Decision.APPROVE,
            actor="alice",
            now=deps.clock(),
        )
    return approval_id


def _branch_file(stub: GithubStub, branch: str) -> bytes:
    repo = stub.repos[REPO]
    entry = repo.walk(repo.commits[repo.branches[branch]].tree, ["requirements.txt"])
    assert entry is not None
    return repo.blobs[entry.sha]


def test_an_approved_bump_opens_one_draft_pr_that_changes_one_pin(
    database: Database, tmp_path: Path, stub: GithubStub
) -> None:
    deps = _deps(database, tmp_path)
    case_id = _case(deps, tmp_path)
    approval_id = _approved(deps, stub, case_id)
    assert stub.requests_to("pulls/create") == []  # proposing writes nothing
    ref = open_approved_fix(deps, _writer(stub), approval_id, case_id=case_id)
    (pull,) = stub.repos[REPO].pulls.values()
    assert pull.draft and pull.base == "main" and ref.endswith(f"/pull/{pull.number}")
    assert f"appsec-triage:case={case_id}:fix=" in (pull.body or "")
    assert _branch_file(stub, pull.head).decode() == REQUIREMENTS.replace("2.31.0", "2.32.0")
    assert _branch_file(stub, "main").decode() == REQUIREMENTS  # the base branch is untouched
    assert open_approved_fix(deps, _writer(stub), approval_id, case_id=case_id) == ref
    assert len(stub.requests_to("pulls/create")) == 1


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault(status=502, body={"message": "x"}, handle_first=True), id="502 after"),
        pytest.param(Fault.server_error(502), id="502 before"),
    ],
)
def test_a_failed_pr_create_is_looked_up_before_it_is_sent_again(
    database: Database, tmp_path: Path, stub: GithubStub, fault: Fault
) -> None:
    deps = _deps(database, tmp_path)
    case_id = _case(deps, tmp_path)
    approval_id = _approved(deps, stub, case_id)
    stub.inject("pulls/create", fault)
    open_approved_fix(deps, _writer(stub), approval_id, case_id=case_id)
    assert len(stub.repos[REPO].pulls) == 1


def test_a_pr_create_timeout_reconciles_to_one_pr(
    database: Database, tmp_path: Path, stub: GithubStub
) -> None:
    deps = _deps(database, tmp_path)
    case_id = _case(deps, tmp_path)
    approval_id = _approved(deps, stub, case_id)
    stub.inject("pulls/create", Fault(delay=2.5))
    with pytest.raises(NeedsReconciliation):
        open_approved_fix(deps, _writer(stub, timeout=1), approval_id, case_id=case_id)
    deadline = time.monotonic() + 10
    while not stub.repos[REPO].pulls and time.monotonic() < deadline:
        time.sleep(0.05)  # the stub's slow handler finishing: an event, not a timing assertion
    open_approved_fix(deps, _writer(stub), approval_id, case_id=case_id, resolve_doubt=True)
    assert len(stub.repos[REPO].pulls) == 1
    assert len(stub.requests_to("pulls/create")) == 1


def test_a_died_attempt_reuses_its_branch_and_commit(
    database: Database, tmp_path: Path, stub: GithubStub
) -> None:
    deps = _deps(database, tmp_path)
    case_id = _case(deps, tmp_path)
    approval_id = _approved(deps, stub, case_id)
    stub.inject("repos/create-or-update-file-contents", Fault(disconnect=True))
    with pytest.raises(NeedsReconciliation):
        open_approved_fix(deps, _writer(stub), approval_id, case_id=case_id)
    open_approved_fix(deps, _writer(stub), approval_id, case_id=case_id, resolve_doubt=True)
    assert len(stub.repos[REPO].pulls) == 1
    assert len(stub.requests_to("git/create-ref")) == 2  # the second one found it existing
    assert len(stub.requests_to("repos/create-or-update-file-contents")) == 1  # already there


def test_a_manifest_changed_since_approval_writes_nothing(
    database: Database, tmp_path: Path, stub: GithubStub
) -> None:
    deps = _deps(database, tmp_path)
    case_id = _case(deps, tmp_path)
    approval_id = _approved(deps, stub, case_id)
    stub.repos[REPO].commit({"requirements.txt": "requests==2.31.0\n"})
    with pytest.raises(PublishError, match="no longer the file"):
        open_approved_fix(deps, _writer(stub), approval_id, case_id=case_id)
    assert stub.requests_to("git/create-ref") == []
    assert stub.repos[REPO].pulls == {}


def test_a_range_is_not_proposed_and_a_foreign_repository_is_refused(
    database: Database, tmp_path: Path, stub: GithubStub
) -> None:
    deps = _deps(database, tmp_path)
    case_id = _case(deps, tmp_path)
    with pytest.raises(BumpRefused, match="not one exact"):
        propose_fix_pr(
            deps,
            _writer(stub),
            case_id=case_id,
            repository=REPO,
            base_branch="main",
            manifest="requirements.txt",
            ecosystem="PyPI",
            package="urllib3",
            fixed_version="2.2.2",
        )
    approval_id = _approved(deps, stub, case_id)
    writes = len(stub.requests)
    other = WorkflowDeps(**{**deps.__dict__, "allowed_repositories": ("other/*",)})
    with pytest.raises(PublishRefused, match="ALLOWED_REPOSITORIES"):
        open_approved_fix(other, _writer(stub), approval_id, case_id=case_id)
    assert len(stub.requests) == writes
