"""Where a finding's code can be read: a local checkout, or a GitHub repository at one commit.

Stored on each finding as a short descriptor (``FindingRow.repo_source``), set at ingest:

- ``local:/abs/path/to/checkout`` for ``ingest --repo-root``: read with ``RepoReader``;
- ``github:OWNER/REPO@SHA`` for ``ingest --github``: read with ``GithubSource`` at that commit
  (a code-scanning alert's ``most_recent_instance.commit_sha``, else the default branch's head
  commit when the alerts were fetched). Always a full commit sha, never a branch name, so the
  code read later is the code that was scanned even if the branch has moved since.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_COMMIT = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
MAX_DESCRIPTOR = 4100
"""Room for a local path of 4000 characters (``repo_root``'s limit) and the prefix."""


@dataclass(frozen=True)
class LocalCheckout:
    root: str
    """An absolute path."""

    @property
    def descriptor(self) -> str:
        return f"local:{self.root}"


@dataclass(frozen=True)
class GithubCommit:
    repository: str
    """``OWNER/REPO``."""
    commit: str
    """A full commit sha (lower-case hex)."""

    @property
    def descriptor(self) -> str:
        return f"github:{self.repository}@{self.commit}"


RepoLocation = LocalCheckout | GithubCommit


def local_checkout(root: str) -> LocalCheckout:
    if not root.startswith("/") or "\x00" in root or len(root) > MAX_DESCRIPTOR - 6:
        raise ValueError(f"not an absolute path of a checkout: {root[:200]!r}")
    return LocalCheckout(root)


def github_commit(repository: str, commit: str) -> GithubCommit:
    if not _REPOSITORY.match(repository):
        raise ValueError(f"not a GitHub OWNER/REPO: {repository[:200]!r}")
    if not is_commit_sha(commit):
        raise ValueError(f"not a full commit sha: {commit[:100]!r}")
    return GithubCommit(repository, commit)


def is_commit_sha(value: object) -> bool:
    return isinstance(value, str) and bool(_COMMIT.match(value))


def parse_location(descriptor: str) -> RepoLocation:
    """The location a stored descriptor names; ValueError for anything else."""
    kind, sep, rest = descriptor.partition(":")
    if sep and kind == "local":
        return local_checkout(rest)
    if sep and kind == "github":
        repository, at, commit = rest.rpartition("@")
        if at:
            return github_commit(repository, commit)
    raise ValueError(f"not a repository location: {descriptor[:200]!r}")
