"""The repository as the model may see it: lines where a scanner found a secret are withheld.

Secret findings never go to the model (agent/llm/pretriage.py), but the model reads code for
other findings, and a leaked key can sit in the same file. Every read the model's tools make,
and every evidence check, goes through this view, so those lines never reach a prompt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.repo.reader import Lines, RepoReader, slice_lines
from tools.repo.source import RepoSource

# A comment in most languages, so the file around it still parses (for the enclosing function).
WITHHELD_LINE = "# [line withheld: a scanner found a secret here]"


@dataclass(frozen=True)
class SecretSpan:
    path: str
    start_line: int | None
    end_line: int | None
    """None when the scanner gave no lines: the whole file is withheld."""


def spans_by_path(spans: Sequence[SecretSpan]) -> dict[str, tuple[SecretSpan, ...]]:
    grouped: dict[str, list[SecretSpan]] = {}
    for span in spans:
        grouped.setdefault(path_key(span.path), []).append(span)
    return {path: tuple(items) for path, items in grouped.items()}


def withhold(text: str, spans: Sequence[SecretSpan]) -> str:
    """``text`` with every line a span covers replaced by a placeholder."""
    lines = text.splitlines()
    for span in spans:
        if span.start_line is None:
            return WITHHELD_LINE
        end = span.end_line if span.end_line and span.end_line >= span.start_line else None
        for number in range(span.start_line, (end or span.start_line) + 1):
            if 1 <= number <= len(lines):
                lines[number - 1] = WITHHELD_LINE
    return "\n".join(lines)


class WithheldReader(RepoReader):
    """A local checkout with secret lines withheld; still a RepoReader, so every tool works."""

    def __init__(
        self, root: Path, *, max_file_bytes: int, secrets: Mapping[str, Sequence[SecretSpan]]
    ) -> None:
        super().__init__(root, max_file_bytes=max_file_bytes)
        self._secrets = secrets

    def read_text(self, relative: str) -> str:
        text = super().read_text(relative)
        # Keyed by where the file really is, so a symlink to it is withheld the same way.
        real = self.resolve(relative).relative_to(self.root).as_posix()
        spans = self._secrets.get(real) or self._secrets.get(path_key(relative))
        return withhold(text, spans) if spans else text


class WithheldSource:
    """Any other RepoSource (GitHub at a commit) with secret lines withheld."""

    def __init__(self, source: RepoSource, *, secrets: Mapping[str, Sequence[SecretSpan]]) -> None:
        self._source = source
        self._secrets = secrets

    def read_text(self, relative: str) -> str:
        text = self._source.read_text(relative)
        spans = self._secrets.get(path_key(relative))
        return withhold(text, spans) if spans else text

    def read_lines(self, relative: str, start: int, end: int) -> Lines:
        return slice_lines(self.read_text(relative), start, end, name=relative)


def path_key(path: str) -> str:
    """Paths compared the way the readers resolve them: ``/`` separators, no ``./``."""
    parts = [part for part in path.replace("\\", "/").split("/") if part not in ("", ".")]
    return "/".join(parts)
