"""GitHub App authentication at the wire: a token minted per run, per repository, per action.

The stub plays the App's installation: it checks the JWT (RS256, ``iss`` = the App id, ``exp`` at
most ten minutes ahead) with the public half of a key generated here, and it lets a minted token
reach only its repository, with only the permissions it was granted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest

from tests.conftest import FIXTURES, Cli
from tests.support.app_keys import app_key_pair
from tests.support.github_alert_fixtures import code_scanning_alerts
from tests.support.github_app_stub import StubApp
from tests.support.github_stub import Fault, GithubStub, running_github_stub
from tools.github.app_tokens import AppInstallationTokens, AppTokenError, GithubApp
from tools.github.credentials import DISMISS_CODE_SCANNING, PUBLISH_ISSUES, READ_ALERTS
from tools.publish.alert_dismissal import (
    AlertDismissal,
    AlertKind,
    GithubAlertDismisser,
    dismissal_comment,
)
from tools.publish.github_issues import GithubIssues
from tools.publish.github_writer import GithubSettings
from tools.publish.publisher import PublishError, marker_for
from tools.publish.ticket import Ticket

APP_ID = "424242"
INSTALLATION = 77
INSTALLED = {
    "metadata": "read",
    "issues": "write",
    "contents": "read",
    "security_events": "read",
    "vulnerability_alerts": "read",
    "secret_scanning_alerts": "read",
}


@pytest.fixture
def stub() -> Iterator[GithubStub]:
    # token=None: the stub takes no PAT at all, so every request must carry a minted token.
    with running_github_stub(token=None) as running:
        running.add_repo("acme/app")
        running.add_repo("acme/other")
        running.add_repo("example/notesvc")
        yield running
        assert running.violations == []


def _install(stub: GithubStub, account: str, repositories: set[str] | None = None) -> StubApp:
    return stub.enable_app(
        StubApp(
            app_id=APP_ID,
            installation_id=INSTALLATION,
            account=account,
            public_key_pem=app_key_pair().public_pem,
            permissions=INSTALLED,
            repositories=frozenset(repositories) if repositories is not None else None,
        )
    )


def _tokens(stub: GithubStub, key: str | None = None) -> AppInstallationTokens:
    app = GithubApp(APP_ID, INSTALLATION, key or app_key_pair().private_pem)
    return AppInstallationTokens(app, base_url=stub.url, timeout_seconds=5)


def test_a_token_is_minted_for_one_repository_and_the_actions_permissions(
    stub: GithubStub,
) -> None:
    app = _install(stub, "acme")
    tokens = _tokens(stub)
    before = time.time()
    token = tokens.token_for("acme/app", PUBLISH_ISSUES)
    (mint,) = stub.requests_to("apps/create-installation-access-token")
    assert mint.headers["authorization"].startswith("Bearer ")
    assert jwt.get_unverified_header(mint.token or "")["alg"] == "RS256"
    (claims,) = app.jwt_claims
    assert claims["iss"] == APP_ID
    assert claims["exp"] - before <= 600  # GitHub refuses a JWT valid for more than ten minutes
    assert mint.body == {"repositories": ["app"], "permissions": dict(PUBLISH_ISSUES)}
    (grant,) = app.grants
    assert grant.token == token
    assert grant.repositories == ("acme/app",)
    assert grant.permissions == dict(PUBLISH_ISSUES)
    # The same repository and action reuse the token; another action gets its own.
    assert tokens.token_for("acme/app", PUBLISH_ISSUES) == token
    assert tokens.token_for("acme/app", READ_ALERTS) != token
    assert [g.permissions for g in app.grants] == [dict(PUBLISH_ISSUES), dict(READ_ALERTS)]


def test_publishing_with_the_app_writes_only_with_the_minted_token(stub: GithubStub) -> None:
    app = _install(stub, "acme")
    publisher = GithubIssues(GithubSettings(base_url=stub.url), _tokens(stub))
    ticket = Ticket(repository="acme/app", title="XSS in app/views.py", body="Escaping is off.")
    ref = publisher.publish(ticket, marker_for(3))
    assert ref.endswith("/acme/app/issues/1")
    (grant,) = app.grants
    (create,) = stub.requests_to("issues/create")
    assert create.token == grant.token and create.status == 201
    # That token reaches nothing else: another repository is invisible to it, and alerts (which
    # publishing does not need) are refused.
    other = stub.serve(
        "GET", "/repos/acme/other/issues", {"authorization": f"token {grant.token}"}, b""
    )
    assert other.status == 404
    alerts = stub.serve(
        "GET",
        "/repos/acme/app/code-scanning/alerts",
        {"authorization": f"token {grant.token}"},
        b"",
    )
    assert alerts.status == 403


def test_a_repository_the_app_is_not_installed_on_gets_no_write(stub: GithubStub) -> None:
    _install(stub, "acme", repositories={"app"})
    publisher = GithubIssues(GithubSettings(base_url=stub.url), _tokens(stub))
    ticket = Ticket(repository="acme/other", title="t", body="b")
    with pytest.raises(PublishError) as raised:
        publisher.publish(ticket, marker_for(4))
    assert raised.value.written is False
    assert "install the App on that repository" in str(raised.value)
    assert stub.requests_to("issues/create") == []


def test_a_jwt_signed_with_another_key_is_refused(stub: GithubStub) -> None:
    _install(stub, "acme")
    with pytest.raises(AppTokenError) as raised:
        _tokens(stub, key=app_key_pair("stranger").private_pem).token_for("acme/app", READ_ALERTS)
    assert "401" in str(raised.value) and "APPSEC_TRIAGE_GITHUB_APP_ID" in str(raised.value)
    assert app_key_pair("stranger").private_pem not in str(raised.value)


def test_a_grant_wider_than_asked_is_refused(stub: GithubStub) -> None:
    _install(stub, "acme")
    wider = {
        "token": "ghs_tooWide0000000000000000000000000000",
        "expires_at": "2099-01-01T00:00:00Z",
        "permissions": {"issues": "write", "contents": "write", "metadata": "read"},
        "repository_selection": "selected",
    }
    stub.inject("apps/create-installation-access-token", Fault(status=201, body=wider))
    with pytest.raises(AppTokenError) as raised:
        _tokens(stub).token_for("acme/app", PUBLISH_ISSUES)
    assert "contents" in str(raised.value) and "ghs_tooWide" not in str(raised.value)


def _app_env(stub: GithubStub, key_file: Path) -> dict[str, str]:
    key_file.write_text(app_key_pair().private_pem, encoding="utf-8")
    return {
        "APPSEC_TRIAGE_GITHUB_API_URL": stub.url,
        "APPSEC_TRIAGE_GITHUB_APP_ID": APP_ID,
        "APPSEC_TRIAGE_GITHUB_APP_INSTALLATION_ID": str(INSTALLATION),
        "APPSEC_TRIAGE_GITHUB_APP_PRIVATE_KEY_FILE": str(key_file),
        "APPSEC_TRIAGE_LOG_LEVEL": "DEBUG",
    }


def _dependabot_alerts() -> list[dict[str, object]]:
    alerts: list[dict[str, object]] = json.loads(
        (FIXTURES / "github-openapi/dependabot-alerts-for-repository.json").read_text()
    )
    for alert in alerts:  # the OpenAPI example writes this number as a string; its schema says no
        advisory = alert["security_advisory"]
        assert isinstance(advisory, dict)
        if advisory.get("epss"):
            advisory["epss"]["percentile"] = float(advisory["epss"]["percentile"])
    return alerts


def test_ingest_github_with_the_app_reads_with_a_read_only_token(
    cli: Cli, stub: GithubStub, tmp_path: Path
) -> None:
    app = _install(stub, "acme")
    stub.repos["acme/app"].alerts["dependabot"] = _dependabot_alerts()
    result = cli(
        "ingest", "--github", "acme/app", "--json", extra_env=_app_env(stub, tmp_path / "app.pem")
    )
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {row["file"]: row["status"] for row in rows} == {
        "github:acme/app:code-scanning": "ok",
        "github:acme/app:dependabot": "ok",
        "github:acme/app:secret-scanning": "ok",
    }
    (grant,) = app.grants
    assert grant.repositories == ("acme/app",)
    assert grant.permissions == dict(READ_ALERTS)
    assert "write" not in grant.permissions.values()
    assert all(
        r.token == grant.token
        for r in stub.requests
        if r.operation_id != "apps/create-installation-access-token"
    )
    assert "PRIVATE KEY" not in result.stdout + result.stderr
    assert grant.token not in result.stdout + result.stderr


def test_an_approval_publishes_through_the_app(cli: Cli, stub: GithubStub, tmp_path: Path) -> None:
    app = _install(stub, "example")
    assert cli("demo").code == 0
    pending = json.loads(cli("approvals", "list", "--status", "pending", "--json").stdout)
    env = _app_env(stub, tmp_path / "app.pem") | {
        "APPSEC_TRIAGE_PUBLISHER": "github",
        "APPSEC_TRIAGE_ALLOWED_REPOSITORIES": '["example/*"]',
    }
    approved = cli("approvals", "approve", str(pending[0]["id"]), extra_env=env)
    assert approved.code == 0, approved.stderr
    (issue,) = stub.repos["example/notesvc"].issues.values()
    assert marker_for(int(pending[0]["case"])) in (issue.body or "")
    (grant,) = app.grants
    assert grant.repositories == ("example/notesvc",)
    assert grant.permissions == dict(PUBLISH_ISSUES)
    assert "PRIVATE KEY" not in approved.stdout + approved.stderr


def test_an_incomplete_app_configuration_stops_with_what_is_missing(
    cli: Cli, stub: GithubStub
) -> None:
    env = {
        "APPSEC_TRIAGE_GITHUB_API_URL": stub.url,
        "APPSEC_TRIAGE_GITHUB_APP_ID": APP_ID,
    }
    result = cli("ingest", "--github", "acme/app", extra_env=env)
    assert result.code == 2
    assert "APPSEC_TRIAGE_GITHUB_APP_INSTALLATION_ID" in result.stderr
    assert stub.requests == []


def test_each_write_action_gets_a_token_with_only_its_own_permission(stub: GithubStub) -> None:
    app = stub.enable_app(
        StubApp(
            app_id=APP_ID,
            installation_id=INSTALLATION,
            account="acme",
            public_key_pem=app_key_pair().public_pem,
            permissions={**INSTALLED, "security_events": "write"},
        )
    )
    stub.repos["acme/app"].alerts["code-scanning"] = code_scanning_alerts(1)
    dismissal = AlertDismissal(
        repository="acme/app",
        kind=AlertKind.CODE_SCANNING,
        alert_number=1,
        comment=dismissal_comment(case_id=9),
    )
    dismisser = GithubAlertDismisser(GithubSettings(base_url=stub.url), _tokens(stub))
    dismisser.dismiss(dismissal, dismissal.request_body())
    (grant,) = app.grants
    assert grant.permissions == dict(DISMISS_CODE_SCANNING)
    assert grant.repositories == ("acme/app",)
    # The dismissal token cannot open issues.
    denied = stub.serve(
        "POST",
        "/repos/acme/app/issues",
        {"authorization": f"token {grant.token}", "content-type": "application/json"},
        b'{"title": "x"}',
    )
    assert denied.status == 403
