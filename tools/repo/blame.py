"""The last change to a range of lines, from ``git blame`` on a local checkout.

Runs git with an argument list (never a shell), a timeout, and ``--`` before the path; the path is
first confined to the repository by the RepoReader. The commit summary is someone's text: it is
carried as untrusted data like every other repository string.
"""

from __future__ import annotations

import shutil

# Runs one fixed git command with an argument list and a confined path (see last_change).
import subprocess  # nosec B404
from dataclasses import dataclass
from datetime import UTC, datetime

from tools.repo.reader import RepoReader, RepoReadError


@dataclass(frozen=True)
class LastChange:
    commit: str
    author: str
    date: str
    """ISO 8601, UTC."""
    summary: str


def last_change(reader: RepoReader, path: str, start: int, end: int) -> LastChange | None:
    """The most recent commit touching lines ``start..end``, or None outside a git checkout."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        real = reader.resolve(path)
    except RepoReadError:
        return None
    try:
        # The scanned checkout is untrusted, and so is its .git/config: switch off every hook git
        # could run from it (fsmonitor, textconv) and ignore the user's and system's config.
        result = subprocess.run(  # noqa: S603  # nosec B603
            [
                git,
                "-c",
                "core.fsmonitor=false",
                "-C",
                str(reader.root),
                "blame",
                "--no-textconv",
                "--porcelain",
                "-L",
                f"{start},{end}",
                "--",
                str(real.relative_to(reader.root)),
            ],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env={
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": "/dev/null",
                "HOME": "/nonexistent",
                "LC_ALL": "C",
            },
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return _newest(result.stdout)


def _newest(porcelain: str) -> LastChange | None:
    commits: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in porcelain.splitlines():
        head = line.split(" ", 1)
        if len(head[0]) == 40 and all(c in "0123456789abcdef" for c in head[0]):
            current = commits.setdefault(head[0], {"commit": head[0]})
        elif (
            current is not None
            and len(head) == 2
            and head[0] in ("author", "author-time", "summary")
        ):
            current[head[0]] = head[1]
    dated = [c for c in commits.values() if c.get("author-time", "").isdigit()]
    if not dated:
        return None
    newest = max(dated, key=lambda c: int(c["author-time"]))
    when = datetime.fromtimestamp(int(newest["author-time"]), tz=UTC)
    return LastChange(
        commit=newest["commit"],
        author=newest.get("author", "")[:200],
        date=when.isoformat(),
        summary=newest.get("summary", "")[:300],
    )
