"""GithubSource over real HTTP against the local GitHub stub; every exchange checked by the spec.

The stub (tests/support/github_stub.py) answers as GitHub's REST API does and validates each
request and answer against the operations extracted from GitHub's OpenAPI description; a test
that ends with ``stub.violations == []`` proves PyGithub and the stub kept to it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from github import Auth, Github

from tests.support.github_stub import (
    CONTENTS_INLINE_LIMIT,
    TOKEN,
    Fault,
    GithubStub,
    RepoState,
    Submodule,
    Symlink,
    running_github_stub,
)
from tests.support.openapi_validate import (
    OPERATIONS_FILE,
    SchemaError,
    SchemaValidator,
    github_operations,
)
from tools.repo.github_source import GithubSource
from tools.repo.reader import RepoReader, RepoReadError
from tools.repo.source import RepoSource

CAP = 10_000
MAIN_V1 = "".join(f"line {i}\n" for i in range(1, 21))
MAIN_V2 = "".join(f"line {i} (v2)\n" for i in range(1, 31))
FILES: dict[str, str | bytes | Symlink | Submodule] = {
    "app/main.py": MAIN_V2,
    "app/big.py": "x" * (CAP * 2),
    "app/link.py": Symlink("main.py"),
    "alias.py": Symlink("app/main.py"),
    "linked_dir": Symlink("app"),
    "app/evil.py": Symlink("../../etc/passwd"),
    "abs.py": Symlink("/etc/passwd"),
    "escape_dir": Symlink(".."),
    "loop.py": Symlink("loop.py"),
    "vendor/lib": Submodule("https://example.com/lib.git"),
    "odd/#1 %41?.py": "odd name\n",
    "bin.dat": b"\xff\xfe ok\n",
}


def _conforms(reader: RepoReader, source: GithubSource) -> tuple[RepoSource, RepoSource]:
    """Checked by mypy: both readers satisfy the RepoSource protocol."""
    return reader, source


@dataclass
class World:
    stub: GithubStub
    repo: RepoState
    v1: str
    v2: str

    def source(self, ref: str = "main", **kwargs: Any) -> GithubSource:
        options: dict[str, Any] = {"retry": 0, "seconds_between_requests": 0} | kwargs
        return GithubSource(
            "octo/app",
            ref,
            token=TOKEN,
            max_file_bytes=CAP,
            base_url=self.stub.url,
            **options,
        )

    def content_paths(self) -> list[str]:
        return [r.path for r in self.stub.requests_to("repos/get-content")]


@pytest.fixture
def world() -> Iterator[World]:
    with running_github_stub() as stub:
        repo = stub.add_repo("octo/app")
        v1 = repo.commit({"app/main.py": MAIN_V1}, message="first")
        repo.tag("v1", v1)
        v2 = repo.commit(FILES, message="second")
        yield World(stub, repo, v1, v2)


def test_reads_a_file_at_the_pinned_commit_of_a_ref_and_caches_it(world: World) -> None:
    with world.source("main") as source:
        assert source.read_text("app/main.py") == MAIN_V2
        lines = source.read_lines("app/main.py", 29, 40)
        assert (lines.start, lines.end, lines.total) == (29, 30, 30)
        assert lines.text == ("line 29 (v2)", "line 30 (v2)")
        assert source.read_text("app/main.py", ref="v1") == MAIN_V1
        assert source.read_text("bin.dat") == "\ufffd\ufffd ok\n"
    contents = world.stub.requests_to("repos/get-content")
    # one download per (ref, path), each at the commit the ref named, not at the moving branch
    assert [(r.path, r.query["ref"]) for r in contents] == [
        ("/repos/octo/app/contents/app/main.py", [world.v2]),
        ("/repos/octo/app/contents/app/main.py", [world.v1]),
        ("/repos/octo/app/contents/bin.dat", [world.v2]),
    ]
    commits = world.stub.requests_to("repos/get-commit")
    assert [r.path.rsplit("/", 1)[1] for r in commits] == ["main", "v1"]
    trees = world.stub.requests_to("git/get-tree")
    assert [r.query for r in trees] == [{"recursive": ["1"]}] * 2
    assert {r.token for r in world.stub.requests} == {TOKEN}
    assert world.stub.violations == []


def test_a_name_with_url_characters_reaches_the_right_file(world: World) -> None:
    with world.source() as source:
        assert source.read_text("odd/#1 %41?.py") == "odd name\n"
    assert world.content_paths() == ["/repos/octo/app/contents/odd/%231%20%2541%3F.py"]
    assert world.stub.violations == []


UNSAFE = [
    ("../etc/passwd", "'..' is not allowed"),
    ("app/../../etc/passwd", "'..' is not allowed"),
    ("..\\etc\\passwd", "'..' is not allowed"),
    ("/etc/passwd", "absolute paths are not allowed"),
    ("//server/share/x", "absolute paths are not allowed"),
    ("C:/Windows/win.ini", "absolute paths are not allowed"),
    ("C:\\Windows\\win.ini", "absolute paths are not allowed"),
    ("app/\x00.py", "empty or contains NUL"),
    ("", "empty or contains NUL"),
]


@pytest.mark.parametrize(("path", "reason"), UNSAFE)
def test_refuses_unsafe_paths_before_any_request_like_the_local_reader(
    world: World, tmp_path: Path, path: str, reason: str
) -> None:
    with world.source() as source, pytest.raises(RepoReadError) as remote:
        source.read_text(path)
    assert reason in str(remote.value)
    assert world.stub.requests == []
    (tmp_path / "app").mkdir()
    with pytest.raises(RepoReadError) as local:
        RepoReader(tmp_path, max_file_bytes=CAP).read_text(path)
    assert str(remote.value) == str(local.value)


def test_refuses_an_over_size_file_from_the_tree_without_downloading_it(world: World) -> None:
    with world.source() as source, pytest.raises(RepoReadError) as refused:
        source.read_text("app/big.py")
    assert str(refused.value) == f"app/big.py: {CAP * 2} bytes is over the read limit of {CAP}"
    assert world.content_paths() == []
    assert world.stub.requests_to("git/get-blob") == []
    assert world.stub.violations == []


def test_a_file_over_the_contents_api_limit_is_refused_even_under_a_larger_cap(
    world: World,
) -> None:
    size = CONTENTS_INLINE_LIMIT + 1
    world.repo.commit({"huge.bin": b"\0" * size}, branch="huge")
    with world.source("huge") as source, pytest.raises(RepoReadError) as refused:
        source.max_file_bytes = 4 * size
        source.read_text("huge.bin")
    assert str(refused.value) == (
        f"huge.bin: {size} bytes; the GitHub contents API serves files up to 1 MB"
    )
    assert world.content_paths() == []
    assert world.stub.violations == []


def test_refuses_an_over_size_answer_before_decoding_it(world: World) -> None:
    """The tree said small, the contents answer says big: its ``size`` is checked first."""
    lying = _content_file("app/main.py", b"x" * 20, size=CAP + 1)
    world.stub.inject("repos/get-content", Fault(status=200, body=lying))
    with world.source() as source, pytest.raises(RepoReadError, match="over the read limit"):
        source.read_text("app/main.py")
    assert world.stub.violations == []


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("app/evil.py", "'app/evil.py': it resolves outside the repository"),
        ("abs.py", "'abs.py': it resolves outside the repository (symlink abs.py -> /etc/passwd)"),
        ("escape_dir/app/main.py", "it resolves outside the repository"),
    ],
)
def test_refuses_a_symlink_whose_target_leaves_the_repository(
    world: World, path: str, shown: str
) -> None:
    with world.source() as source, pytest.raises(RepoReadError) as refused:
        source.read_text(path)
    assert shown in str(refused.value)
    assert "refusing path" in str(refused.value)
    assert world.content_paths() == []
    assert len(world.stub.requests_to("git/get-blob")) == 1
    assert world.stub.violations == []


@pytest.mark.parametrize("path", ["alias.py", "app/link.py", "linked_dir/main.py"])
def test_follows_a_symlink_that_stays_inside(world: World, path: str) -> None:
    with world.source() as source:
        assert source.read_text(path) == MAIN_V2
    assert world.content_paths() == ["/repos/octo/app/contents/app/main.py"]
    assert world.stub.violations == []


def test_local_reader_agrees_on_the_same_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "main.py").write_text(MAIN_V2)
    for link, target in [
        ("app/link.py", "main.py"),
        ("alias.py", "app/main.py"),
        ("linked_dir", "app"),
        ("app/evil.py", "../../etc/passwd"),
        ("abs.py", "/etc/passwd"),
        ("escape_dir", ".."),
    ]:
        (root / link).symlink_to(target)
    for outside in ("etc/passwd", "app/main.py"):  # targets exist, so only confinement refuses
        (tmp_path / outside).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / outside).write_text("outside\n")
    reader = RepoReader(root, max_file_bytes=CAP)
    for path in ("alias.py", "app/link.py", "linked_dir/main.py"):
        assert reader.read_text(path) == MAIN_V2
    for path in ("app/evil.py", "abs.py", "escape_dir/app/main.py"):
        with pytest.raises(RepoReadError, match="outside the repository"):
            reader.read_text(path)


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("app", "refusing 'app': it is a directory, not a file"),
        ("linked_dir", "refusing 'linked_dir': it is a directory, not a file"),
        (".", "refusing '.': it is the repository root, not a file"),
        ("vendor/lib", "refusing 'vendor/lib': it is a submodule (another repository), not a file"),
        ("loop.py", "loop.py: cannot resolve (too many levels of symlinks)"),
    ],
)
def test_refuses_what_is_not_a_regular_file(world: World, path: str, shown: str) -> None:
    with world.source() as source, pytest.raises(RepoReadError) as refused:
        source.read_text(path)
    assert str(refused.value) == shown
    assert world.content_paths() == []
    assert world.stub.violations == []


def test_missing_file_ref_and_repository_say_which(world: World) -> None:
    with world.source() as source:
        with pytest.raises(RepoReadError) as missing:
            source.read_text("app/missing.py")
        assert str(missing.value) == "app/missing.py: no such file at main"
        with pytest.raises(RepoReadError) as through_a_file:
            source.read_text("app/main.py/x")
        assert str(through_a_file.value) == "app/main.py/x: no such file at main"
        with pytest.raises(RepoReadError) as no_ref:
            source.read_text("app/main.py", ref="nope")
        assert str(no_ref.value) == "no commit 'nope' in octo/app: no such branch, tag or sha"
    with (
        GithubSource(
            "octo/gone", "main", token=TOKEN, max_file_bytes=CAP, base_url=world.stub.url, retry=0
        ) as gone,
        pytest.raises(RepoReadError, match=r"repository octo/gone not found, or the token"),
    ):
        gone.read_text("x.py")
    assert world.stub.violations == []


def test_a_404_from_the_contents_api_says_no_such_file_at_the_ref(world: World) -> None:
    world.stub.inject(
        "repos/get-content", Fault(status=404, body={"message": "Not Found", "status": "404"})
    )
    with world.source() as source, pytest.raises(RepoReadError) as refused:
        source.read_text("app/main.py")
    assert str(refused.value) == "app/main.py: no such file at main"
    assert [r.status for r in world.stub.requests_to("repos/get-content")] == [404]
    assert world.stub.violations == []


def test_rate_limit_and_bad_token_are_named(world: World) -> None:
    world.stub.inject("repos/get-commit", Fault.rate_limited())
    with world.source() as source, pytest.raises(RepoReadError) as limited:
        source.read_text("app/main.py")
    assert "GitHub API rate limit exceeded while reading octo/app; it resets at" in str(
        limited.value
    )
    world.stub.inject("repos/get-commit", Fault.secondary_rate_limited(retry_after=30))
    with world.source() as source, pytest.raises(RepoReadError) as secondary:
        source.read_text("app/main.py")
    assert str(secondary.value).endswith(
        "rate limit exceeded while reading octo/app; retry after 30 s"
    )
    bad = GithubSource(
        "octo/app", "main", token="wrong", max_file_bytes=CAP, base_url=world.stub.url, retry=0
    )
    with bad, pytest.raises(RepoReadError, match=r"GitHub rejected the token \(401 Bad"):
        bad.read_text("app/main.py")
    assert [r.status for r in world.stub.requests_to("repos/get-commit")] == [403, 403, 401]
    assert world.stub.violations == []


def test_the_default_retry_rides_out_one_server_error(world: World) -> None:
    world.stub.inject("repos/get-content", Fault.server_error(502))
    with world.source(retry=None) as source:
        assert source.read_text("app/main.py") == MAIN_V2
    assert [r.status for r in world.stub.requests_to("repos/get-content")] == [502, 200]
    assert world.stub.violations == []


def test_a_dropped_connection_is_a_read_error(world: World) -> None:
    world.stub.inject("repos/get-content", Fault(disconnect=True))
    with world.source() as source, pytest.raises(RepoReadError, match="cannot reach GitHub at"):
        source.read_text("app/main.py")
    assert [r.status for r in world.stub.requests_to("repos/get-content")] == [0]


def test_a_truncated_tree_is_walked_one_directory_at_a_time(world: World) -> None:
    world.repo.tree_entry_limit = 3
    with world.source() as source:
        assert source.read_text("linked_dir/main.py") == MAIN_V2
        with pytest.raises(RepoReadError, match="over the read limit"):
            source.read_text("app/big.py")
    trees = world.stub.requests_to("git/get-tree")
    assert [r.query for r in trees] == [{"recursive": ["1"]}, {}, {}]
    assert world.content_paths() == ["/repos/octo/app/contents/app/main.py"]
    assert world.stub.violations == []


def test_a_symlink_answer_from_the_contents_api_is_refused(world: World) -> None:
    """Defence in depth: the tree said file, GitHub answers with a symlink leading out."""
    symlink = _content_file("app/main.py", b"", size=19)
    del symlink["content"], symlink["encoding"]
    symlink |= {"type": "symlink", "target": "../../etc/shadow"}
    world.stub.inject("repos/get-content", Fault(status=200, body=symlink))
    with world.source() as source, pytest.raises(RepoReadError) as refused:
        source.read_text("app/main.py")
    assert "symlink to '../../etc/shadow' (outside the repository)" in str(refused.value)
    assert world.stub.violations == []


# --- the stub itself ------------------------------------------------------------------------


def test_the_stub_flags_an_answer_that_breaks_the_spec(world: World) -> None:
    broken = _content_file("app/main.py", MAIN_V2.encode(), size=len(MAIN_V2))
    broken["size"] = str(broken["size"])
    del broken["sha"]
    world.stub.inject("repos/get-content", Fault(status=200, body=broken))
    with world.source() as source, pytest.raises(RepoReadError, match="GitHub answered 500"):
        source.read_text("app/main.py")
    (violation,) = world.stub.violations
    assert (violation.operation_id, violation.direction) == ("repos/get-content", "response")
    assert "response: matches none of oneOf" in violation.reasons[0]
    assert "missing required property 'sha'" in violation.reasons[0]


def test_the_stub_flags_requests_that_break_the_spec(world: World) -> None:
    def send(method: str, path: str, body: bytes | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            world.stub.url + path,
            data=body,
            method=method,
            headers={"authorization": f"token {TOKEN}", "content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    assert send("GET", "/repos/octo/app/issues?state=opened")[0] == 500
    assert send("GET", "/repos/octo/app/issues?per-page=5")[0] == 500
    assert send("PATCH", "/repos/octo/app/issues/abc", b"{}")[0] == 500
    assert (
        send("POST", "/repos/octo/app/issues", json.dumps({"body": "no title"}).encode())[0] == 500
    )
    assert send("GET", "/repos/octo/app/releases")[0] == 500
    status, answer = send("GET", "/repos/octo/app/issues?state=all")
    assert (status, answer) == (200, [])
    assert [(v.direction, v.reasons[0]) for v in world.stub.violations] == [
        ("request", 'query state: "opened" is not one of ["open", "closed", "all"]'),
        ("request", "query per-page: not a parameter of issues/list-for-repo"),
        ("request", "path issue_number: 'abc' is not an integer"),
        ("request", "request body: missing required property 'title'"),
        ("route", "GET /repos/octo/app/releases is not one of the extracted operations"),
    ]
    assert world.stub.requests[-1].status == 200


def test_the_stub_serves_the_issue_and_alert_operations_by_the_spec(world: World) -> None:
    gh = Github(
        base_url=world.stub.url,
        auth=Auth.Token(TOKEN),
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    repo = gh.get_repo("octo/app")
    assert repo.default_branch == "main"
    marker = "<!-- appsec-triage:finding=F1 -->"
    issue = repo.create_issue(
        title="SQL injection", body=f"details\n\n{marker}", labels=["security"]
    )
    issue.create_comment("triaged")
    issue.edit(state="closed", labels=["security", "fixed"])
    for n in range(34):
        repo.create_issue(title=f"other {n}")
    assert repo.get_issues(state="open").totalCount == 34
    assert [i.number for i in repo.get_issues(state="closed", labels=["fixed"])] == [1]
    assert len(list(repo.get_issues(state="all"))) == 35
    hits = gh.search_issues(f'repo:octo/app is:issue in:body "{marker}"')
    assert [(i.number, i.state, i.comments) for i in hits] == [(1, "closed", 1)]
    assert gh.search_issues('repo:octo/app is:issue "no such text"').totalCount == 0
    assert gh.get_rate_limit().resources.core.used == world.stub.rate_used["core"]
    assert list(repo.get_codescan_alerts()) == []
    assert list(repo.get_secret_scanning_alerts(state="open")) == []
    assert list(repo.get_dependabot_alerts(state="open")) == []
    gh.close()
    listed = [r.query for r in world.stub.requests_to("issues/list-for-repo")]
    # totalCount reads the last page number from Link; iteration follows rel="next"
    assert listed == [
        {"state": ["open"], "per_page": ["1"]},
        {"state": ["closed"], "labels": ["fixed"]},
        {"state": ["all"]},
        {"state": ["all"], "per_page": ["30"], "page": ["2"]},
    ]
    assert world.stub.violations == []


def test_the_contents_api_answers_like_github_for_every_kind_of_entry(world: World) -> None:
    gh = Github(
        base_url=world.stub.url,
        auth=Auth.Token(TOKEN),
        retry=None,
        lazy=True,
        seconds_between_requests=None,
    )
    repo = gh.get_repo("octo/app")
    listing = repo.get_contents("vendor", ref="main")
    assert isinstance(listing, list)
    assert [(c.name, c.type) for c in listing] == [("lib", "file")]  # GitHub's documented quirk
    followed = repo.get_contents("alias.py", ref="main")
    assert not isinstance(followed, list)
    assert (followed.type, followed.decoded_content) == ("file", MAIN_V2.encode())
    leaving = repo.get_contents("app/evil.py", ref="main")
    assert not isinstance(leaving, list)
    assert (leaving.type, leaving.target) == ("symlink", "../../etc/passwd")
    submodule = repo.get_contents("vendor/lib", ref="main")
    assert not isinstance(submodule, list)
    assert submodule.type == "submodule"
    world.repo.commit({"huge.bin": b"\0" * (CONTENTS_INLINE_LIMIT + 1)}, branch="huge")
    with pytest.raises(Exception, match="too_large"):
        repo.get_contents("huge.bin", ref="huge")
    gh.close()
    assert world.stub.violations == []


# --- the validator and the extracted description ---------------------------------------------


def test_the_validator_reads_github_schemas_as_github_means_them() -> None:
    schemas = SchemaValidator(
        {
            "user": {
                "type": "object",
                "properties": {"login": {"type": "string"}, "id": {"type": "integer"}},
                "required": ["login"],
                "additionalProperties": False,
            }
        }
    )
    nullable_enum = {"type": "string", "enum": ["completed"], "nullable": True}
    assert schemas.errors(nullable_enum, None) == []
    assert schemas.errors(nullable_enum, "done") == ['$: "done" is not one of ["completed"]']
    assert schemas.errors({"type": ["string", "null"]}, None) == []
    assert schemas.errors({"type": "integer"}, True) == ["$: expected integer, got boolean"]
    user = {"$ref": "#/components/schemas/user"}
    assert schemas.errors(user, {"login": "a", "id": 1}) == []
    assert schemas.errors(user, {"id": "1", "x": 0}) == [
        "$: missing required property 'login'",
        "$.id: expected integer, got string",
        "$: property 'x' is not allowed",
    ]
    either = {"oneOf": [{"type": "object"}, user]}
    assert schemas.errors(either, {"login": "a"}) == [
        "$: matches oneOf branches [0, 1], exactly one is allowed"
    ]
    with pytest.raises(SchemaError, match="unsupported keyword 'patternProperties'"):
        schemas.errors({"patternProperties": {}}, {})
    with pytest.raises(SchemaError, match="not extracted"):
        schemas.errors({"$ref": "#/components/schemas/nope"}, {})


def test_the_extracted_description_is_complete() -> None:
    document = json.loads(OPERATIONS_FILE.read_text(encoding="utf-8"))
    routes = {(op["method"], op["path"]) for op in document["operations"].values()}
    assert routes >= {
        ("GET", "/repos/{owner}/{repo}"),
        ("GET", "/repos/{owner}/{repo}/contents/{path}"),
        ("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}"),
        ("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}"),
        ("GET", "/repos/{owner}/{repo}/commits/{ref}"),
        ("GET", "/rate_limit"),
        ("POST", "/repos/{owner}/{repo}/issues"),
        ("GET", "/repos/{owner}/{repo}/issues"),
        ("GET", "/search/issues"),
        ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
        ("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}"),
        ("GET", "/repos/{owner}/{repo}/code-scanning/alerts"),
        ("GET", "/repos/{owner}/{repo}/dependabot/alerts"),
        ("GET", "/repos/{owner}/{repo}/secret-scanning/alerts"),
    }
    refs: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document)
    names = {ref.removeprefix("#/components/schemas/") for ref in refs}
    assert all(ref.startswith("#/components/schemas/") for ref in refs)
    assert names <= set(document["components"]["schemas"])
    assert {"content-file", "content-symlink", "git-tree", "issue"} <= names
    assert (OPERATIONS_FILE.parent / "LICENSE").read_text().startswith("MIT License")
    assert github_operations().match("GET", "/repos/o/r/contents/a/b%20c.py") is not None


def _content_file(path: str, data: bytes, *, size: int) -> dict[str, Any]:
    import base64

    url = f"https://api.github.com/repos/octo/app/contents/{path}"
    return {
        "type": "file",
        "encoding": "base64",
        "size": size,
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": base64.b64encode(data).decode(),
        "sha": "0" * 40,
        "url": url,
        "git_url": None,
        "html_url": None,
        "download_url": None,
        "_links": {"self": url, "git": None, "html": None},
    }
