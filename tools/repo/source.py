"""What code context needs from a repository, wherever the repository lives.

``RepoReader`` reads a local checkout; ``GithubSource`` reads the same files at a commit through
GitHub's REST API. Both take attacker-influenced paths (from scanner reports) and refuse the same
ones, with ``RepoReadError``, before touching the disk or the network.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Protocol

from tools.repo.reader import Lines, RepoReadError


class RepoSource(Protocol):
    """Path-confined, size-capped reads of a repository's files."""

    def read_text(self, relative: str) -> str:
        """The whole file as text (undecodable bytes replaced), within the size cap."""
        ...

    def read_lines(self, relative: str, start: int, end: int) -> Lines:
        """Lines ``start..end`` (1-based, inclusive), clamped to the file."""
        ...


def confine(relative: str) -> tuple[str, ...]:
    """The path components of ``relative``; RepoReadError for what ``RepoReader.resolve`` refuses.

    Same rules and messages as ``RepoReader.resolve`` (empty, NUL, absolute, drive letter, ``..``;
    backslashes count as separators). ``()`` is the repository root.
    """
    if not relative or "\x00" in relative:
        raise RepoReadError(f"refusing path {relative!r}: empty or contains NUL")
    posix = PurePosixPath(relative.replace("\\", "/"))
    if posix.is_absolute() or (posix.parts and posix.parts[0].endswith(":")):
        raise RepoReadError(f"refusing path {relative!r}: absolute paths are not allowed")
    if ".." in posix.parts:
        raise RepoReadError(f"refusing path {relative!r}: '..' is not allowed")
    return tuple(posix.parts)
