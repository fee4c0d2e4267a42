"""Path-confined, size-capped reads from a repository checkout.

Paths come from scanner reports, which are attacker-influenced: a report can name ``../../etc``,
an absolute path, or a symlink planted in the repository that points outside it. Every read
resolves the path and refuses anything that is not a regular file inside the root.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tools.errors import ToolError


class RepoReadError(ToolError):
    """A repository read was refused or failed; the message says which path and why."""


@dataclass(frozen=True)
class Lines:
    """A range of a file's lines (1-based, inclusive) and the file's total line count."""

    start: int
    end: int
    text: tuple[str, ...]
    total: int


class RepoReader:
    """Reads files under ``root`` only, at most ``max_file_bytes`` per file."""

    def __init__(self, root: Path, *, max_file_bytes: int) -> None:
        self.root = root.resolve(strict=True)
        self.max_file_bytes = max_file_bytes

    def resolve(self, relative: str) -> Path:
        """The real path of ``relative`` inside the root; RepoReadError if it escapes."""
        if not relative or "\x00" in relative:
            raise RepoReadError(f"refusing path {relative!r}: empty or contains NUL")
        posix = PurePosixPath(relative.replace("\\", "/"))
        if posix.is_absolute() or (posix.parts and posix.parts[0].endswith(":")):
            raise RepoReadError(f"refusing path {relative!r}: absolute paths are not allowed")
        if ".." in posix.parts:
            raise RepoReadError(f"refusing path {relative!r}: '..' is not allowed")
        candidate = self.root.joinpath(*posix.parts)
        try:
            real = candidate.resolve(strict=True)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise RepoReadError(f"{relative}: no such file in the repository") from exc
        except (OSError, RuntimeError) as exc:  # RuntimeError: symlink loop
            raise RepoReadError(f"{relative}: cannot resolve ({exc})") from exc
        if not real.is_relative_to(self.root):
            raise RepoReadError(f"refusing path {relative!r}: it resolves outside the repository")
        return real

    def read_text(self, relative: str) -> str:
        """The whole file as text (undecodable bytes replaced), within the size cap."""
        real = self.resolve(relative)
        info = real.stat()
        if not stat.S_ISREG(info.st_mode):
            raise RepoReadError(f"refusing {relative!r}: not a regular file")
        if info.st_size > self.max_file_bytes:
            raise RepoReadError(
                f"{relative}: {info.st_size} bytes is over the read limit of {self.max_file_bytes}"
            )
        with real.open("rb") as handle:
            data = handle.read(self.max_file_bytes + 1)
        if len(data) > self.max_file_bytes:
            raise RepoReadError(f"{relative}: grew past the read limit while reading")
        return data.decode("utf-8", errors="replace")

    def read_lines(self, relative: str, start: int, end: int) -> Lines:
        """Lines ``start..end`` (1-based, inclusive), clamped to the file."""
        return slice_lines(self.read_text(relative), start, end, name=relative)


def slice_lines(text: str, start: int, end: int, *, name: str) -> Lines:
    """Lines ``start..end`` (1-based, inclusive) of ``text``, clamped to its end."""
    if start < 1 or end < start:
        raise RepoReadError(f"{name}: invalid line range {start}-{end}")
    all_lines = text.splitlines()
    total = len(all_lines)
    if start > total:
        raise RepoReadError(f"{name}: line {start} is past the end ({total} lines)")
    last = min(end, total)
    return Lines(start=start, end=last, text=tuple(all_lines[start - 1 : last]), total=total)
