"""A leaked secret's code never enters the context that cards, tickets and models see."""

from __future__ import annotations

from pathlib import Path

from tools.repo.context import CodeContext, SnippetSource, build_code_context
from tools.repo.reader import RepoReader

SECRET = "AKIAIOSFODNN7EXAMPLE-canary-0451"


def _context(tmp_path: Path, *, holds_secret: bool, reader: bool = True) -> CodeContext:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.py").write_text(
        f'def connect():\n    key = "{SECRET}"\n    return key\n', encoding="utf-8"
    )
    return build_code_context(
        path="app/settings.py",
        start_line=2,
        end_line=2,
        report_snippet=f'key = "{SECRET}"',
        reader=RepoReader(tmp_path, max_file_bytes=10_000) if reader else None,
        context_lines=3,
        max_lines=40,
        holds_secret=holds_secret,
    )


def test_a_secret_findings_lines_are_withheld_but_its_scope_is_read(tmp_path: Path) -> None:
    context = _context(tmp_path, holds_secret=True)
    dumped = context.model_dump_json()
    assert SECRET not in dumped
    assert context.snippet is None
    assert context.source is SnippetSource.NONE
    assert "withheld" in (context.note or "")
    assert context.enclosing == "connect"


def test_without_a_repository_the_reports_line_is_withheld_too(tmp_path: Path) -> None:
    context = _context(tmp_path, holds_secret=True, reader=False)
    assert SECRET not in context.model_dump_json()


def test_other_findings_keep_their_code(tmp_path: Path) -> None:
    context = _context(tmp_path, holds_secret=False)
    assert SECRET in (context.snippet or "")
