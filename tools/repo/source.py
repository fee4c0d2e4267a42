"""What code context needs from a repository, wherever the repository lives.

``RepoReader`` reads a local checkout; ``GithubSource`` reads the same files at a commit through
GitHub's REST API. Both take attacker-influenced paths (from scanner reports) and refuse the same
ones, with ``RepoReadError``, before touching the disk or the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Protocol, runtime_checkable

from tools.repo.reader import Lines, PathRefused


class RepoSource(Protocol):
    """Path-confined, size-capped reads of a repository's files."""

    def read_text(self, relative: str) -> str:
        """The whole file as text (undecodable bytes replaced), within the size cap."""
        ...

    def read_lines(self, relative: str, start: int, end: int) -> Lines:
        """Lines ``start..end`` (1-based, inclusive), clamped to the file."""
        ...


@runtime_checkable
class ListableSource(RepoSource, Protocol):
    """A RepoSource that can also list its files (``RepoReader`` can; ``GithubSource`` cannot)."""

    def iter_files(self) -> Iterator[str]:
        """Repository-relative paths of readable files, in a stable order, lazily."""
        ...


def confine(relative: str) -> tuple[str, ...]:
    """The path components of ``relative``; PathRefused for what ``RepoReader.resolve`` refuses.

    Same rules and messages as ``RepoReader.resolve`` (empty, NUL, absolute, drive letter, ``..``;
    backslashes count as separators). ``()`` is the repository root.
    """
    if not relative or "\x00" in relative:
        raise PathRefused(f"refusing path {relative!r}: empty or contains NUL")
    posix = PurePosixPath(relative.replace("\\", "/"))
    if posix.is_absolute() or (posix.parts and posix.parts[0].endswith(":")):
        raise PathRefused(f"refusing path {relative!r}: absolute paths are not allowed")
    if ".." in posix.parts:
        raise PathRefused(f"refusing path {relative!r}: '..' is not allowed")
    return tuple(posix.parts)
