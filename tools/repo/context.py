"""The code context of one finding: its file's role, language and the flagged lines."""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePosixPath

from pydantic import BaseModel, ConfigDict

from tools.repo.blame import last_change
from tools.repo.codeowners import load_codeowners
from tools.repo.dependencies import DependencyContext
from tools.repo.enclosing import enclosing_scope
from tools.repo.file_role import FileRole, classify
from tools.repo.model_loads import ModelLoadContext
from tools.repo.reader import RepoReader, RepoReadError, slice_lines
from tools.repo.source import RepoSource

_LANGUAGES = {
    ".py": "python",
    ".js": "javascript",
    ".ts": "typescript",
    ".java": "java",
    ".go": "go",
    ".rb": "ruby",
    ".php": "php",
    ".cs": "csharp",
    ".c": "c",
    ".cpp": "cpp",
    ".rs": "rust",
    ".kt": "kotlin",
    ".tf": "terraform",
    ".yaml": "yaml",
    ".yml": "yaml",
}


class SnippetSource(StrEnum):
    REPOSITORY = "repository"
    REPORT = "report"
    NONE = "none"


class CodeContext(BaseModel):
    """JSON-native, so it can live in workflow state and checkpoints."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file_role: FileRole
    language: str | None
    snippet: str | None
    snippet_start: int | None
    snippet_end: int | None
    source: SnippetSource
    note: str | None = None
    """Why the repository could not supply the snippet, when it could not."""
    enclosing: str | None = None
    """The function or class around the finding (Python: ast; others: a heuristic)."""
    owners: tuple[str, ...] = ()
    """From CODEOWNERS, GitHub semantics."""
    owners_source: str | None = None
    last_change_commit: str | None = None
    last_change_author: str | None = None
    last_change_date: str | None = None
    last_change_summary: str | None = None
    """A commit message: untrusted text."""
    dependency: DependencyContext | None = None
    """For a vulnerable dependency: where it is declared, direct or not, scope, whether imported."""
    model_load: ModelLoadContext | None = None
    """For an unsafe model file: whether and where the repository's code loads it."""
    read_from: str | None = None
    """Where the code was read: ``local:PATH`` or ``github:OWNER/REPO@SHA`` (tools.repo.location)"""


_WITHHELD = "the code is withheld: the flagged lines hold a secret"
_NO_ROOT = "no repository root was given at ingest"
NO_BLAME = (
    "last change unknown: git blame needs a local checkout (--repo-root), and this code was read "
    "over the GitHub API"
)


def build_code_context(
    *,
    path: str | None,
    start_line: int | None,
    end_line: int | None,
    report_snippet: str | None,
    reader: RepoSource | None,
    context_lines: int,
    max_lines: int,
    holds_secret: bool = False,
    no_reader: str = _NO_ROOT,
    read_from: str | None = None,
) -> CodeContext:
    """Context for a finding; reads the repository when a reader is given, else uses the report.

    ``reader``: a local checkout (``RepoReader``) or a repository read over an API
    (``GithubSource``). Owners come from either; the last change needs git, so only a local
    checkout has one. ``no_reader``: why there is no reader, for the note. ``read_from``: the
    reader's location descriptor, recorded in the context.

    ``holds_secret``: the finding is a leaked credential, so its lines are the secret. The scope,
    owners and last change are still read; the code is not, so it never reaches a card or ticket.
    """
    role = classify(path)
    language = _LANGUAGES.get(PurePosixPath(path).suffix.lower()) if path else None
    note = None
    if reader is not None and path and start_line:
        first = max(1, start_line - context_lines)
        last = min((end_line or start_line) + context_lines, first + max_lines - 1)
        try:
            source = reader.read_text(path)
            lines = slice_lines(source, first, last, name=path)
        except RepoReadError as exc:
            note = str(exc)
        else:
            owners = load_codeowners(reader)
            change = None
            notes = [_WITHHELD] if holds_secret else []
            if isinstance(reader, RepoReader):
                end = min(end_line or start_line, lines.total)
                change = last_change(reader, path, start_line, end)
            else:
                notes.append(NO_BLAME)
            return CodeContext(
                file_role=role,
                language=language,
                snippet=None if holds_secret else "\n".join(lines.text),
                snippet_start=None if holds_secret else lines.start,
                snippet_end=None if holds_secret else lines.end,
                source=SnippetSource.NONE if holds_secret else SnippetSource.REPOSITORY,
                note="; ".join(notes) or None,
                enclosing=enclosing_scope(source, start_line, language),
                owners=owners.owners_of(path),
                owners_source=owners.source,
                last_change_commit=change.commit if change else None,
                last_change_author=change.author if change else None,
                last_change_date=change.date if change else None,
                last_change_summary=change.summary if change else None,
                read_from=read_from,
            )
    elif reader is None:
        note = no_reader
    if holds_secret:
        note = _WITHHELD
    elif report_snippet:
        return CodeContext(
            file_role=role,
            language=language,
            snippet=report_snippet,
            snippet_start=start_line,
            snippet_end=end_line,
            source=SnippetSource.REPORT,
            note=note,
        )
    return CodeContext(
        file_role=role,
        language=language,
        snippet=None,
        snippet_start=None,
        snippet_end=None,
        source=SnippetSource.NONE,
        note=note,
    )
