"""`ingest --github OWNER/REPO`: GitHub's alerts pulled over the REST API into the same pipeline."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, Cli
from tests.support.github_stub import TOKEN, Fault, GithubStub, running_github_stub

REPO = "acme/app"
CANARY = "ghp_" + "Zq7" * 12  # a fresh secret value: it must never be stored or printed


def _nulls(value: Any) -> Any:
    # DefectDojo's export wrote Python's None as the string "None"; GitHub sends null.
    if value == "None":
        return None
    if isinstance(value, dict):
        return {key: _nulls(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nulls(item) for item in value]
    return value


def _code_scanning(count: int) -> list[dict[str, Any]]:
    template = _nulls(
        json.loads((FIXTURES / "defectdojo/github_sast/github_sast_one_vul.json").read_text())
    )[0]
    alerts = []
    for number in range(1, count + 1):
        alert = copy.deepcopy(template)
        alert["number"] = number
        alert["most_recent_instance"]["location"]["start_line"] = number
        alert["most_recent_instance"]["location"]["end_line"] = number
        alerts.append(alert)
    return alerts


def _dependabot() -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = json.loads(
        (FIXTURES / "github-openapi/dependabot-alerts-for-repository.json").read_text()
    )
    for alert in alerts:  # the OpenAPI example writes this number as a string; its schema says no
        epss = alert["security_advisory"].get("epss")
        if epss:
            epss["percentile"] = float(epss["percentile"])
    return alerts


def _secret_scanning() -> list[dict[str, Any]]:
    path = FIXTURES / "defectdojo/github_secrets_detection_report"
    alerts: list[dict[str, Any]] = json.loads(
        (path / "github_secrets_detection_report_many_vul.json").read_text()
    )
    for alert in alerts:
        alert["secret"] = CANARY
    return alerts


@pytest.fixture
def stub() -> Iterator[GithubStub]:
    with running_github_stub() as running:
        repo = running.add_repo(REPO)
        repo.alerts["code-scanning"] = _code_scanning(120)  # two pages of 100
        repo.alerts["dependabot"] = _dependabot()
        repo.alerts["secret-scanning"] = _secret_scanning()
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
