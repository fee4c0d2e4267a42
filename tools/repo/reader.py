"""Path-confined, size-capped reads from a repository checkout.

Paths come from scanner reports, which are attacker-influenced: a report can name ``../../etc``,
an absolute path, or a symlink planted in the repository that points outside it. Every read
resolves the path and refuses anything that is not a regular file inside the root.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tools.errors import ToolError


class RepoReadError(ToolError):
    """A repository read was refused or failed; the message says which path and why."""


class PathRefused(RepoReadError):
    """The path itself is not allowed: empty, NUL, absolute, ``..``, or it resolves outside.

    A subclass so callers can tell an escape attempt from a file that is merely missing or big.
    """


VCS_DIRS = frozenset({".git", ".hg", ".svn"})
"""Version-control metadata: never listed (``iter_files``)."""


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
            raise PathRefused(f"refusing path {relative!r}: empty or contains NUL")
        posix = PurePosixPath(relative.replace("\\", "/"))
        if posix.is_absolute() or (posix.parts and posix.parts[0].endswith(":")):
            raise PathRefused(f"refusing path {relative!r}: absolute paths are not allowed")
        if ".." in posix.parts:
            raise PathRefused(f"refusing path {relative!r}: '..' is not allowed")
        candidate = self.root.joinpath(*posix.parts)
        try:
            real = candidate.resolve(strict=True)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise RepoReadError(f"{relative}: no such file in the repository") from exc
        except (OSError, RuntimeError) as exc:  # RuntimeError: symlink loop
            raise RepoReadError(f"{relative}: cannot resolve ({exc})") from exc
        if not real.is_relative_to(self.root):
            raise PathRefused(f"refusing path {relative!r}: it resolves outside the repository")
        return real

    def iter_files(self) -> Iterator[str]:
        """Repository-relative paths of the regular files a read would accept, in a stable order.

        Depth first, names sorted. Skips version-control metadata (VCS_DIRS), symlinks (to files
        or directories: a listing never leaves the root, and a link's target is listed where it
        really is) and files over the size cap. The caller bounds how many it takes.
        """
        pending: list[str] = [""]
        while pending:
            directory = pending.pop()
            try:
                with os.scandir(self.root.joinpath(*directory.split("/"))) as scan:
                    entries = sorted(scan, key=lambda entry: entry.name)
            except OSError:
                continue
            subdirectories: list[str] = []
            for entry in entries:
                path = f"{directory}/{entry.name}" if directory else entry.name
                try:
                    if entry.is_symlink():
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name not in VCS_DIRS:
                            subdirectories.append(path)
                    elif (
                        entry.is_file(follow_symlinks=False)
                        and entry.stat(follow_symlinks=False).st_size <= self.max_file_bytes
                    ):
                        yield path
                except OSError:
                    continue
            pending.extend(reversed(subdirectories))

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
