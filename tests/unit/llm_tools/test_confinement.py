"""Every way a path can leave the repository is refused, before any read, with path_refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.llm_tools.conftest import ToolboxFactory
from tools.repo.reader import PathRefused, RepoReader
from tools.repo.source import confine

ESCAPES = [
    "../secret.txt",
    "app/../../secret.txt",
    "..\\secret.txt",
    "/etc/passwd",
    "\\\\server\\share\\x",
    "C:/Windows/win.ini",
    "C:\\Windows\\win.ini",
    "app/\x00views.py",
    "https://evil.example/x.py",
    "file:///etc/passwd",
    "//evil.example/x.py",
]


@pytest.mark.parametrize("path", ESCAPES)
def test_read_code_refuses_the_path_and_records_it(make_toolbox: ToolboxFactory, path: str) -> None:
    toolbox = make_toolbox()
    answer = toolbox.call("read_code", {"path": path, "start_line": 1, "end_line": 5})
    assert answer.startswith("ERROR from read_code: refusing path")
    (record,) = toolbox.records
    assert (record.name, record.ok, record.violation, record.bytes_returned) == (
        "read_code",
        False,
        "path_refused",
        0,
    )


@pytest.mark.parametrize("path", ESCAPES)
def test_confine_refuses_the_same_paths(path: str) -> None:
    with pytest.raises(PathRefused):
        confine(path)


def test_a_symlink_pointing_outside_is_refused(repo: Path, make_toolbox: ToolboxFactory) -> None:
    (repo / "app" / "link.py").symlink_to(repo.parent / "secret.txt")
    (repo / "out").symlink_to(repo.parent, target_is_directory=True)
    with pytest.raises(PathRefused, match="resolves outside the repository"):
        RepoReader(repo, max_file_bytes=1000).read_text("app/link.py")
    toolbox = make_toolbox()
    for path in ("app/link.py", "out/secret.txt"):
        answer = toolbox.call(
            "read_code", json.dumps({"path": path, "start_line": 1, "end_line": 1})
        )
        assert "resolves outside the repository" in answer
        assert "outside the repository\n" not in answer  # the secret file's text never comes back
    assert [r.violation for r in toolbox.records] == ["path_refused", "path_refused"]


def test_a_symlink_inside_the_repository_is_followed(
    repo: Path, make_toolbox: ToolboxFactory
) -> None:
    (repo / "alias.py").symlink_to(repo / "app" / "views.py")
    toolbox = make_toolbox()
    answer = toolbox.call("read_code", {"path": "alias.py", "start_line": 5, "end_line": 5})
    assert "yaml.load(data)" in answer
    assert toolbox.records[0].ok


def test_a_missing_file_is_a_failure_but_not_a_violation(make_toolbox: ToolboxFactory) -> None:
    toolbox = make_toolbox()
    answer = toolbox.call("read_code", {"path": "app/nope.py", "start_line": 1, "end_line": 2})
    assert answer == "ERROR from read_code: app/nope.py: no such file in the repository"
    assert (toolbox.records[0].ok, toolbox.records[0].violation) == (False, None)


def test_the_listing_skips_git_symlinks_and_big_files(repo: Path) -> None:
    (repo / "app" / "link.py").symlink_to(repo.parent / "secret.txt")
    (repo / "out").symlink_to(repo.parent, target_is_directory=True)
    (repo / "big.bin").write_bytes(b"x" * 2000)
    files = list(RepoReader(repo, max_file_bytes=1500).iter_files())
    assert files == ["app/views.py", "web/index.js"]  # util.py is 3,892 bytes: over the cap too
    everything = list(RepoReader(repo, max_file_bytes=10_000).iter_files())
    assert everything == ["big.bin", "app/util.py", "app/views.py", "web/index.js"]
