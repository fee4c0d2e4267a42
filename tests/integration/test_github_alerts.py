"""`ingest --github OWNER/REPO`: GitHub's alerts pulled over the REST API into the same pipeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from tests.support.github_alert_fixtures import (
    code_scanning_alerts,
    dependabot_alerts,
    secret_scanning_alerts,
)
from tests.support.github_stub import TOKEN, Fault, GithubStub, running_github_stub

REPO = "acme/app"
CANARY = "ghp_" + "Zq7" * 12  # a fresh secret value: it must never be stored or printed


@pytest.fixture
def stub() -> Iterator[GithubStub]:
    with running_github_stub() as running:
        repo = running.add_repo(REPO)
        repo.alerts["code-scanning"] = code_scanning_alerts(120)  # two pages of 100
        repo.alerts["dependabot"] = dependabot_alerts()
        repo.alerts["secret-scanning"] = secret_scanning_alerts(CANARY)
        yield running
        assert running.violations == []


def _ingest(cli: Cli, stub: GithubStub, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    env = {"APPSEC_TRIAGE_GITHUB_API_URL": stub.url, "APPSEC_TRIAGE_GITHUB_TOKEN": TOKEN}
    result = cli("ingest", "--github", REPO, *args, "--json", extra_env=env)
    return result.code, json.loads(result.stdout or "[]"), result.stdout + result.stderr


def test_all_three_alert_kinds_arrive_paginated_with_secrets_redacted(
    cli: Cli, stub: GithubStub, tmp_path: Path
) -> None:
    code, rows, output = _ingest(cli, stub)
    assert code == 0, output
    summary = {row["file"]: (row["format"], row["results"], row["status"]) for row in rows}
    assert summary == {
        f"github:{REPO}:code-scanning": ("github-code-scanning", 120, "ok"),
        f"github:{REPO}:dependabot": ("github-dependabot", 2, "ok"),
        f"github:{REPO}:secret-scanning": ("github-secret-scanning", 3, "ok"),
    }
    assert len(stub.requests_to("code-scanning/list-alerts-for-repo")) == 2
    listing = json.loads(cli("findings", "list", "--json").stdout)
    assert {row["kind"] for row in listing} >= {"sast", "sca", "secret"}
    assert CANARY not in output
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert CANARY.encode() not in stored


def test_a_kind_that_is_not_enabled_is_reported_and_the_rest_ingested(
    cli: Cli, stub: GithubStub
) -> None:
    stub.inject(
        "code-scanning/list-alerts-for-repo",
        Fault(status=404, body={"message": "no analysis found", "documentation_url": "x"}),
    )
    code, rows, output = _ingest(cli, stub)
    assert code == 2
    statuses = {row["file"].rsplit(":", 1)[1]: row["status"] for row in rows}
    assert statuses == {"code-scanning": "rejected", "dependabot": "ok", "secret-scanning": "ok"}
    assert "not enabled on this repository" in output


def test_since_is_a_partial_view_that_fixes_nothing(cli: Cli, stub: GithubStub) -> None:
    assert _ingest(cli, stub)[0] == 0
    stub.repos[REPO].alerts["code-scanning"] = []
    code, rows, _ = _ingest(cli, stub, "--since", "2100-01-01")
    assert code == 0
    assert all(row["fixed"] == 0 for row in rows)
    code, rows, _ = _ingest(cli, stub)  # a complete listing: the vanished alerts are fixed
    fixed = {row["file"].rsplit(":", 1)[1]: row["fixed"] for row in rows}
    assert fixed["code-scanning"] == 120 and fixed["dependabot"] == 0
