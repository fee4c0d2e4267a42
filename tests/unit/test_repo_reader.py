import os
from pathlib import Path

import pytest

from tools.repo.reader import RepoReader, RepoReadError


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "main.py").write_text("".join(f"line {i}\n" for i in range(1, 21)))
    (tmp_path / "secret.txt").write_text("outside\n")
    return root


def test_reads_a_line_range_clamped_to_the_file(repo: Path) -> None:
    lines = RepoReader(repo, max_file_bytes=10_000).read_lines("app/main.py", 18, 30)
    assert (lines.start, lines.end, lines.total) == (18, 20, 20)
    assert lines.text == ("line 18", "line 19", "line 20")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../secret.txt", "'..'"),
        ("app/../../secret.txt", "'..'"),
        ("/etc/passwd", "absolute"),
        ("C:/Windows/win.ini", "absolute"),
        ("", "empty"),
        ("app/\x00.py", "NUL"),
        ("app/missing.py", "no such file"),
    ],
)
def test_refuses_paths_that_leave_the_repository(repo: Path, path: str, reason: str) -> None:
    with pytest.raises(RepoReadError, match=reason):
        RepoReader(repo, max_file_bytes=10_000).read_text(path)


def test_refuses_a_symlink_that_points_outside(repo: Path) -> None:
    (repo / "app" / "link.py").symlink_to(repo.parent / "secret.txt")
    with pytest.raises(RepoReadError, match="outside the repository"):
        RepoReader(repo, max_file_bytes=10_000).read_text("app/link.py")


def test_follows_a_symlink_that_stays_inside(repo: Path) -> None:
    (repo / "alias.py").symlink_to(repo / "app" / "main.py")
    assert RepoReader(repo, max_file_bytes=10_000).read_text("alias.py").startswith("line 1")


def test_refuses_files_over_the_size_cap_and_non_regular_files(repo: Path) -> None:
    reader = RepoReader(repo, max_file_bytes=50)
    with pytest.raises(RepoReadError, match="over the read limit"):
        reader.read_text("app/main.py")
    with pytest.raises(RepoReadError, match="not a regular file"):
        reader.read_text("app")
    os.mkfifo(repo / "pipe")
    with pytest.raises(RepoReadError, match="not a regular file"):
        reader.read_text("pipe")
