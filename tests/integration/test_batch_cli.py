"""``appsec-triage batch``: a real subprocess, killed with SIGKILL mid-run, then run again."""

from __future__ import annotations

import json
import signal
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import select

from tests.conftest import Cli
from tests.integration.test_github_alerts import CANARY
from tests.integration.test_github_alerts import REPO as ALERTS_REPO
from tests.support.github_alert_fixtures import (
    code_scanning_alerts,
    dependabot_alerts,
    secret_scanning_alerts,
)
from tests.support.github_stub import TOKEN, running_github_stub
from tests.support.many_findings import write_many
from tests.support.slack_stub import TEAM_ID, running_slack_stub
from tools.store.database import Database
from tools.store.tables import (
    ApprovalRow,
    AuditEventRow,
    CaseFindingRow,
    CaseRow,
    CaseStatus,
    FindingRow,
    ProposalRow,
    ReportRow,
)


def _config(tmp_path: Path, *, findings: int = 12, extra: str = "") -> Path:
    scans = tmp_path / "scans"
    scans.mkdir(exist_ok=True)
    write_many(scans / "api.sarif", findings, prefix="api/mod")
    write_many(scans / "web.sarif", findings, prefix="web/mod")
    config = tmp_path / "repos.yaml"
    config.write_text(
        "version: 1\n"
        "concurrency: 3\n"
        "lease_seconds: 5\n"
        f"{extra}"
        "repositories:\n"
        "  - name: acme/api\n"
        "    reports: [scans/api.sarif]\n"
        "  - name: acme/web\n"
        "    reports: ['scans/w*.sarif']\n"
    )
    return config


def _json(result_stdout: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result_stdout)
    return data


def test_sigkill_mid_run_then_rerun_triages_and_posts_each_case_once(
    cli: Cli, database: Database, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    slack = tmp_path / "slack.toml"
    slack.write_text(
        f'team_id = "{TEAM_ID}"\ndefault_channel = "C0000000001"\napprover_users = ["UALICE"]\n'
        "posts_per_second = 50\n"
    )
    with running_slack_stub() as stub:
        env = {
            "APPSEC_TRIAGE_SLACK_CONFIG": str(slack),
            "APPSEC_TRIAGE_SLACK_BOT_TOKEN": "xoxb-batch-test-token",
            "APPSEC_TRIAGE_SLACK_API_URL": stub.url,
        }
        killed = cli(
            "batch",
            "--config",
            str(config),
            "--json",
            extra_env=env | {"APPSEC_TRIAGE_CRASHPOINT": "batch-after-first-case"},
        )
        assert killed.code == -signal.SIGKILL, killed.stderr
        with database.session() as session:
            before = session.exec(select(CaseRow)).all()
            drafted_before = len(session.exec(select(ApprovalRow)).all())
        assert stub.called("chat.postMessage") == []
        # Cut short mid-triage: at least one case drafted, others not yet (some may still be
        # claimed by the dead process; the rerun waits for those leases to pass).
        assert 1 <= drafted_before < 24
        assert any(case.status == CaseStatus.TRIAGING for case in before)

        resumed = cli("batch", "--config", str(config), "--json", extra_env=env)
        assert resumed.code == 0, resumed.stderr
        summary = _json(resumed.stdout)
        again = cli("batch", "--config", str(config), "--json", extra_env=env)
        assert again.code == 0, again.stderr
        posts = stub.called("chat.postMessage")

    assert summary["left"] == 0 and summary["failed"] == {}
    assert {r["unchanged_reports"] for r in summary["repositories"].values()} == {1}
    assert _json(again.stdout)["advanced"] == [] and _json(again.stdout)["posted"] == 0
    with database.session() as session:
        findings = session.exec(select(FindingRow)).all()
        cases = session.exec(select(CaseRow)).all()
        links = session.exec(select(CaseFindingRow)).all()
        reports = session.exec(select(ReportRow)).all()
        approvals = session.exec(select(ApprovalRow)).all()
        proposals = Counter(row.case_id for row in session.exec(select(ProposalRow)))
        requested = Counter(
            row.case_id
            for row in session.exec(
                select(AuditEventRow).where(AuditEventRow.event == "approval.requested")
            )
        )
        checkpoints = dict(
            session.execute(
                text("SELECT thread_id, count(*) FROM checkpoints GROUP BY thread_id")
            ).all()
        )
    assert len(findings) == 24 and len(reports) == 2  # each report ingested once
    assert sorted(link.finding_id for link in links) == sorted(
        f.id for f in findings if f.id is not None
    )
    assert {case.status for case in cases} == {CaseStatus.AWAITING_APPROVAL}
    # The runs that finished gave back every claim; only the killed run's may remain, on cases
    # it had finished (awaiting a human, so nobody needs to claim them) before it died.
    dead_claims = {case.claimed_by for case in before} - {None}
    assert {case.claimed_by for case in cases} - {None} <= dead_claims
    case_ids = {case.id for case in cases}
    assert Counter(a.case_id for a in approvals) == Counter(dict.fromkeys(case_ids, 1))
    assert proposals == requested == Counter(dict.fromkeys(case_ids, 1))
    assert len(checkpoints) == 24
    # Each approval posted once, in one reply with its card; one digest message per repository.
    cards = [call for call in posts if call.params.get("thread_ts")]
    posted_ids = Counter(
        approval.id
        for call in cards
        for approval in approvals
        if approval.id in json.dumps(call.params)
    )
    assert posted_ids == Counter({approval.id: 1 for approval in approvals})
    assert len(posts) - len(cards) == 2


def test_a_case_budget_stops_the_run_cleanly_and_the_next_run_continues(
    cli: Cli, tmp_path: Path
) -> None:
    config = _config(tmp_path, findings=4, extra="budgets:\n  max_cases: 5\n")
    first = cli("batch", "--config", str(config), "--json")
    assert first.code == 3, first.stderr
    assert "the case budget is spent (5 cases)" in first.stderr
    assert "Run the same command again" in first.stderr
    assert len(_json(first.stdout)["advanced"]) == 5 and _json(first.stdout)["left"] == 3
    second = cli("batch", "--config", str(config), "--json")
    assert second.code == 0, second.stderr
    assert len(_json(second.stdout)["advanced"]) == 3 and _json(second.stdout)["left"] == 0
    assert set(_json(first.stdout)["advanced"]).isdisjoint(_json(second.stdout)["advanced"])


def test_a_spent_wall_time_budget_starts_nothing(cli: Cli, tmp_path: Path) -> None:
    config = _config(tmp_path, findings=2, extra="budgets:\n  max_wall_seconds: 0.000001\n")
    stopped = cli("batch", "--config", str(config), "--json")
    assert stopped.code == 3
    assert "the wall-time budget is spent" in stopped.stderr
    summary = _json(stopped.stdout)
    assert summary["advanced"] == [] and summary["stopped"].startswith("the wall-time budget")
    assert {r["reports"] for r in summary["repositories"].values()} == {0}


def test_a_bad_config_is_refused_with_exit_2_naming_the_file_and_field(
    cli: Cli, tmp_path: Path
) -> None:
    config = tmp_path / "repos.yaml"
    config.write_text("repositories:\n  - name: acme/api\n    github: not-a-repo\n")
    result = cli("batch", "--config", str(config))
    assert result.code == 2
    assert f"{config}: repositories[0].github: String should match pattern" in result.stderr


def test_github_alerts_with_the_read_token_then_a_rerun_finds_nothing_new(
    cli: Cli, tmp_path: Path
) -> None:
    config = tmp_path / "repos.yaml"
    config.write_text(
        f"lease_seconds: 5\nrepositories:\n  - name: {ALERTS_REPO}\n    github: {ALERTS_REPO}\n"
    )
    with running_github_stub() as stub:
        repo = stub.add_repo(ALERTS_REPO)
        repo.commit({"README.md": "The scanned repository.\n"})  # the default branch's head
        repo.alerts["code-scanning"] = code_scanning_alerts(3)
        repo.alerts["dependabot"] = dependabot_alerts()
        repo.alerts["secret-scanning"] = secret_scanning_alerts(CANARY)
        # Only the read token: the batch never needs the write token.
        env = {"APPSEC_TRIAGE_GITHUB_API_URL": stub.url, "APPSEC_TRIAGE_GITHUB_READ_TOKEN": TOKEN}
        first = cli("batch", "--config", str(config), "--json", extra_env=env)
        second = cli("batch", "--config", str(config), "--json", extra_env=env)
        assert stub.violations == []
        assert {request.token for request in stub.requests} == {TOKEN}
    assert first.code == 0, first.stdout
    done = _json(first.stdout)["repositories"][ALERTS_REPO]
    assert (done["reports"], done["unchanged_reports"], done["problems"]) == (3, 0, [])
    assert done["new_findings"] > 0 and done["cases_advanced"] == done["pending_approvals"] > 0
    assert second.code == 0, second.stderr
    again = _json(second.stdout)
    assert again["repositories"][ALERTS_REPO]["unchanged_reports"] == 3
    assert again["advanced"] == []
    assert CANARY not in first.stdout + first.stderr + second.stdout + second.stderr


def test_a_later_batch_proposes_a_comment_on_the_published_issue(cli: Cli, tmp_path: Path) -> None:
    """The scheduled path: a case published to GitHub and seen again by the next night's scan
    gets a follow-up approval (a comment on its issue), never a second issue."""
    scans = tmp_path / "scans"
    scans.mkdir()
    write_many(scans / "api.sarif", 1, prefix="api/mod")
    config = tmp_path / "repos.yaml"
    config.write_text(
        "lease_seconds: 5\nrepositories:\n  - name: acme/api\n    reports: [scans/api.sarif]\n"
    )
    with running_github_stub() as stub:
        stub.add_repo("acme/api")
        env = {
            "APPSEC_TRIAGE_PUBLISHER": "github",
            "APPSEC_TRIAGE_GITHUB_API_URL": stub.url,
            "APPSEC_TRIAGE_GITHUB_TOKEN": TOKEN,
            "APPSEC_TRIAGE_ALLOWED_REPOSITORIES": '["acme/*"]',
        }
        first = cli("batch", "--config", str(config), "--json", extra_env=env)
        assert first.code == 0, first.stderr
        assert _json(first.stdout)["followups"] == 0  # nothing published yet
        (pending,) = json.loads(cli("approvals", "list", "--json", extra_env=env).stdout)
        approved = cli("approvals", "approve", str(pending["id"]), "--as", "alice", extra_env=env)
        assert approved.code == 0, approved.stderr
        assert list(stub.repos["acme/api"].issues) == [1]

        write_many(scans / "api.sarif", 1, prefix="api/mod")  # the next scan: same finding
        (scans / "api.sarif").write_text((scans / "api.sarif").read_text() + "\n")
        second = cli("batch", "--config", str(config), "--json", extra_env=env)
        assert second.code == 0, second.stderr
        assert _json(second.stdout)["followups"] == 1
        listed = json.loads(cli("approvals", "list", "--json", extra_env=env).stdout)
        assert [(a["action"], a["title"]) for a in listed if a["status"] == "pending"] == [
            ("comment_issue", "Comment on issue #1")
        ]
        assert list(stub.repos["acme/api"].issues) == [1]  # proposing writes nothing
        assert stub.repos["acme/api"].issues[1].comments == []
        assert stub.violations == []
