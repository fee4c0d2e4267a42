"""Bounded, deterministic directory walks under the reader's root.

Directory listings never leave the root: a directory reached through a symlink is not entered
(symlinked *files* are listed, and reading them goes through the RepoReader, which refuses any
that resolve outside). Entries are visited breadth first in name order, so the shallowest files
come first and a truncated walk is the same on every run.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from tools.repo.reader import RepoReader, RepoReadError

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        "__pycache__",
        "node_modules",
        "bower_components",
        "site-packages",
        "vendor",
    }
)
MAX_MANIFEST_DEPTH = 4
"""Directories below the root a manifest may sit in (``a/b/c/d/package.json`` is depth 4)."""
MAX_MANIFESTS = 200
MAX_SOURCE_FILES = 5_000
MAX_SOURCE_DEPTH = 32
MAX_SOURCE_BYTES = 200 * 1024 * 1024
"""Source text read by one import scan, in total (each file is also capped by the reader)."""
MAX_ENTRIES = 200_000
"""Directory entries looked at in one walk, whatever they are: a bound on time, not on files."""


@dataclass(frozen=True)
class Listing:
    files: tuple[str, ...]
    """Repository-relative, ``/``-separated."""
    truncated: str | None
    """Why the walk stopped early, or None when it saw everything in bounds."""
    depth_limited: bool = False
    """Some directory was not entered because it is deeper than the walk's max_depth."""


def list_dir(reader: RepoReader, directory: str) -> tuple[list[str], list[str]]:
    """(files, subdirectories) directly in ``directory`` ("" is the root), sorted by name.

    Symlinks to directories are left out; symlinks to files are listed as files.
    """
    if directory:
        try:
            real = reader.resolve(directory)
        except RepoReadError:
            return [], []
        if real != reader.root.joinpath(*directory.split("/")):
            return [], []  # reached through a symlink: not entered
    else:
        real = reader.root
    files: list[str] = []
    dirs: list[str] = []
    try:
        with os.scandir(real) as entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        dirs.append(entry.name)
                    elif entry.is_file(follow_symlinks=False) or entry.is_symlink():
                        files.append(entry.name)
                except OSError:
                    continue
    except OSError:
        return [], []
    return sorted(files), sorted(dirs)


def walk(
    reader: RepoReader,
    accept: Callable[[str], bool],
    *,
    max_files: int,
    max_depth: int,
    start: str = "",
) -> Listing:
    """Files under ``start`` that ``accept`` takes, breadth first, within the bounds."""
    found: list[str] = []
    seen_entries = 0
    depth_limited = False
    queue: deque[tuple[str, int]] = deque([(start, 0)])
    while queue:
        directory, depth = queue.popleft()
        files, dirs = list_dir(reader, directory)
        seen_entries += len(files) + len(dirs)
        if seen_entries > MAX_ENTRIES:
            return Listing(tuple(found), f"stopped after {MAX_ENTRIES} directory entries", True)
        for name in files:
            path = posixpath.join(directory, name) if directory else name
            if accept(path):
                if len(found) >= max_files:
                    return Listing(tuple(found), f"stopped at {max_files} files", True)
                found.append(path)
        for name in dirs:
            if name in SKIP_DIRS:
                continue
            if depth + 1 > max_depth:
                depth_limited = True
                continue
            queue.append((posixpath.join(directory, name) if directory else name, depth + 1))
    return Listing(tuple(found), None, depth_limited)


def expand_workspaces(
    reader: RepoReader, base: str, patterns: tuple[str, ...], *, limit: int
) -> tuple[list[str], bool]:
    """Directories under ``base`` that npm ``workspaces`` patterns name, and whether all were.

    Supports literal paths and ``*`` / ``?`` / ``[...]`` per segment, and ``**`` for any depth
    up to MAX_MANIFEST_DEPTH. Negations (``!pattern``) and patterns leaving ``base`` are ignored.
    """
    found: list[str] = []
    complete = True
    for pattern in patterns[:50]:
        cleaned = posixpath.normpath(pattern.strip().strip("/"))
        if cleaned.startswith("!") or cleaned == ".":
            continue  # a negation (only narrows) or the base itself (already read)
        if cleaned.startswith(("/", "..")):
            complete = False
            continue
        frontier = [base]
        for segment in cleaned.split("/"):
            nxt: list[str] = []
            for directory in frontier:
                if segment == "**":
                    nxt.extend(_all_below(reader, directory))
                    continue
                _, dirs = list_dir(reader, directory)
                for name in dirs:
                    if name not in SKIP_DIRS and fnmatch.fnmatchcase(name, segment):
                        nxt.append(posixpath.join(directory, name) if directory else name)
            if len(nxt) > limit * 4:
                complete = False
            frontier = nxt[: limit * 4]
        for directory in frontier:
            if directory not in found:
                found.append(directory)
            if len(found) >= limit:
                return found, False
    return found, complete


def _all_below(reader: RepoReader, directory: str) -> list[str]:
    out = [directory]
    queue = deque([(directory, 0)])
    while queue and len(out) < 1_000:
        current, depth = queue.popleft()
        if depth >= MAX_MANIFEST_DEPTH:
            continue
        for name in list_dir(reader, current)[1]:
            if name not in SKIP_DIRS:
                child = posixpath.join(current, name) if current else name
                out.append(child)
                queue.append((child, depth + 1))
    return out
