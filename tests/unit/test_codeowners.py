"""CODEOWNERS semantics, using the examples from GitHub's documentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.repo.codeowners import CodeOwners, load_codeowners, parse
from tools.repo.reader import RepoReader

GITHUB_EXAMPLE = """
# These owners will be the default owners for everything in the repo.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
!negated @nobody
"""


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        ("README.md", ("@global-owner1", "@global-owner2")),
        ("src/app.js", ("@js-owner",)),
        ("cmd/main.go", ("docs@example.com",)),
        ("notes/todo.txt", ("@octo-org/octocats",)),
        ("build/logs/today.log", ("@octocat",)),  # **/logs is later than /build/logs/
        ("docs/getting-started.md", ("@doctocat",)),  # /docs/ is later than docs/*
        ("deep/apps/x.py", ("@octocat",)),
        ("apps/github/x.py", ()),  # a later rule with no owners: nobody owns it
        ("apps/other/x.py", ("@octocat",)),
        ("scripts/deploy.sh", ("@doctocat", "@octocat")),
        ("a/b/logs/x", ("@octocat",)),
    ],
)
def test_last_matching_rule_wins(path: str, owners: tuple[str, ...]) -> None:
    assert CodeOwners("CODEOWNERS", parse(GITHUB_EXAMPLE)).owners_of(path) == owners


def test_dir_star_covers_direct_files_only() -> None:
    owners = CodeOwners("x", parse("docs/* @docs-team"))
    assert owners.owners_of("docs/intro.md") == ("@docs-team",)
    assert owners.owners_of("docs/build-app/troubleshooting.md") == ()


def test_github_dir_wins_over_root_and_docs(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text("* @from-github-dir\n")
    (tmp_path / "CODEOWNERS").write_text("* @from-root\n")
    (tmp_path / "docs" / "CODEOWNERS").write_text("* @from-docs\n")
    reader = RepoReader(tmp_path, max_file_bytes=10_000)
    assert load_codeowners(reader).owners_of("x.py") == ("@from-github-dir",)
    (tmp_path / ".github" / "CODEOWNERS").unlink()
    assert load_codeowners(reader).source == "CODEOWNERS"
    (tmp_path / "CODEOWNERS").unlink()
    assert load_codeowners(reader).owners_of("x.py") == ("@from-docs",)
    (tmp_path / "docs" / "CODEOWNERS").unlink()
    assert load_codeowners(reader).source is None
