"""``appsec-triage github …`` end to end, in fresh processes, against the GitHub stub: a re-seen
published case gets one comment after its own approval; nothing is written without one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from agent.demo import DEMO_REPO, DEMO_REPORT
from tests.conftest import Cli
from tests.support.github_alert_fixtures import code_scanning_alerts, dependabot_alerts
from tests.support.github_stub import TOKEN, GithubStub, running_github_stub
from tools.store.database import Database
from tools.store.tables import CaseFindingRow, FindingRow, ProposalRow


@pytest.fixture
def stub() -> Iterator[GithubStub]:
    with running_github_stub() as running:
        running.add_repo("example/notesvc")
        yield running
        assert running.violations == []


def _env(stub: GithubStub, allowed: str = '["example/*"]') -> dict[str, str]:
    return {
        "APPSEC_TRIAGE_PUBLISHER": "github",
        "APPSEC_TRIAGE_GITHUB_API_URL": stub.url,
        "APPSEC_TRIAGE_GITHUB_TOKEN": TOKEN,
        "APPSEC_TRIAGE_ALLOWED_REPOSITORIES": allowed,
    }


def _published(cli: Cli, stub: GithubStub) -> int:
    assert cli("demo").code == 0
    pending = json.loads(cli("approvals", "list", "--status", "pending", "--json").stdout)
    approved = cli("approvals", "approve", str(pending[0]["id"]), extra_env=_env(stub))
    assert approved.code == 0, approved.stderr
    return int(pending[0]["case"])


def test_a_re_seen_case_gets_one_approved_comment_through_the_cli(
    cli: Cli, stub: GithubStub
) -> None:
    case_id = _published(cli, stub)
    env = _env(stub)
    assert json.loads(cli("github", "followups", "--json", extra_env=env).stdout) == []
    again = cli(
        "ingest",
        str(DEMO_REPORT),
        "--repo-root",
        str(DEMO_REPO),
        "--repository",
        "example/notesvc",
        extra_env=env,
    )
    assert again.code == 0, again.stderr
    proposed = cli("github", "followups", "--json", extra_env=env)
    (approval_id,) = json.loads(proposed.stdout)
    issue = stub.repos["example/notesvc"].issues[1]
    unapproved = cli("github", "apply", approval_id, extra_env=env)
    assert unapproved.code == 1 and "not approved" in unapproved.stderr
    assert issue.comments == []
    assert cli("approvals", "approve", approval_id, extra_env=env).code == 0
    applied = cli("github", "apply", approval_id, "--json", extra_env=env)
    assert applied.code == 0, applied.stderr
    ref = json.loads(applied.stdout)["ref"]
    assert cli("github", "apply", approval_id, "--json", extra_env=env).code == 0
    (comment,) = issue.comments
    assert f"appsec-triage:case={case_id}:followup=seen-" in comment.body
    assert ref.endswith(f"#issuecomment-{comment.id}")
    assert list(stub.repos["example/notesvc"].issues) == [1]  # no second issue
    assert TOKEN not in applied.stdout + applied.stderr


def test_github_writes_refuse_the_wildcard_allowlist_and_other_actions(
    cli: Cli, stub: GithubStub
) -> None:
    assert cli("demo").code == 0
    pending = json.loads(cli("approvals", "list", "--status", "pending", "--json").stdout)
    wildcard = cli("github", "apply", str(pending[0]["id"]), extra_env=_env(stub, '["*"]'))
    assert wildcard.code == 2 and "explicit APPSEC_TRIAGE_ALLOWED_REPOSITORIES" in wildcard.stderr
    ticket = cli("github", "apply", str(pending[0]["id"]), extra_env=_env(stub))
    assert ticket.code == 2 and "create_issue" in ticket.stderr
    not_fp = cli("github", "dismiss", str(pending[0]["case"]), extra_env=_env(stub))
    assert not_fp.code == 1
    assert stub.requests == []


def _case_of_tool(database: Database, tool: str) -> int:
    with database.session() as session:
        finding = session.exec(select(FindingRow).where(FindingRow.tool == tool)).one()
        link = session.exec(
            select(CaseFindingRow).where(CaseFindingRow.finding_id == finding.id)
        ).one()
        return link.case_id


def test_alerts_in_then_a_fix_pr_and_a_dismissal_through_the_cli(
    cli: Cli, stub: GithubStub, database: Database
) -> None:
    repo = stub.add_repo("acme/app")
    repo.commit({"path/to/requirements.txt": "ansible==2.8.1\nflask==3.0.0\n"})
    repo.alerts["code-scanning"] = code_scanning_alerts(1)
    repo.alerts["dependabot"] = dependabot_alerts()
    env = _env(stub, '["acme/*"]')
    assert cli("ingest", "--github", "acme/app", extra_env=env).code == 0
    assert cli("triage", extra_env=env).code == 0

    sca_case = _case_of_tool(database, "GitHub Dependabot")
    proposed = cli("github", "fix", str(sca_case), "--json", extra_env=env)
    assert proposed.code == 0, proposed.stderr
    fix_approval = json.loads(proposed.stdout)["approval"]
    assert cli("approvals", "approve", fix_approval, extra_env=env).code == 0
    opened = cli("github", "apply", fix_approval, "--json", extra_env=env)
    assert opened.code == 0, opened.stderr
    (pull,) = repo.pulls.values()
    assert pull.draft
    entry = repo.walk(
        repo.commits[repo.branches[pull.head]].tree, ["path", "to", "requirements.txt"]
    )
    assert entry is not None
    assert repo.blobs[entry.sha] == b"ansible==2.8.19\nflask==3.0.0\n"

    sast_case = _case_of_tool(database, "GitHub code scanning")
    with database.session() as session:  # an analyst's finding: this alert is a false positive
        session.add(
            ProposalRow(
                case_id=sast_case,
                verdict="false_positive",
                severity="low",
                tool_severity="low",
                rationale="the input is a constant",
                decided_by="analyst",
                created_at=datetime.now(UTC),
            )
        )
    proposed = cli("github", "dismiss", str(sast_case), "--json", extra_env=env)
    assert proposed.code == 0, proposed.stderr
    dismissal = json.loads(proposed.stdout)["approval"]
    for person in ("alice", "bob"):
        assert cli("approvals", "approve", dismissal, "--as", person, extra_env=env).code == 0
    applied = cli("github", "apply", dismissal, extra_env=env)
    assert applied.code == 0, applied.stderr
    (alert,) = repo.alerts["code-scanning"]
    assert alert["state"] == "dismissed" and alert["dismissed_reason"] == "false positive"
    assert len(stub.requests_to("code-scanning/update-alert")) == 1
