"""`ingest --github`: each finding's code is read from GitHub at the commit that was scanned.

End to end over real HTTP against the local GitHub stub (every exchange checked against GitHub's
OpenAPI description): alerts in, then `findings show ID --json` reads the snippet, the enclosing
function and the owners through the contents API at the alert's commit, not at the moving branch.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import FIXTURES, Cli
from tests.support.github_stub import TOKEN, GithubStub, RepoState, Symlink, running_github_stub
from tools.repo.context import NO_BLAME

REPO = "acme/app"
RULE = "py/clear-text-storage-sensitive-data"


def _source(version: str) -> str:
    lines = [f"CONSTANT_{i} = {i}  # {version}" for i in range(1, 40)]
    lines += ["", "def store(secret):", f"    open('f', 'w').write(secret)  # {version}"]
    lines += [f"    step_{i} = {i}  # {version}" for i in range(43, 60)]
    return "\n".join(lines) + "\n"


V1, V2 = _source("v1"), _source("v2")
CODEOWNERS = "* @acme/everyone\nsrc/ @acme/backend\n"


def _alert(number: int, commit: str, path: str, line: int) -> dict[str, Any]:
    alert: dict[str, Any] = json.loads(
        (FIXTURES / "defectdojo/github_sast/github_sast_one_vul.json").read_text()
    )[0]
    alert = {k: (None if v == "None" else v) for k, v in copy.deepcopy(alert).items()}
    alert["tool"]["guid"] = None
    alert["number"] = number
    alert["html_url"] = f"https://github.com/{REPO}/security/code-scanning/{number}"
    alert["url"] = f"https://api.github.com/repos/{REPO}/code-scanning/alerts/{number}"
    alert["instances_url"] = f"{alert['url']}/instances"
    instance = alert["most_recent_instance"]
    instance["commit_sha"] = commit
    instance["location"].update(path=path, start_line=line, end_line=line)
    return alert


@dataclass
class World:
    stub: GithubStub
    repo: RepoState
    v1: str
    v2: str


@pytest.fixture
def world() -> Iterator[World]:
    with running_github_stub() as stub:
        repo = stub.add_repo(REPO)
        files = {"src/file.py": V1, ".github/CODEOWNERS": CODEOWNERS}
        v1 = repo.commit(files | {"src/evil.py": Symlink("../../etc/passwd")}, message="scanned")
        v2 = repo.commit(files | {"src/file.py": V2}, message="moved on")
        repo.alerts["code-scanning"] = [
            _alert(1, v1, "src/file.py", 42),  # analysed at v1: read at v1
            _alert(2, "not-a-sha", "src/file.py", 41),  # no usable commit: the default branch
            _alert(3, v1, "src/evil.py", 1),  # a symlink out of the repository
        ]
        yield World(stub, repo, v1, v2)
        assert stub.violations == []


def _env(world: World) -> dict[str, str]:
    return {"APPSEC_TRIAGE_GITHUB_API_URL": world.stub.url, "APPSEC_TRIAGE_GITHUB_TOKEN": TOKEN}


def _show(cli: Cli, finding: int, env: dict[str, str]) -> dict[str, Any]:
    shown = cli("findings", "show", str(finding), "--json", extra_env=env)
    assert shown.code == 0, shown.stderr
    data: dict[str, Any] = json.loads(shown.stdout)
    return data


def _ids_by_line(cli: Cli) -> dict[tuple[str | None, int | None], int]:
    listing = json.loads(cli("findings", "list", "--json").stdout)
    return {(row["path"], row["start_line"]): row["id"] for row in listing}


def test_findings_show_reads_the_code_at_the_alerts_commit(cli: Cli, world: World) -> None:
    ingested = cli("ingest", "--github", REPO, "--json", extra_env=_env(world))
    assert ingested.code == 0, ingested.stderr
    ids = _ids_by_line(cli)

    shown = _show(cli, ids[("src/file.py", 42)], _env(world))
    assert shown["repo_source"] == f"github:{REPO}@{world.v1}"
    context = shown["context"]
    assert context["source"] == "repository"
    assert context["read_from"] == f"github:{REPO}@{world.v1}"
    assert (context["snippet_start"], context["snippet_end"]) == (39, 45)
    assert context["snippet"] == "\n".join(V1.splitlines()[38:45])
    assert "write(secret)  # v1" in context["snippet"]  # the scanned code, not the branch's
    assert context["enclosing"] == "store"
    assert context["language"] == "python"
    assert (context["owners"], context["owners_source"]) == (
        ["@acme/backend"],
        ".github/CODEOWNERS",
    )
    assert context["last_change_commit"] is None
    assert context["note"] == NO_BLAME  # blame needs git: said, not faked

    contents = world.stub.requests_to("repos/get-content")
    assert {(r.path, r.query["ref"][0]) for r in contents} == {
        (f"/repos/{REPO}/contents/src/file.py", world.v1),
        (f"/repos/{REPO}/contents/.github/CODEOWNERS", world.v1),
    }
    assert {r.token for r in world.stub.requests} == {TOKEN}


def test_an_alert_without_a_commit_is_read_at_the_default_branch_resolved_at_ingest(
    cli: Cli, world: World
) -> None:
    assert cli("ingest", "--github", REPO, extra_env=_env(world)).code == 0
    main_at_ingest = world.v2
    world.repo.commit({"src/file.py": _source("v3")}, message="after the ingest")

    shown = _show(cli, _ids_by_line(cli)[("src/file.py", 41)], _env(world))
    assert shown["repo_source"] == f"github:{REPO}@{main_at_ingest}"
    assert "# v2" in shown["context"]["snippet"] and "# v3" not in shown["context"]["snippet"]
    assert [r.path for r in world.stub.requests_to("repos/get")] == [f"/repos/{REPO}"]


def test_a_symlink_out_of_the_repository_is_refused_without_reading_it(
    cli: Cli, world: World
) -> None:
    assert cli("ingest", "--github", REPO, extra_env=_env(world)).code == 0
    context = _show(cli, _ids_by_line(cli)[("src/evil.py", 1)], _env(world))["context"]
    assert context["source"] == "none"
    assert context["snippet"] is None
    assert "resolves outside the repository" in context["note"]
    assert f"/repos/{REPO}/contents/src/evil.py" not in {
        r.path for r in world.stub.requests_to("repos/get-content")
    }


def test_without_a_token_the_context_says_where_the_code_is(cli: Cli, world: World) -> None:
    assert cli("ingest", "--github", REPO, extra_env=_env(world)).code == 0
    before = len(world.stub.requests)
    shown = _show(cli, _ids_by_line(cli)[("src/file.py", 42)], {})
    context = shown["context"]
    assert context["source"] == "none" and context["read_from"] is None
    assert context["note"] == (
        f"the code is on GitHub ({REPO} at {world.v1[:12]}), but no GitHub token is configured "
        "(APPSEC_TRIAGE_GITHUB_TOKEN) to read it"
    )
    assert len(world.stub.requests) == before  # nothing was asked of GitHub


def test_dependabot_findings_point_at_the_default_branch(cli: Cli, world: World) -> None:
    alerts = json.loads(
        (FIXTURES / "github-openapi/dependabot-alerts-for-repository.json").read_text()
    )
    for alert in alerts:
        epss = alert["security_advisory"].get("epss")
        if epss:
            epss["percentile"] = float(epss["percentile"])
    world.repo.alerts["dependabot"] = alerts
    assert cli("ingest", "--github", REPO, extra_env=_env(world)).code == 0
    listing = json.loads(cli("findings", "list", "--json").stdout)
    sca = [row["id"] for row in listing if row["kind"] == "sca"]
    assert len(sca) == 1  # the other alert is dismissed
    shown = _show(cli, sca[0], {})
    assert shown["repo_source"] == f"github:{REPO}@{world.v2}"
