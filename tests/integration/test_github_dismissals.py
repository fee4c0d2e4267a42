"""An approved false positive from a GitHub alert, written back as a dismissal, at the wire.

Findings come from the stub's alerts through the same ingest as ``ingest --github``; the
dismissal goes through the approval (two approvers, hash over the exact PATCH body), the
allowlist and the outbox claim, then to the stub, which checks every request and answer against
GitHub's OpenAPI description.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from agent.crashpoints import Crashpoints
from agent.deps import WorkflowDeps
from agent.dismissals import (
    alert_numbers_for,
    dismiss_approved,
    request_dismissal,
)
from agent.ingest import ingest_document
from agent.intake import open_untriaged
from agent.publishing import PublishRefused
from approvals.decisions import Decision, decide
from config.rubric import load_rubric
from tests.support.github_alert_fixtures import (
    code_scanning_alerts,
    dependabot_alerts,
    secret_scanning_alerts,
)
from tests.support.github_stub import TOKEN, Fault, GithubStub, running_github_stub
from tests.support.ingesting import options
from tools.publish.alert_dismissal import (
    ALERT_KIND_OF_TOOL,
    FORMAT_OF_KIND,
    AlertDismissal,
    AlertKind,
    GithubAlertDismisser,
    dismissal_comment,
)
from tools.publish.dry_run import DryRunOutbox
from tools.publish.github_writer import GithubSettings
from tools.publish.publisher import PublishError
from tools.store.database import Database
from tools.store.tables import ApprovalRow, CaseFindingRow, FindingRow, OutboxRow

REPO = "acme/app"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CANARY = "ghp_" + "Dq4" * 12


@pytest.fixture
def stub() -> Iterator[GithubStub]:
    with running_github_stub() as running:
        repo = running.add_repo(REPO)
        repo.alerts["code-scanning"] = code_scanning_alerts(3)
        repo.alerts["dependabot"] = dependabot_alerts()
        repo.alerts["secret-scanning"] = secret_scanning_alerts(CANARY)
        yield running
        assert running.violations == []


def _deps(
    database: Database, tmp_path: Path, allowed: tuple[str, ...] = ("acme/*",)
) -> WorkflowDeps:
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
        allowed_repositories=allowed,
        clock=lambda: NOW,
    )


def _ingest(database: Database, stub: GithubStub) -> None:
    for kind in AlertKind:
        ingest_document(
            database,
            stub.repos[REPO].alerts[kind.value],
            name=f"github:{REPO}:{kind.value}",
            format_name=FORMAT_OF_KIND[kind],
            repository=REPO,
            partial=False,
            options=options(),
        )
    open_untriaged(database, now=NOW, limit=100)


def _case_of(database: Database, kind: AlertKind) -> tuple[int, FindingRow]:
    tool = next(tool for tool, k in ALERT_KIND_OF_TOOL.items() if k is kind)
    with database.session() as session:
        finding = session.exec(select(FindingRow).where(FindingRow.tool == tool)).first()
        assert finding is not None
        link = session.exec(
            select(CaseFindingRow).where(CaseFindingRow.finding_id == finding.id)
        ).one()
        return link.case_id, finding


def _approved_dismissal(
    deps: WorkflowDeps, stub: GithubStub, kind: AlertKind
) -> tuple[int, str, int]:
    case_id, finding = _case_of(deps.database, kind)
    numbers = alert_numbers_for(
        stub.repos[REPO].alerts[kind.value],
        kind=kind,
        fingerprint=finding.fingerprint,
        context=options().context,
    )
    assert len(numbers) == 1
    dismissal = AlertDismissal(
        repository=REPO,
        kind=kind,
        alert_number=numbers[0],
        comment=dismissal_comment(case_id=case_id, note="@octocat see www.evil.example #1"),
    )
    approval_id = request_dismissal(
        deps, case_id=case_id, dismissal=dismissal, tool_severity=finding.tool_severity
    )
    with deps.database.session() as session:
        for actor in ("alice", "bob"):  # a false positive needs two distinct approvers
            decide(
                session, approval_id=approval_id, decision=Decision.APPROVE, actor=actor, now=NOW
            )
    return case_id, approval_id, numbers[0]


def _dismisser(stub: GithubStub, sleeps: list[float] | None = None) -> GithubAlertDismisser:
    settings = GithubSettings(base_url=stub.url, timeout_seconds=5)
    return GithubAlertDismisser(
        settings, TOKEN, sleep=(sleeps if sleeps is not None else []).append
    )


EXPECTED = {
    AlertKind.CODE_SCANNING: (
        "dismissed",
        "dismissed_reason",
        "false positive",
        "dismissed_comment",
    ),
    AlertKind.DEPENDABOT: ("dismissed", "dismissed_reason", "inaccurate", "dismissed_comment"),
    AlertKind.SECRET_SCANNING: ("resolved", "resolution", "false_positive", "resolution_comment"),
}


@pytest.mark.parametrize("kind", list(AlertKind))
def test_an_approved_false_positive_dismisses_its_alert_once(
    database: Database, tmp_path: Path, stub: GithubStub, kind: AlertKind
) -> None:
    deps = _deps(database, tmp_path)
    _ingest(database, stub)
    case_id, approval_id, number = _approved_dismissal(deps, stub, kind)
    ref = dismiss_approved(deps, _dismisser(stub), approval_id, case_id=case_id)
    alert = next(a for a in stub.repos[REPO].alerts[kind.value] if a["number"] == number)
    state, reason_field, reason, comment_field = EXPECTED[kind]
    assert alert["state"] == state and alert[reason_field] == reason
    comment = alert[comment_field]
    assert f"case {case_id}" in comment
    assert "@" not in comment and "www." not in comment and "#" not in comment
    assert ref  # the alert's URL
    # Again: the outbox says it is done; GitHub hears nothing more.
    assert dismiss_approved(deps, _dismisser(stub), approval_id, case_id=case_id) == ref
    assert len(stub.requests_to(f"{kind.value}/update-alert")) == 1


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault.server_error(502), id="502"),
        pytest.param(Fault(status=502, body={"message": "x"}, handle_first=True), id="502 after"),
        pytest.param(Fault(disconnect=True), id="connection reset after"),
        pytest.param(Fault.secondary_rate_limited(retry_after=20), id="secondary limit"),
    ],
)
def test_an_ambiguous_failure_sends_the_same_dismissal_again(
    database: Database, tmp_path: Path, stub: GithubStub, fault: Fault
) -> None:
    deps = _deps(database, tmp_path)
    _ingest(database, stub)
    case_id, approval_id, number = _approved_dismissal(deps, stub, AlertKind.CODE_SCANNING)
    stub.inject("code-scanning/update-alert", fault)
    sleeps: list[float] = []
    dismiss_approved(deps, _dismisser(stub, sleeps), approval_id, case_id=case_id)
    sent = stub.requests_to("code-scanning/update-alert")
    assert len(sent) == 2 and sent[0].body == sent[1].body
    assert stub.repos[REPO].alerts["code-scanning"][number - 1]["state"] == "dismissed"
    assert sleeps == ([20.0] if fault.status == 403 else [])


def test_a_refusal_writes_nothing_and_frees_the_claim(
    database: Database, tmp_path: Path, stub: GithubStub
) -> None:
    deps = _deps(database, tmp_path)
    _ingest(database, stub)
    case_id, approval_id, _ = _approved_dismissal(deps, stub, AlertKind.DEPENDABOT)
    forbidden = {"message": "Resource not accessible by personal access token", "status": "403"}
    stub.inject("dependabot/update-alert", Fault(status=403, body=forbidden))
    with pytest.raises(PublishError) as raised:
        dismiss_approved(deps, _dismisser(stub), approval_id, case_id=case_id)
    assert raised.value.written is False
    assert "Dependabot alerts: read and write" in str(raised.value)
    with database.session() as session:
        assert session.exec(select(OutboxRow)).all() == []
    dismiss_approved(deps, _dismisser(stub), approval_id, case_id=case_id)  # now it goes through
    assert len(stub.requests_to("dependabot/update-alert")) == 2


def test_an_edited_payload_or_a_foreign_repository_sends_nothing(
    database: Database, tmp_path: Path, stub: GithubStub
) -> None:
    deps = _deps(database, tmp_path)
    _ingest(database, stub)
    case_id, approval_id, _ = _approved_dismissal(deps, stub, AlertKind.CODE_SCANNING)
    with pytest.raises(PublishRefused, match="ALLOWED_REPOSITORIES"):
        dismiss_approved(
            _deps(database, tmp_path, ("other/*",)), _dismisser(stub), approval_id, case_id=case_id
        )
    with database.session() as session:
        row = session.get(ApprovalRow, approval_id)
        assert row is not None
        row.payload = {**row.payload, "request": {**row.payload["request"], "state": "open"}}
        session.add(row)
    with pytest.raises(PublishRefused, match="no longer matches the approved hash"):
        dismiss_approved(deps, _dismisser(stub), approval_id, case_id=case_id)
    assert stub.requests == []


def test_a_pending_dismissal_sends_nothing(
    database: Database, tmp_path: Path, stub: GithubStub
) -> None:
    deps = _deps(database, tmp_path)
    _ingest(database, stub)
    case_id, finding = _case_of(database, AlertKind.SECRET_SCANNING)
    dismissal = AlertDismissal(
        repository=REPO,
        kind=AlertKind.SECRET_SCANNING,
        alert_number=3,
        comment=dismissal_comment(case_id=case_id),
    )
    approval_id = request_dismissal(
        deps, case_id=case_id, dismissal=dismissal, tool_severity=finding.tool_severity
    )
    with database.session() as session:  # one approver is not enough for a false positive
        decide(session, approval_id=approval_id, decision=Decision.APPROVE, actor="alice", now=NOW)
    with pytest.raises(PublishRefused, match="not approved"):
        dismiss_approved(deps, _dismisser(stub), approval_id, case_id=case_id)
    assert stub.requests == []
