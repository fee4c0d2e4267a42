"""The workflow through the CLI, one fresh process per step, including real SIGKILLs."""

from __future__ import annotations

import json
import signal

import pytest

from tests.conftest import Cli


def _pending(cli: Cli) -> list[dict[str, object]]:
    result = cli("approvals", "list", "--status", "pending", "--json")
    assert result.code == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def _outbox(cli: Cli) -> list[str]:
    return sorted(p.name for p in cli.outbox.glob("case-*.md")) if cli.outbox.exists() else []


@pytest.fixture
def demo(cli: Cli) -> list[dict[str, object]]:
    result = cli("demo")
    assert result.code == 0, result.stderr
    assert "approval(s) wait for a human" in result.stdout
    pending = _pending(cli)
    assert len(pending) >= 3
    assert set(pending[0]) >= {"id", "case", "action", "content_hash", "status"}
    return pending


def test_demo_then_approve_in_a_new_process_writes_one_file(
    cli: Cli, demo: list[dict[str, object]]
) -> None:
    approval_id = str(demo[0]["id"])
    shown = cli("approvals", "show", approval_id)
    assert shown.code == 0 and str(demo[0]["content_hash"]) in shown.stdout
    approved = cli("approvals", "approve", approval_id, "--as", "alice")
    assert approved.code == 0, approved.stderr
    assert "published" in approved.stdout
    assert _outbox(cli) == [f"case-{demo[0]['case']}.md"]

    again = cli("approvals", "approve", approval_id, "--as", "bob")
    assert again.code == 1
    assert "already decided: approved by alice" in again.stderr
    assert _outbox(cli) == [f"case-{demo[0]['case']}.md"]
    assert len(_pending(cli)) == len(demo) - 1


def test_reject_needs_a_reason_and_writes_nothing(cli: Cli, demo: list[dict[str, object]]) -> None:
    approval_id = str(demo[1]["id"])
    assert cli("approvals", "reject", approval_id, "--reason", "  ").code == 2
    rejected = cli("approvals", "reject", approval_id, "--reason", "test-only code")
    assert rejected.code == 0, rejected.stderr
    assert cli("approvals", "approve", approval_id).code == 1
    assert _outbox(cli) == []


def test_unknown_approval_is_refused(cli: Cli, demo: list[dict[str, object]]) -> None:
    result = cli("approvals", "approve", "apv_doesnotexist")
    assert result.code == 1 and "no approval with id" in result.stderr


def test_crash_between_recording_the_approval_and_publishing(
    cli: Cli, demo: list[dict[str, object]]
) -> None:
    approval_id = str(demo[2]["id"])
    crashed = cli(
        "approvals",
        "approve",
        approval_id,
        extra_env={"APPSEC_TRIAGE_CRASHPOINT": "after-approval-recorded"},
    )
    assert crashed.code == -signal.SIGKILL
    assert _outbox(cli) == []
    assert cli("approvals", "approve", approval_id).code == 1  # the decision did persist

    recovered = cli("triage", "--json")
    assert recovered.code == 0, recovered.stderr
    assert json.loads(recovered.stdout)["finished"] == {str(demo[2]["case"]): "published"}
    assert _outbox(cli) == [f"case-{demo[2]['case']}.md"]
    assert json.loads(cli("triage", "--json").stdout)["finished"] == {}
    assert _outbox(cli) == [f"case-{demo[2]['case']}.md"]


def test_crash_after_the_write_before_it_is_recorded(
    cli: Cli, demo: list[dict[str, object]]
) -> None:
    approval_id = str(demo[0]["id"])
    crashed = cli(
        "approvals",
        "approve",
        approval_id,
        extra_env={"APPSEC_TRIAGE_CRASHPOINT": "after-publish-write"},
    )
    assert crashed.code == -signal.SIGKILL
    assert _outbox(cli) == [f"case-{demo[0]['case']}.md"]
    recovered = cli("triage", "--json")
    assert json.loads(recovered.stdout)["finished"] == {str(demo[0]["case"]): "published"}
    assert _outbox(cli) == [f"case-{demo[0]['case']}.md"]


def test_crash_after_the_claim_before_the_write_needs_reconciliation(
    cli: Cli, demo: list[dict[str, object]]
) -> None:
    approval_id = str(demo[0]["id"])
    crashed = cli(
        "approvals",
        "approve",
        approval_id,
        extra_env={"APPSEC_TRIAGE_CRASHPOINT": "before-publish-write"},
    )
    assert crashed.code == -signal.SIGKILL
    recovered = cli("triage", "--json")
    outcome = json.loads(recovered.stdout)["finished"][str(demo[0]["case"])]
    assert outcome.startswith("needs_reconciliation")
    assert _outbox(cli) == []  # nothing is written blind after an unknown outcome


def test_reconcile_publishes_a_claimed_write_that_never_happened_once(
    cli: Cli, demo: list[dict[str, object]]
) -> None:
    case = str(demo[0]["case"])
    crashed = cli(
        "approvals",
        "approve",
        str(demo[0]["id"]),
        extra_env={"APPSEC_TRIAGE_CRASHPOINT": "before-publish-write"},
    )
    assert crashed.code == -signal.SIGKILL
    assert cli("triage", "--json").code == 0
    assert _outbox(cli) == []

    reconciled = cli("reconcile", "--json")
    assert reconciled.code == 0, reconciled.stderr
    (result,) = json.loads(reconciled.stdout)
    assert (str(result["case_id"]), result["outcome"]) == (case, "published")
    assert _outbox(cli) == [f"case-{case}.md"]
    assert json.loads(cli("reconcile", "--json").stdout) == []  # nothing left in doubt
    assert _outbox(cli) == [f"case-{case}.md"]


def test_reconcile_records_a_write_that_did_happen(cli: Cli, demo: list[dict[str, object]]) -> None:
    case = str(demo[0]["case"])
    crashed = cli(
        "approvals",
        "approve",
        str(demo[0]["id"]),
        extra_env={"APPSEC_TRIAGE_CRASHPOINT": "before-publish-write"},
    )
    assert crashed.code == -signal.SIGKILL
    assert cli("triage", "--json").code == 0
    # The write happened after all (say, the destination was slow to show it): the marker is there.
    (cli.outbox).mkdir(parents=True, exist_ok=True)
    (cli.outbox / f"case-{case}.md").write_text(f"# t\n\n<!-- appsec-triage:case={case} -->\n")

    (result,) = json.loads(cli("reconcile", "--json").stdout)
    assert result["outcome"] == "found"
    assert result["ref"].endswith(f"case-{case}.md")
    assert _outbox(cli) == [f"case-{case}.md"]
    audit = cli("audit", "verify", "--json")
    assert audit.code == 0, audit.stderr
