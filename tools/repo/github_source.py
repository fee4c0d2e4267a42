"""Path-confined, size-capped reads of a GitHub repository at one commit, over the REST API.

The same contract as ``RepoReader``, for when there is no checkout: paths come from scanner
reports and are attacker-influenced, so each one is checked (``confine``) before any request.

How a read goes:

1. The ref (branch, tag or sha) is pinned once to a commit (``GET /repos/{o}/{r}/commits/{ref}``),
   so every file of one run comes from the same commit even if the branch moves.
2. The commit's tree is listed once (``GET .../git/trees/{tree}?recursive=1``; if GitHub truncates
   it, one directory at a time instead). Its entries give each path's kind and size, so
   directories, submodules and files over the cap are refused without downloading anything.
3. Symlinks are followed like a checkout would (component by component, their targets read with
   ``GET .../git/blobs/{sha}``); a target that is absolute or climbs out of the repository is
   refused, wherever in the path the link sits.
4. The file itself comes from the contents API (``GET .../contents/{path}?ref={commit}``); its
   ``size`` is checked again before the base64 is decoded.

Contents are cached per (ref, path) for the life of the instance.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from github import Auth, Github, GithubException
from github.GitTreeElement import GitTreeElement
from github.Repository import Repository
from urllib3.util.retry import Retry

from tools.repo.reader import Lines, PathRefused, RepoReadError, slice_lines
from tools.repo.source import confine

T = TypeVar("T")

_SYMLINK = "120000"
_MAX_SYMLINK_HOPS = 40
_MAX_SYMLINK_TARGET = 4096
_CONTENTS_API_LIMIT = 1024 * 1024
"""The contents API's JSON answer carries files up to 1 MB."""


def _default_retry() -> Retry:
    """Retry GETs on connection errors and 5xx, briefly; never on 403/429, never wait for a reset.

    PyGithub's own default (GithubRetry) sleeps until a rate limit resets, which can be an hour;
    a triage run would rather report it. With ``raise_on_status=False`` the last 5xx answer
    surfaces as a GithubException instead of a bare urllib3 error.
    """
    return Retry(
        total=2,
        backoff_factor=0.5,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=False,
        raise_on_status=False,
    )


@dataclass(frozen=True)
class _Entry:
    path: str
    mode: str
    kind: str
    """``blob``, ``tree`` or ``commit`` (a submodule)."""
    sha: str
    size: int | None


@dataclass
class _Commit:
    ref: str
    sha: str
    tree: str
    index: dict[str, _Entry] | None
    """Every path of the recursive tree, or None when GitHub truncated it."""


class GithubSource:
    """Reads files of ``repository`` (``owner/name``) at ``ref``, ``max_file_bytes`` at most."""

    def __init__(
        self,
        repository: str,
        ref: str,
        *,
        token: str | Auth.Auth,
        max_file_bytes: int,
        base_url: str = "https://api.github.com",
        timeout: int = 15,
        retry: int | Retry | None = None,
        seconds_between_requests: float | None = 0.25,
    ) -> None:
        """``token`` is passed in, never read from the environment (a string, or a PyGithub
        ``Auth`` such as tools.github.credentials.RepositoryAuth). ``retry``: None for a short
        default (:func:`_default_retry`), 0 for none, or a urllib3 ``Retry``."""
        owner, _, name = repository.partition("/")
        if not owner or not name or "/" in name:
            raise ValueError(f"repository must be 'owner/name', got {repository!r}")
        if not ref:
            raise ValueError("ref must name a branch, tag or commit")
        self.repository = repository
        self.ref = ref
        self.max_file_bytes = max_file_bytes
        self.base_url = base_url
        self._github = Github(
            base_url=base_url,
            auth=Auth.Token(token) if isinstance(token, str) else token,
            timeout=timeout,
            retry=_default_retry() if retry is None else retry,
            seconds_between_requests=seconds_between_requests,
            lazy=True,
        )
        self._repo: Repository = self._github.get_repo(repository)  # lazy: no request
        self._commits: dict[str, _Commit] = {}
        self._children: dict[str, dict[str, _Entry]] = {}
        self._link_targets: dict[str, str] = {}
        self._texts: dict[tuple[str, str], str] = {}

    def close(self) -> None:
        self._github.close()

    def __enter__(self) -> GithubSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- RepoSource ----------------------------------------------------------------------------

    def read_text(self, relative: str, *, ref: str | None = None) -> str:
        """The whole file at ``ref`` (default: the instance's) as text, within the size cap."""
        parts = confine(relative)
        ref = ref or self.ref
        key = (ref, "/".join(parts))
        if key not in self._texts:
            self._texts[key] = self._read(relative, parts, self._pin(ref))
        return self._texts[key]

    def read_lines(self, relative: str, start: int, end: int) -> Lines:
        """Lines ``start..end`` (1-based, inclusive), clamped to the file."""
        return slice_lines(self.read_text(relative), start, end, name=relative)

    # --- one file ------------------------------------------------------------------------------

    def _read(self, relative: str, parts: tuple[str, ...], commit: _Commit) -> str:
        entry = self._resolve(relative, parts, commit)
        if entry.kind == "tree":
            raise RepoReadError(f"refusing {relative!r}: it is a directory, not a file")
        if entry.kind == "commit":
            raise RepoReadError(
                f"refusing {relative!r}: it is a submodule (another repository), not a file"
            )
        if entry.kind != "blob":
            raise RepoReadError(f"refusing {relative!r}: not a regular file ({entry.kind})")
        self._check_size(relative, entry.size)
        if entry.size is not None and entry.size > _CONTENTS_API_LIMIT:
            raise RepoReadError(
                f"{relative}: {entry.size} bytes; the GitHub contents API serves files up to 1 MB"
            )
        content = self._call(
            lambda: self._repo.get_contents(entry.path, ref=commit.sha),
            {404: f"{relative}: no such file at {commit.ref}"},
        )
        if isinstance(content, list):
            raise RepoReadError(f"refusing {relative!r}: it is a directory, not a file")
        if content.type == "symlink":
            target = content.target
            where = "outside" if _escapes(entry.path, target) else "inside"
            raise RepoReadError(
                f"refusing path {relative!r}: GitHub answered with a symlink to {target!r}"
                f" ({where} the repository) where the tree has a file"
            )
        if content.type != "file":
            raise RepoReadError(f"refusing {relative!r}: GitHub says it is a {content.type}")
        self._check_size(relative, content.size)
        if content.encoding != "base64":
            raise RepoReadError(
                f"{relative}: GitHub sent no content (encoding {content.encoding!r});"
                " files over 1 MB cannot be read through the contents API"
            )
        try:
            data = base64.b64decode("".join(content.content.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise RepoReadError(f"{relative}: GitHub sent undecodable content ({exc})") from exc
        if len(data) > self.max_file_bytes:
            raise RepoReadError(f"{relative}: grew past the read limit while reading")
        return data.decode("utf-8", errors="replace")

    def _check_size(self, relative: str, size: int | None) -> None:
        if size is None:
            raise RepoReadError(f"{relative}: GitHub did not say how big it is; not reading it")
        if size > self.max_file_bytes:
            raise RepoReadError(
                f"{relative}: {size} bytes is over the read limit of {self.max_file_bytes}"
            )

    def _resolve(self, relative: str, parts: tuple[str, ...], commit: _Commit) -> _Entry:
        """The entry ``parts`` names once symlinks are followed, as a checkout resolves a path."""
        if not parts:
            raise RepoReadError(f"refusing {relative!r}: it is the repository root, not a file")
        done: list[str] = []
        pending = list(parts)
        hops = 0
        while pending:
            name = pending.pop(0)
            if name in ("", "."):
                continue
            if name == "..":  # only a symlink target can bring one here
                if not done:
                    raise PathRefused(
                        f"refusing path {relative!r}: it resolves outside the repository"
                    )
                done.pop()
                continue
            entry = self._entry(commit, (*done, name))
            if entry is None:
                raise RepoReadError(f"{relative}: no such file at {commit.ref}")
            if entry.mode == _SYMLINK:
                hops += 1
                if hops > _MAX_SYMLINK_HOPS:
                    raise RepoReadError(f"{relative}: cannot resolve (too many levels of symlinks)")
                target = self._link_target(relative, entry)
                if _is_absolute(target):
                    raise PathRefused(
                        f"refusing path {relative!r}: it resolves outside the repository"
                        f" (symlink {entry.path} -> {target})"
                    )
                pending = target.replace("\\", "/").split("/") + pending
                continue
            if pending and entry.kind != "tree":
                raise RepoReadError(f"{relative}: no such file at {commit.ref}")
            done.append(name)
        if not done:
            raise RepoReadError(f"refusing {relative!r}: it is the repository root, not a file")
        entry = self._entry(commit, tuple(done))
        if entry is None:  # pragma: no cover - every component was just looked up
            raise RepoReadError(f"{relative}: no such file at {commit.ref}")
        return entry

    def _link_target(self, relative: str, entry: _Entry) -> str:
        if entry.sha not in self._link_targets:
            if entry.size is not None and entry.size > _MAX_SYMLINK_TARGET:
                raise RepoReadError(f"refusing {relative!r}: symlink {entry.path} is too long")
            blob = self._call(
                lambda: self._repo.get_git_blob(entry.sha),
                {404: f"{relative}: symlink {entry.path} has no target at {entry.sha}"},
            )
            try:
                raw = base64.b64decode("".join(blob.content.split()), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise RepoReadError(f"{relative}: undecodable symlink target ({exc})") from exc
            target = raw.decode("utf-8", errors="replace")
            if not target or "\x00" in target:
                raise RepoReadError(f"refusing {relative!r}: symlink {entry.path} has a bad target")
            self._link_targets[entry.sha] = target
        return self._link_targets[entry.sha]

    # --- commits and trees ---------------------------------------------------------------------

    def _pin(self, ref: str) -> _Commit:
        if ref not in self._commits:
            commit = self._call(
                lambda: self._repo.get_commit(ref).raw_data,
                {
                    404: f"repository {self.repository} not found, or the token cannot read it",
                    422: f"no commit {ref!r} in {self.repository}: no such branch, tag or sha",
                },
            )
            # raw_data: a lazy Commit's ``.sha`` is the ref it was asked for, not the commit's.
            sha, tree = str(commit["sha"]), str(commit["commit"]["tree"]["sha"])
            listing = self._call(
                lambda: self._repo.get_git_tree(tree, recursive=True),
                {404: f"the tree of {ref} ({sha}) is missing in {self.repository}"},
            )
            index = None
            if not listing.truncated:
                index = {e.path: _from_element(e.path, e) for e in listing.tree}
            self._commits[ref] = _Commit(ref, sha, tree, index)
        return self._commits[ref]

    def _entry(self, commit: _Commit, parts: tuple[str, ...]) -> _Entry | None:
        """The tree entry at ``parts`` (no symlink following)."""
        path = "/".join(parts)
        if commit.index is not None:
            return commit.index.get(path)
        # GitHub truncated the recursive listing: walk one directory at a time instead.
        tree = commit.tree
        entry: _Entry | None = None
        for depth, name in enumerate(parts):
            entry = self._directory(commit, tree).get(name)
            if entry is None:
                return None
            if depth < len(parts) - 1:
                if entry.kind != "tree":
                    return None
                tree = entry.sha
        return (
            None if entry is None else _Entry(path, entry.mode, entry.kind, entry.sha, entry.size)
        )

    def _directory(self, commit: _Commit, tree: str) -> dict[str, _Entry]:
        if tree not in self._children:
            listing = self._call(
                lambda: self._repo.get_git_tree(tree),
                {404: f"a directory of {commit.ref} ({tree}) is missing in {self.repository}"},
            )
            if listing.truncated:
                raise RepoReadError(
                    f"GitHub truncated a single directory listing of {commit.ref} in"
                    f" {self.repository}; it is too big to search"
                )
            self._children[tree] = {e.path: _from_element(e.path, e) for e in listing.tree}
        return self._children[tree]

    # --- errors --------------------------------------------------------------------------------

    def _call(self, request: Callable[[], T], missing: Mapping[int, str]) -> T:
        """``request()``, with GitHub's failures turned into RepoReadError messages.

        ``missing``: what a 404 (or 422) answer means for this request.
        """
        try:
            return request()
        except GithubException as exc:
            raise RepoReadError(self._explain(exc, missing)) from exc
        except OSError as exc:  # requests' ConnectionError, Timeout, RetryError
            raise RepoReadError(f"cannot reach GitHub at {self.base_url}: {exc}") from exc

    def _explain(self, exc: GithubException, missing: Mapping[int, str]) -> str:
        message = exc.data.get("message") if isinstance(exc.data, dict) else None
        headers = {str(k).lower(): str(v) for k, v in (exc.headers or {}).items()}
        if exc.status in missing:
            return missing[exc.status]
        if exc.status == 401:
            return (
                "GitHub rejected the token (401 Bad credentials): check it is valid and unexpired"
            )
        limited = (
            headers.get("x-ratelimit-remaining") == "0" or "rate limit" in str(message).lower()
        )
        if exc.status in (403, 429) and limited:
            when = ""
            reset = headers.get("x-ratelimit-reset", "")
            if reset.isdigit():
                moment = datetime.fromtimestamp(int(reset), UTC)
                when = f"; it resets at {moment:%H:%M:%S} UTC"
            elif headers.get("retry-after", "").isdigit():
                when = f"; retry after {headers['retry-after']} s"
            return f"GitHub API rate limit exceeded while reading {self.repository}{when}"
        if exc.status == 403:
            return (
                f"GitHub refused access to {self.repository} (403 {message}):"
                " the token needs read access to its contents"
            )
        return f"GitHub answered {exc.status} ({message}) for {self.repository}"


def _from_element(path: str, element: GitTreeElement) -> _Entry:
    size = element.size
    return _Entry(
        path, element.mode, element.type, element.sha, size if isinstance(size, int) else None
    )


def _is_absolute(target: str) -> bool:
    posix = target.replace("\\", "/")
    first = posix.split("/", 1)[0]
    return posix.startswith("/") or first.endswith(":")


def _escapes(link_path: str, target: str) -> bool:
    """Whether ``target``, read relative to the link's directory, leaves the repository."""
    if _is_absolute(target):
        return True
    depth = len(link_path.split("/")) - 1
    for part in target.replace("\\", "/").split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False
