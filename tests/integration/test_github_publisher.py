"""Publishing to GitHub at the wire: a local REST stub checked against GitHub's OpenAPI description.

The fault matrix: whatever goes wrong between us and GitHub, a case ends with exactly one issue,
or with none and an honest "not written" / "outcome unknown" that reconcile resolves.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.support.github_stub import TOKEN, Fault, GithubStub, running_github_stub
from tools.publish.github_issues import BOT_LABEL, GithubIssues
from tools.publish.github_writer import GithubSettings
from tools.publish.publisher import PublishError, marker_for
from tools.publish.ticket import Ticket

REPO = "acme/app"
TICKET = Ticket(
    repository=REPO,
    title="SQL injection in app/db.py",
    body="The query is built from request text.",
    labels=("security",),
)
MARKER = marker_for(7)


@pytest.fixture
def stub() -> Iterator[GithubStub]:
    with running_github_stub() as running:
        running.add_repo(REPO)
        running.add_repo("example/notesvc")
        yield running
        assert running.violations == []


def _publisher(stub: GithubStub, sleeps: list[float], *, timeout: int = 5) -> GithubIssues:
    settings = GithubSettings(base_url=stub.url, timeout_seconds=timeout)
    return GithubIssues(settings, TOKEN, sleep=sleeps.append)


def _issues(stub: GithubStub, repository: str = REPO) -> list[str]:
    return [issue.body or "" for issue in stub.repos[repository].issues.values()]


CREATED_THEN_FAILED = [
    pytest.param([], id="no fault"),
    pytest.param(
        [Fault(status=502, body={"message": "Bad Gateway"}, handle_first=True)],
        id="502 after the issue was created",
    ),
    pytest.param([Fault.server_error(502)], id="502 before anything was created"),
    pytest.param([Fault(disconnect=True)], id="connection reset after the issue was created"),
    pytest.param([Fault.secondary_rate_limited(retry_after=30)], id="403 secondary rate limit"),
]


@pytest.mark.parametrize("faults", CREATED_THEN_FAILED)
def test_every_fault_ends_with_exactly_one_issue(stub: GithubStub, faults: list[Fault]) -> None:
    stub.inject("issues/create", *faults)
    sleeps: list[float] = []
    ref = _publisher(stub, sleeps).publish(TICKET, MARKER)
    (body,) = _issues(stub)
    assert MARKER in body and TICKET.body in body
    assert ref.endswith("/acme/app/issues/1")
    issue = stub.repos[REPO].issues[1]
    assert set(issue.labels) >= {"security", BOT_LABEL}
    retried_after_limit = any(f.status == 403 for f in faults)
    assert sleeps == ([30.0] if retried_after_limit else [])


def test_a_422_writes_nothing_and_says_so(stub: GithubStub) -> None:
    invalid = {"message": "Validation Failed", "errors": [{"code": "invalid"}], "status": "422"}
    stub.inject("issues/create", Fault(status=422, body=invalid, validate=False))
    with pytest.raises(PublishError) as raised:
        _publisher(stub, []).publish(TICKET, MARKER)
    assert raised.value.written is False
    assert "422" in str(raised.value)
    assert _issues(stub) == []
    assert len(stub.requests_to("issues/create")) == 1  # a refusal is not retried


def test_a_timeout_is_never_retried_blind_and_reconciles_to_one_issue(stub: GithubStub) -> None:
    stub.inject("issues/create", Fault(delay=2.5))  # GitHub creates the issue after we gave up
    publisher = _publisher(stub, [], timeout=1)
    with pytest.raises(PublishError) as raised:
        publisher.publish(TICKET, MARKER)
    assert raised.value.written is None
    assert "reconcile" in str(raised.value)
    deadline = time.monotonic() + 10
    while not _issues(stub) and time.monotonic() < deadline:
        time.sleep(0.05)  # wait for the stub's slow handler: an event, not a timing assertion
    found = publisher.find_published(REPO, MARKER)
    assert found is not None and found.endswith("/issues/1")
    assert len(_issues(stub)) == 1
    assert len(stub.requests_to("issues/create")) == 1  # the POST was sent once


def test_a_long_secondary_limit_gives_up_unwritten(stub: GithubStub) -> None:
    stub.inject("issues/create", Fault.secondary_rate_limited(retry_after=3600))
    with pytest.raises(PublishError) as raised:
        _publisher(stub, []).publish(TICKET, MARKER)
    assert raised.value.written is False and "3600" in str(raised.value)
    assert _issues(stub) == []


def _github_env(stub: GithubStub, allowed: str = '["example/*"]') -> dict[str, str]:
    return {
        "APPSEC_TRIAGE_PUBLISHER": "github",
        "APPSEC_TRIAGE_GITHUB_API_URL": stub.url,
        "APPSEC_TRIAGE_GITHUB_TOKEN": TOKEN,
        "APPSEC_TRIAGE_ALLOWED_REPOSITORIES": allowed,
    }


def _first_pending(cli: Cli) -> dict[str, object]:
    assert cli("demo").code == 0
    pending: list[dict[str, object]] = json.loads(
        cli("approvals", "list", "--status", "pending", "--json").stdout
    )
    return pending[0]


def test_an_approval_publishes_one_issue_through_the_cli(cli: Cli, stub: GithubStub) -> None:
    approval = _first_pending(cli)
    env = _github_env(stub)
    stub.inject("issues/create", Fault(status=502, body={"message": "x"}, handle_first=True))
    approved = cli("approvals", "approve", str(approval["id"]), extra_env=env)
    assert approved.code == 0, approved.stderr
    (body,) = _issues(stub, "example/notesvc")
    assert marker_for(int(str(approval["case"]))) in body
    assert TOKEN not in approved.stdout + approved.stderr
    again = cli("approvals", "approve", str(approval["id"]), extra_env=env)
    assert again.code == 1
    assert len(_issues(stub, "example/notesvc")) == 1


def test_a_timeout_through_the_cli_reconciles_to_one_issue(cli: Cli, stub: GithubStub) -> None:
    approval = _first_pending(cli)
    env = _github_env(stub) | {"APPSEC_TRIAGE_GITHUB_TIMEOUT_SECONDS": "1"}
    stub.inject("issues/create", Fault(delay=2.5))
    approved = cli("approvals", "approve", str(approval["id"]), extra_env=env)
    assert "needs_reconciliation" in approved.stdout + approved.stderr
    deadline = time.monotonic() + 10
    while not _issues(stub, "example/notesvc") and time.monotonic() < deadline:
        time.sleep(0.05)
    reconciled = cli("reconcile", "--json", extra_env=env)
    assert reconciled.code == 0, reconciled.stderr
    (result,) = json.loads(reconciled.stdout)
    assert result["outcome"] == "found"
    assert len(_issues(stub, "example/notesvc")) == 1


def test_a_repository_outside_the_allowlist_gets_no_request(cli: Cli, stub: GithubStub) -> None:
    approval = _first_pending(cli)
    approved = cli(
        "approvals", "approve", str(approval["id"]), extra_env=_github_env(stub, '["acme/*"]')
    )
    assert "not in APPSEC_TRIAGE_ALLOWED_REPOSITORIES" in approved.stdout + approved.stderr
    assert stub.requests == []


def test_github_mode_refuses_the_wildcard_allowlist(
    cli: Cli, stub: GithubStub, tmp_path: Path
) -> None:
    approval = _first_pending(cli)
    refused = cli("approvals", "approve", str(approval["id"]), extra_env=_github_env(stub, '["*"]'))
    assert refused.code == 2 and "explicit APPSEC_TRIAGE_ALLOWED_REPOSITORIES" in refused.stderr
    assert stub.requests == []
