"""The code context of one finding: its file's role, language and the flagged lines."""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePosixPath

from pydantic import BaseModel, ConfigDict

from tools.repo.file_role import FileRole, classify
from tools.repo.reader import RepoReader, RepoReadError

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


def build_code_context(
    *,
    path: str | None,
    start_line: int | None,
    end_line: int | None,
    report_snippet: str | None,
    reader: RepoReader | None,
    context_lines: int,
    max_lines: int,
) -> CodeContext:
    """Context for a finding; reads the repository when a reader is given, else uses the report."""
    role = classify(path)
    language = _LANGUAGES.get(PurePosixPath(path).suffix.lower()) if path else None
    note = None
    if reader is not None and path and start_line:
        first = max(1, start_line - context_lines)
        last = min((end_line or start_line) + context_lines, first + max_lines - 1)
        try:
            lines = reader.read_lines(path, first, last)
        except RepoReadError as exc:
            note = str(exc)
        else:
            return CodeContext(
                file_role=role,
                language=language,
                snippet="\n".join(lines.text),
                snippet_start=lines.start,
                snippet_end=lines.end,
                source=SnippetSource.REPOSITORY,
            )
    elif reader is None:
        note = "no repository root was given at ingest"
    if report_snippet:
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
