"""A local GitHub REST API: the operations the app uses, in memory, checked against GitHub's spec.

It speaks GitHub's wire format (JSON bodies, ``Authorization: token ...``, ``Link`` pagination,
``x-ratelimit-*`` headers, 404/422/403 error bodies) so the real PyGithub client talks to it
unmodified, pointed here by ``base_url``. State lives in memory: repositories with real git-style
objects (blobs, trees, commits; files, symlinks, submodules), branches and tags, issues with
labels and comments, and scanner alerts a test seeds.

Every request and every answer is checked against the operations extracted from GitHub's
official OpenAPI description (``tests/fixtures/github-openapi/operations.json``, see
``tests/support/extract_github_openapi.py``). A request or answer that does not follow it is
answered ``500`` with the reasons and recorded in ``violations``, so a test ends with
``assert stub.violations == []``. Every exchange is recorded in ``requests``.

Faults are scripted per operation id (``stub.inject("repos/get-content", Fault(...))``): each
matching request takes the next one: a scripted status/headers/body instead of the normal answer,
a delay, or "handle it, then close the connection without answering".

Usage::

    with running_github_stub() as stub:
        repo = stub.add_repo("octo/app")
        repo.commit({"app/main.py": "print('hi')\\n", "link": Symlink("app/main.py")})
        stub.inject("repos/get-content", Fault.rate_limited())   # the next contents request
        gh = Github(base_url=stub.url, auth=Auth.Token(TOKEN), retry=None,
                    seconds_between_requests=None, seconds_between_writes=None)
        ...
        assert [r.status for r in stub.requests_to("repos/get-content")] == [403, 200]
        assert stub.violations == []
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from tests.support.github_app_stub import StubApp
from tests.support.openapi_validate import OpenApi, Operation, github_operations

TOKEN = "ghs_stubToken000000000000000000000000000"
BOT_LOGIN = "appsec-triage[bot]"
HTML = "https://github.com"
DOCS = "https://docs.github.com/rest"
BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CONTENTS_INLINE_LIMIT = 1024 * 1024
"""The contents API's JSON answer carries files up to 1 MB; bigger ones are refused (403)."""
MODE_FILE = "100644"
MODE_SYMLINK = "120000"
MODE_SUBMODULE = "160000"
MODE_TREE = "040000"
ALERT_KINDS = ("code-scanning", "dependabot", "secret-scanning")


# --- what a test puts in a repository ----------------------------------------------------------


@dataclass(frozen=True)
class Symlink:
    """A symbolic link; ``target`` is stored verbatim, as git does (may be absolute or ``..``)."""

    target: str


@dataclass(frozen=True)
class Submodule:
    url: str
    sha: str = "5f1e0c1b3a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f"


FileSpec = bytes | str | Symlink | Submodule


@dataclass(frozen=True)
class TreeEntry:
    name: str
    mode: str
    kind: str
    """``blob``, ``tree`` or ``commit`` (a submodule)."""
    sha: str
    size: int | None


@dataclass(frozen=True)
class CommitObject:
    sha: str
    tree: str
    message: str
    parents: tuple[str, ...]
    date: str


@dataclass
class Comment:
    id: int
    body: str
    created_at: str


@dataclass
class Pull:
    number: int
    id: int
    title: str
    body: str | None
    head: str
    base: str
    draft: bool
    created_at: str
    state: str = "open"


@dataclass
class Issue:
    number: int
    id: int
    title: str
    body: str | None
    labels: list[str]
    assignees: list[str]
    created_at: str
    updated_at: str
    state: str = "open"
    state_reason: str | None = None
    closed_at: str | None = None
    comments: list[Comment] = field(default_factory=list)


def _git_sha(kind: str, payload: bytes) -> str:
    header = f"{kind} {len(payload)}\x00".encode()
    return hashlib.sha1(header + payload, usedforsecurity=False).hexdigest()


def _b64(data: bytes) -> str:
    """Base64 in 60-character lines, the way GitHub sends ``content``."""
    text = base64.b64encode(data).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


@dataclass
class RepoState:
    owner: str
    name: str
    id: int
    default_branch: str
    private: bool
    created_at: str
    blobs: dict[str, bytes] = field(default_factory=dict)
    trees: dict[str, tuple[TreeEntry, ...]] = field(default_factory=dict)
    commits: dict[str, CommitObject] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    """Pull requests; they share the issues' numbers, as on GitHub."""
    labels: dict[str, int] = field(default_factory=dict)
    """Label name -> id. Unknown labels are created when an issue names them, as GitHub does."""
    alerts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """``code-scanning``/``dependabot``/``secret-scanning`` -> alerts, as GitHub sends them."""
    tree_entry_limit: int | None = None
    """A recursive tree answer with more entries is cut here and marked ``truncated``."""

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def next_number(self) -> int:
        return max([0, *self.issues, *self.pulls]) + 1

    def snapshot(self, commit: str) -> dict[str, FileSpec]:
        """The files of ``commit``, in the form ``commit`` takes."""
        files: dict[str, FileSpec] = {}
        for path, entry in self.listing(self.commits[commit].tree):
            if entry.kind == "commit":
                files[path] = Submodule("https://example.com/submodule.git", entry.sha)
            elif entry.mode == MODE_SYMLINK:
                files[path] = Symlink(self.blobs[entry.sha].decode())
            elif entry.kind == "blob":
                files[path] = self.blobs[entry.sha]
        return files

    def commit(
        self,
        files: Mapping[str, FileSpec],
        *,
        branch: str | None = None,
        message: str = "Update",
    ) -> str:
        """A commit whose tree is exactly ``files`` (a full snapshot); moves ``branch`` to it."""
        branch = branch or self.default_branch
        root: dict[str, Any] = {}
        for path, spec in files.items():
            parts = path.split("/")
            if not path or any(p in ("", ".", "..") for p in parts):
                raise ValueError(f"not a repository path: {path!r}")
            node = root
            for part in parts[:-1]:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise ValueError(f"{path!r}: {part!r} is a file")
            if parts[-1] in node:
                raise ValueError(f"{path!r} given twice")
            node[parts[-1]] = spec
        tree = self._write_tree(root)
        parent = self.branches.get(branch)
        parents = (parent,) if parent else ()
        stamp = int(BASE_TIME.timestamp()) + len(self.commits) * 60
        lines = [f"tree {tree}", *(f"parent {p}" for p in parents)]
        lines += [f"author Stub <stub@example.com> {stamp} +0000"]
        lines += [f"committer Stub <stub@example.com> {stamp} +0000", "", message, ""]
        sha = _git_sha("commit", "\n".join(lines).encode())
        date = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.commits[sha] = CommitObject(sha, tree, message, parents, date)
        self.branches[branch] = sha
        return sha

    def _write_tree(self, node: Mapping[str, Any]) -> str:
        entries: list[TreeEntry] = []
        for name, value in node.items():
            if isinstance(value, dict):
                entries.append(TreeEntry(name, MODE_TREE, "tree", self._write_tree(value), None))
            elif isinstance(value, Submodule):
                entries.append(TreeEntry(name, MODE_SUBMODULE, "commit", value.sha, None))
            else:
                data = (
                    value.target.encode()
                    if isinstance(value, Symlink)
                    else value.encode()
                    if isinstance(value, str)
                    else value
                )
                sha = _git_sha("blob", data)
                self.blobs[sha] = data
                mode = MODE_SYMLINK if isinstance(value, Symlink) else MODE_FILE
                entries.append(TreeEntry(name, mode, "blob", sha, len(data)))
        # git orders entries by name, a tree's name compared as if it ended in "/"
        entries.sort(key=lambda e: e.name + "/" if e.kind == "tree" else e.name)
        payload = b"".join(
            f"{e.mode.lstrip('0')} {e.name}".encode() + b"\x00" + bytes.fromhex(e.sha)
            for e in entries
        )
        sha = _git_sha("tree", payload)
        self.trees[sha] = tuple(entries)
        return sha

    def tag(self, name: str, ref: str) -> None:
        commit = self.resolve_ref(ref)
        if commit is None:
            raise ValueError(f"no commit for {ref!r}")
        self.tags[name] = commit.sha

    def resolve_ref(self, ref: str | None) -> CommitObject | None:
        """A commit sha (or unique 7+ prefix), branch, tag, ``heads/x``, ``refs/tags/x``..."""
        if ref is None:
            ref = self.default_branch
        name = ref.removeprefix("refs/")
        for prefix, table in (("heads/", self.branches), ("tags/", self.tags)):
            if name.startswith(prefix) and name.removeprefix(prefix) in table:
                return self.commits[table[name.removeprefix(prefix)]]
        if ref in self.branches:
            return self.commits[self.branches[ref]]
        if ref in self.tags:
            return self.commits[self.tags[ref]]
        if re.fullmatch(r"[0-9a-f]{7,40}", ref):
            found = [c for sha, c in self.commits.items() if sha.startswith(ref)]
            if len(found) == 1:
                return found[0]
        return None

    def walk(self, tree: str, parts: Sequence[str]) -> TreeEntry | None:
        """The entry at ``parts`` under ``tree``, without following symlinks."""
        entry: TreeEntry | None = None
        current = tree
        for index, name in enumerate(parts):
            entry = next((e for e in self.trees[current] if e.name == name), None)
            if entry is None:
                return None
            if index < len(parts) - 1:
                if entry.kind != "tree":
                    return None
                current = entry.sha
        return entry

    def listing(self, tree: str, prefix: str = "") -> Iterator[tuple[str, TreeEntry]]:
        """Every entry under ``tree``, depth first, as git lists a recursive tree."""
        for entry in self.trees[tree]:
            path = f"{prefix}{entry.name}"
            yield path, entry
            if entry.kind == "tree":
                yield from self.listing(entry.sha, f"{path}/")


# --- what the stub records ------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    """The request path as sent (still percent-encoded), without the query."""
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Request headers, names lower-cased."""
    body: Any
    """The request body parsed as JSON, the raw text if it is not JSON, None if empty."""
    operation_id: str | None
    status: int
    """What was answered; 0 if the connection was closed without an answer."""
    token: str | None


@dataclass(frozen=True)
class Violation:
    operation_id: str | None
    method: str
    path: str
    direction: str
    """``route`` (no such operation), ``request`` or ``response``."""
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour for the next request to an operation.

    ``status`` set: answer that (with ``headers`` and ``body``: JSON-encoded unless ``bytes``)
    instead of handling the request. ``status`` None: handle it normally (state changes happen).
    ``delay``: seconds to wait first. ``disconnect``: close the connection without answering,
    after handling (so a write happened but the client never hears of it). ``validate``: check
    the scripted answer against the spec like any other (turn off to send garbage on purpose).
    """

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    disconnect: bool = False
    validate: bool = True
    handle_first: bool = False
    """With ``status``: handle the request (state changes happen), then answer ``status`` anyway,
    as a proxy that failed after GitHub did the work (a 502 after the issue was created)."""

    @classmethod
    def rate_limited(cls, *, resource: str = "core", reset_in: int = 600) -> Fault:
        """GitHub's primary rate limit answer."""
        return cls(
            status=403,
            headers={
                "x-ratelimit-limit": "5000",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-used": "5000",
                "x-ratelimit-reset": str(int(time.time()) + reset_in),
                "x-ratelimit-resource": resource,
            },
            body={
                "message": "API rate limit exceeded for installation ID 4242.",
                "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api",
                "status": "403",
            },
        )

    @classmethod
    def secondary_rate_limited(cls, *, retry_after: int = 60) -> Fault:
        return cls(
            status=403,
            headers={"retry-after": str(retry_after)},
            body={
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes"
                " before you try again.",
                "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api",
                "status": "403",
            },
        )

    @classmethod
    def server_error(cls, status: int = 502) -> Fault:
        return cls(status=status, body={"message": "Server Error"})

    def reply(self) -> Reply:
        assert self.status is not None, "this fault has no scripted answer"
        return Reply(self.status, self.body, self.headers)


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    operation_id: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default


@dataclass(frozen=True)
class _Outcome:
    status: int
    headers: dict[str, str]
    body: bytes
    disconnect: bool


def _error(status: int, message: str, **extra: Any) -> Reply:
    return Reply(
        status, {"message": message, "documentation_url": DOCS, "status": str(status), **extra}
    )


_NOT_FOUND = "Not Found"
_SEARCH_TOKEN = re.compile(
    r'(?P<neg>-?)(?P<key>[a-z_]+):(?:"(?P<quoted_value>[^"]*)"|(?P<value>[^\s"]+))'
    r'|"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+)'
)


class GithubStub:
    """The stub's state and logic; ``running_github_stub`` serves it over HTTP."""

    def __init__(self, api: OpenApi | None = None, *, token: str | None = TOKEN) -> None:
        self.api = api or github_operations()
        self.url = ""
        self.token = token
        """Requests must present this token (``token X`` or ``Bearer X``); None accepts any."""
        self.repos: dict[str, RepoState] = {}
        self.requests: list[Exchange] = []
        self.violations: list[Violation] = []
        self.faults: dict[str, list[Fault]] = {}
        self.rate_limits = {"core": 5000, "search": 30}
        self.rate_used = {"core": 0, "search": 0}
        self.app: StubApp | None = None
        """With an App enabled, minted installation tokens are accepted within their scope."""
        self.lock = threading.RLock()
        self._ids = itertools.count(4_200_001)
        self._clock = itertools.count(1)
        self._routes: dict[str, Callable[[Call], Reply]] = {
            "rate-limit/get": self._rate_limit,
            "apps/create-installation-access-token": self._not_reached,
            "repos/get": self._get_repo,
            "repos/get-content": self._get_content,
            "git/get-tree": self._get_tree,
            "git/get-blob": self._get_blob,
            "repos/get-commit": self._get_commit,
            "issues/list-for-repo": self._list_issues,
            "issues/create": self._create_issue,
            "issues/get": self._get_issue,
            "issues/update": self._update_issue,
            "issues/create-comment": self._create_comment,
            "search/issues-and-pull-requests": self._search_issues,
            "code-scanning/list-alerts-for-repo": self._list_alerts,
            "dependabot/list-alerts-for-repo": self._list_alerts,
            "secret-scanning/list-alerts-for-repo": self._list_alerts,
            "code-scanning/update-alert": self._update_alert,
            "dependabot/update-alert": self._update_alert,
            "secret-scanning/update-alert": self._update_alert,
            "issues/list-comments": self._list_comments,
            "git/get-ref": self._get_ref,
            "git/create-ref": self._create_ref,
            "repos/create-or-update-file-contents": self._put_content,
            "pulls/list": self._list_pulls,
            "pulls/create": self._create_pull,
        }

    # --- test-facing API ---------------------------------------------------------------------

    def add_repo(
        self,
        full_name: str,
        *,
        default_branch: str = "main",
        private: bool = True,
        files: Mapping[str, FileSpec] | None = None,
    ) -> RepoState:
        owner, name = full_name.split("/")
        with self.lock:
            repo = RepoState(owner, name, next(self._ids), default_branch, private, self._now())
            repo.alerts = {kind: [] for kind in ALERT_KINDS}
            self.repos[full_name.lower()] = repo
            if files is not None:
                repo.commit(files, message="Initial commit")
            return repo

    def enable_app(self, app: StubApp) -> StubApp:
        """Act as ``app``'s installation (tests/support/github_app_stub.py)."""
        with self.lock:
            self.app = app
        return app

    def inject(self, operation_id: str, *faults: Fault) -> None:
        """Queue ``faults`` for the next requests to ``operation_id`` (one per request)."""
        if operation_id not in self._routes:
            raise KeyError(f"unknown operation {operation_id!r}; one of {sorted(self._routes)}")
        with self.lock:
            self.faults.setdefault(operation_id, []).extend(faults)

    def requests_to(self, operation_id: str) -> list[Exchange]:
        with self.lock:
            return [r for r in self.requests if r.operation_id == operation_id]

    # --- one HTTP exchange ---------------------------------------------------------------------

    def serve(self, method: str, target: str, headers: Mapping[str, str], raw: bytes) -> _Outcome:
        split = urlsplit(target)
        query = parse_qs(split.query, keep_blank_values=True)
        token = self._presented_token(headers)
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        matched = self.api.match(method, split.path)
        op: Operation | None = None
        fault: Fault | None = None
        check_answer = False
        if matched is None:
            reasons = [f"{method} {split.path} is not one of the extracted operations"]
            reply = self._violation(None, method, split.path, "route", reasons)
        else:
            op, params = matched
            reasons = self.api.request_errors(op, params, query, headers.get("content-type"), raw)
            if reasons:
                reply = self._violation(op.operation_id, method, split.path, "request", reasons)
            else:
                with self.lock:
                    queue = self.faults.get(op.operation_id)
                    fault = queue.pop(0) if queue else None
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                if fault is not None and fault.status is not None:
                    if fault.handle_first:
                        with self.lock:
                            self._answer(Call(op.operation_id, params, query, body), token)
                    reply = fault.reply()
                else:
                    with self.lock:
                        reply = self._answer(Call(op.operation_id, params, query, body), token)
                check_answer = fault is None or fault.validate
        encoded, out_headers = self._encode(reply)
        if op is not None and check_answer:
            media = out_headers.get("content-type")
            reasons = self.api.response_errors(op, reply.status, media, encoded)
            if reasons:
                reply = self._violation(op.operation_id, method, split.path, "response", reasons)
                encoded, out_headers = self._encode(reply)
        disconnect = fault is not None and fault.disconnect
        exchange = Exchange(
            method=method,
            path=split.path,
            query=query,
            headers=dict(headers),
            body=body,
            operation_id=op.operation_id if op else None,
            status=0 if disconnect else reply.status,
            token=token,
        )
        with self.lock:
            self.requests.append(exchange)
        return _Outcome(reply.status, out_headers, encoded, disconnect)

    def _presented_token(self, headers: Mapping[str, str]) -> str | None:
        value = headers.get("authorization") or ""
        for scheme in ("token ", "bearer "):
            if value.lower().startswith(scheme):
                return value[len(scheme) :].strip()
        return None

    def _violation(
        self, op_id: str | None, method: str, path: str, direction: str, reasons: list[str]
    ) -> Reply:
        with self.lock:
            self.violations.append(Violation(op_id, method, path, direction, tuple(reasons)))
        message = f"github stub: the {direction} does not follow GitHub's OpenAPI description"
        return Reply(500, {"message": message, "errors": reasons, "documentation_url": DOCS})

    def _encode(self, reply: Reply) -> tuple[bytes, dict[str, str]]:
        headers = {
            "content-type": "application/json; charset=utf-8",
            "x-github-api-version-selected": "2022-11-28",
            "x-github-media-type": "github.v3; format=json",
            "x-github-request-id": f"STUB:{len(self.requests):06d}",
        }
        headers.update({k.lower(): v for k, v in reply.headers.items()})
        if reply.body is None:
            headers.pop("content-type")
            return b"", headers
        if isinstance(reply.body, bytes):
            return reply.body, headers
        return json.dumps(reply.body).encode(), headers

    def _answer(self, call: Call, token: str | None) -> Reply:
        if call.operation_id == "apps/create-installation-access-token":
            if self.app is None:
                return _error(404, _NOT_FOUND)
            status, body = self.app.mint(
                int(call.params["installation_id"]), token, call.body, set(self.repos)
            )
            return Reply(status, body if status < 400 else body | {"status": str(status)})
        grant = self.app.grant_of(token) if self.app is not None else None
        if grant is not None:
            assert self.app is not None
            refused = self.app.refusal(grant, call.operation_id, call.params)
            if refused is not None:
                return Reply(refused[0], refused[1] | {"status": str(refused[0])})
        elif self.token is not None and token != self.token:
            return Reply(
                401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}
            )
        resource = "search" if call.operation_id.startswith("search/") else "core"
        limit_headers: dict[str, str] = {}
        if call.operation_id != "rate-limit/get":
            if self.rate_used[resource] >= self.rate_limits[resource]:
                return Fault.rate_limited(resource=resource).reply()
            self.rate_used[resource] += 1
            limit_headers = self._limit_headers(resource)
        route = self._routes.get(call.operation_id)
        if route is None:
            return _error(500, f"the stub does not implement {call.operation_id}")
        reply = route(call)
        return Reply(reply.status, reply.body, {**limit_headers, **reply.headers})

    def _limit_headers(self, resource: str) -> dict[str, str]:
        limit, used = self.rate_limits[resource], self.rate_used[resource]
        return {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(limit - used, 0)),
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(int(time.time()) + 3600),
            "x-ratelimit-resource": resource,
        }

    # --- helpers -------------------------------------------------------------------------------

    def _now(self) -> str:
        moment = BASE_TIME + timedelta(minutes=next(self._clock))
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _repo(self, call: Call) -> RepoState | None:
        return self.repos.get(f"{call.params['owner']}/{call.params['repo']}".lower())

    def _api(self, repo: RepoState) -> str:
        return f"{self.url}/repos/{repo.full_name}"

    def _user(self, login: str, uid: int, kind: str = "User") -> dict[str, Any]:
        api = f"{self.url}/users/{quote(login)}"
        return {
            "login": login,
            "id": uid,
            "node_id": f"U_kgDO{uid}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{HTML}/{quote(login)}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": kind,
            "site_admin": False,
            "user_view_type": "public",
        }

    def _bot(self) -> dict[str, Any]:
        return self._user(BOT_LOGIN, 41_898_282, "Bot")

    def _paginate(
        self, call: Call, items: Sequence[Any], route: str
    ) -> tuple[list[Any], dict[str, str]]:
        per_page = max(1, min(int(call.arg("per_page") or 30), 100))
        page = max(1, int(call.arg("page") or 1))
        last = max(1, math.ceil(len(items) / per_page))
        chunk = list(items[(page - 1) * per_page : page * per_page])
        keep = {k: v[-1] for k, v in call.query.items() if k not in ("page", "per_page")}

        def link(number: int, rel: str) -> str:
            params = urlencode({**keep, "per_page": per_page, "page": number})
            return f'<{self.url}{route}?{params}>; rel="{rel}"'

        links = []
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        return chunk, ({"link": ", ".join(links)} if links else {})

    def _not_reached(self, call: Call) -> Reply:
        raise AssertionError(f"{call.operation_id} is answered in _answer")

    # --- rate limit and repository -------------------------------------------------------------

    def _rate_limit(self, call: Call) -> Reply:
        reset = int(time.time()) + 3600

        def one(resource: str) -> dict[str, int]:
            limit, used = self.rate_limits[resource], self.rate_used[resource]
            return {"limit": limit, "remaining": max(limit - used, 0), "reset": reset, "used": used}

        core = one("core")
        return Reply(200, {"resources": {"core": core, "search": one("search")}, "rate": core})

    def _get_repo(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        api = self._api(repo)
        html = f"{HTML}/{repo.full_name}"
        templated = {
            "archive_url": "/{archive_format}{/ref}",
            "assignees_url": "/assignees{/user}",
            "blobs_url": "/git/blobs{/sha}",
            "branches_url": "/branches{/branch}",
            "collaborators_url": "/collaborators{/collaborator}",
            "comments_url": "/comments{/number}",
            "commits_url": "/commits{/sha}",
            "compare_url": "/compare/{base}...{head}",
            "contents_url": "/contents/{+path}",
            "contributors_url": "/contributors",
            "deployments_url": "/deployments",
            "downloads_url": "/downloads",
            "events_url": "/events",
            "forks_url": "/forks",
            "git_commits_url": "/git/commits{/sha}",
            "git_refs_url": "/git/refs{/sha}",
            "git_tags_url": "/git/tags{/sha}",
            "hooks_url": "/hooks",
            "issue_comment_url": "/issues/comments{/number}",
            "issue_events_url": "/issues/events{/number}",
            "issues_url": "/issues{/number}",
            "keys_url": "/keys{/key_id}",
            "labels_url": "/labels{/name}",
            "languages_url": "/languages",
            "merges_url": "/merges",
            "milestones_url": "/milestones{/number}",
            "notifications_url": "/notifications{?since,all,participating}",
            "pulls_url": "/pulls{/number}",
            "releases_url": "/releases{/id}",
            "stargazers_url": "/stargazers",
            "statuses_url": "/statuses/{sha}",
            "subscribers_url": "/subscribers",
            "subscription_url": "/subscription",
            "tags_url": "/tags",
            "teams_url": "/teams",
            "trees_url": "/git/trees{/sha}",
        }
        open_issues = sum(1 for i in repo.issues.values() if i.state == "open")
        body: dict[str, Any] = {key: api + suffix for key, suffix in templated.items()}
        body |= {
            "id": repo.id,
            "node_id": f"R_kgDO{repo.id}",
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": self._user(repo.owner, repo.id + 1, "Organization"),
            "private": repo.private,
            "visibility": "private" if repo.private else "public",
            "html_url": html,
            "description": None,
            "fork": False,
            "url": api,
            "clone_url": f"{html}.git",
            "git_url": f"git://github.com/{repo.full_name}.git",
            "ssh_url": f"git@github.com:{repo.full_name}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": None,
            "default_branch": repo.default_branch,
            "forks": 0,
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers": 0,
            "watchers_count": 0,
            "network_count": 0,
            "subscribers_count": 0,
            "size": sum(len(b) for b in repo.blobs.values()) // 1024,
            "open_issues": open_issues,
            "open_issues_count": open_issues,
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": False,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "license": None,
            "topics": [],
            "permissions": {
                "admin": False,
                "maintain": False,
                "push": True,
                "triage": True,
                "pull": True,
            },
            "created_at": repo.created_at,
            "updated_at": repo.created_at,
            "pushed_at": repo.created_at,
        }
        return Reply(200, body)

    # --- git data and contents -----------------------------------------------------------------

    def _get_commit(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        ref = call.params["ref"]
        commit = repo.resolve_ref(ref)
        if commit is None:
            return _error(422, f"No commit found for SHA: {ref}")
        api = self._api(repo)
        html = f"{HTML}/{repo.full_name}"
        person = {"name": "Stub", "email": "stub@example.com", "date": commit.date}
        # author/committer null: the commit's email is linked to no GitHub account. (A user
        # object would match both branches of the spec's oneOf [simple-user, empty-object].)
        body = {
            "sha": commit.sha,
            "node_id": f"C_kwDO{commit.sha[:12]}",
            "url": f"{api}/commits/{commit.sha}",
            "html_url": f"{html}/commit/{commit.sha}",
            "comments_url": f"{api}/commits/{commit.sha}/comments",
            "commit": {
                "url": f"{api}/git/commits/{commit.sha}",
                "author": person,
                "committer": person,
                "message": commit.message,
                "comment_count": 0,
                "tree": {"sha": commit.tree, "url": f"{api}/git/trees/{commit.tree}"},
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": None,
                },
            },
            "author": None,
            "committer": None,
            "parents": [
                {"sha": p, "url": f"{api}/commits/{p}", "html_url": f"{html}/commit/{p}"}
                for p in commit.parents
            ],
            "stats": {"total": 0, "additions": 0, "deletions": 0},
            "files": [],
        }
        return Reply(200, body)

    def _root_tree(self, repo: RepoState, sha_or_ref: str) -> str | None:
        if sha_or_ref in repo.trees:
            return sha_or_ref
        commit = repo.resolve_ref(sha_or_ref)
        return commit.tree if commit else None

    def _get_tree(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        tree = self._root_tree(repo, call.params["tree_sha"])
        if tree is None:
            return _error(404, _NOT_FOUND)
        api = self._api(repo)
        if call.arg("recursive") is not None:  # any value means recursive, as on GitHub
            listed = list(repo.listing(tree))
        else:
            listed = [(e.name, e) for e in repo.trees[tree]]
        truncated = False
        if repo.tree_entry_limit is not None and call.arg("recursive") is not None:
            truncated = len(listed) > repo.tree_entry_limit
            listed = listed[: repo.tree_entry_limit]
        entries = []
        for path, entry in listed:
            item: dict[str, Any] = {
                "path": path,
                "mode": entry.mode,
                "type": entry.kind,
                "sha": entry.sha,
            }
            if entry.kind == "blob":
                item |= {"size": entry.size, "url": f"{api}/git/blobs/{entry.sha}"}
            elif entry.kind == "tree":
                item["url"] = f"{api}/git/trees/{entry.sha}"
            entries.append(item)
        body = {
            "sha": tree,
            "url": f"{api}/git/trees/{tree}",
            "tree": entries,
            "truncated": truncated,
        }
        return Reply(200, body)

    def _get_blob(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        sha = call.params["file_sha"]
        if sha not in repo.blobs:
            return _error(404, _NOT_FOUND)
        data = repo.blobs[sha]
        body = {
            "sha": sha,
            "node_id": f"B_kwDO{sha[:12]}",
            "size": len(data),
            "url": f"{self._api(repo)}/git/blobs/{sha}",
            "content": _b64(data),
            "encoding": "base64",
        }
        return Reply(200, body)

    def _content_item(
        self, repo: RepoState, ref: str, path: str, entry: TreeEntry
    ) -> dict[str, Any]:
        api = self._api(repo)
        html = f"{HTML}/{repo.full_name}"
        kind = {"tree": "dir", "commit": "submodule"}.get(entry.kind, "file")
        if entry.mode == MODE_SYMLINK:
            kind = "symlink"
        url = f"{api}/contents/{quote(path)}?ref={quote(ref, safe='')}"
        git_url: str | None = f"{api}/git/{'trees' if kind == 'dir' else 'blobs'}/{entry.sha}"
        html_url: str | None = f"{html}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{path}"
        download: str | None = f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}"
        if kind in ("dir", "submodule"):
            download = None
        if kind == "submodule":
            git_url = html_url = None  # not hosted on github.com, as far as the stub knows
        return {
            "type": kind,
            "size": entry.size or 0,
            "name": entry.name,
            "path": path,
            "sha": entry.sha,
            "url": url,
            "git_url": git_url,
            "html_url": html_url,
            "download_url": download,
            "_links": {"self": url, "git": git_url, "html": html_url},
        }

    def _follow(self, repo: RepoState, tree: str, parts: list[str]) -> tuple[str, TreeEntry] | None:
        """Follows symlinks along ``parts`` like a checkout; None if it leaves or is missing."""
        done: list[str] = []
        pending = list(parts)
        hops = 0
        entry: TreeEntry | None = None
        while pending:
            name = pending.pop(0)
            if name in ("", "."):
                continue
            if name == "..":
                if not done:
                    return None
                done.pop()
                continue
            entry = repo.walk(tree, [*done, name])
            if entry is None:
                return None
            if entry.mode == MODE_SYMLINK:
                hops += 1
                target = repo.blobs[entry.sha].decode("utf-8", "replace")
                if hops > 40 or target.startswith("/"):
                    return None
                pending = target.split("/") + pending
                continue
            done.append(name)
        if not done:
            return None
        entry = repo.walk(tree, done)
        return ("/".join(done), entry) if entry is not None else None

    def _get_content(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        ref = call.arg("ref") or repo.default_branch
        commit = repo.resolve_ref(ref)
        if commit is None:
            return _error(404, f"No commit found for the ref {ref}")
        path = call.params["path"].strip("/")
        entry = repo.walk(commit.tree, path.split("/")) if path else None
        if entry is None:
            return _error(404, _NOT_FOUND)
        if entry.kind == "tree":
            listing = [
                self._content_item(repo, ref, f"{path}/{child.name}", child)
                for child in repo.trees[entry.sha]
            ]
            for item in listing:
                if item["type"] == "submodule":
                    item["type"] = "file"  # GitHub's documented backwards-compatible quirk
            return Reply(200, listing)
        item = self._content_item(repo, ref, path, entry)
        if entry.mode == MODE_SYMLINK:
            # GitHub answers with the target's content when it is a normal file in the repository.
            followed = self._follow(repo, commit.tree, path.split("/"))
            if followed is not None and followed[1].kind == "blob":
                entry = followed[1]
                item = self._content_item(repo, ref, followed[0], entry)
            else:
                item["target"] = repo.blobs[entry.sha].decode("utf-8", "replace")
                return Reply(200, item)
        if entry.kind == "commit":
            return Reply(200, item | {"submodule_git_url": "https://example.com/submodule.git"})
        data = repo.blobs[entry.sha]
        if len(data) > CONTENTS_INLINE_LIMIT:
            return _error(
                403,
                "This API returns blobs up to 1 MB in size. The requested blob is too large to"
                " fetch via the API, but you can use the Git Data API to request blobs up to 100 MB"
                " in size.",
                errors=[{"resource": "Blob", "field": "data", "code": "too_large"}],
            )
        return Reply(200, item | {"content": _b64(data), "encoding": "base64"})

    # --- issues --------------------------------------------------------------------------------

    def _label(self, repo: RepoState, name: str) -> dict[str, Any]:
        if name not in repo.labels:
            repo.labels[name] = next(self._ids)
        lid = repo.labels[name]
        return {
            "id": lid,
            "node_id": f"LA_kwDO{lid}",
            "url": f"{self._api(repo)}/labels/{quote(name, safe='')}",
            "name": name,
            "color": "ededed",
            "default": False,
            "description": None,
        }

    def _issue_json(self, repo: RepoState, issue: Issue) -> dict[str, Any]:
        api = self._api(repo)
        url = f"{api}/issues/{issue.number}"
        users = [self._user(login, 1000 + i) for i, login in enumerate(issue.assignees)]
        return {
            "id": issue.id,
            "node_id": f"I_kwDO{issue.id}",
            "url": url,
            "repository_url": api,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "timeline_url": f"{url}/timeline",
            "html_url": f"{HTML}/{repo.full_name}/issues/{issue.number}",
            "number": issue.number,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "title": issue.title,
            "body": issue.body,
            "user": self._bot(),
            "labels": [self._label(repo, name) for name in issue.labels],
            "assignee": users[0] if users else None,
            "assignees": users,
            "milestone": None,
            "locked": False,
            "active_lock_reason": None,
            "comments": len(issue.comments),
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_at": issue.closed_at,
            "author_association": "NONE",
            "reactions": {
                "url": f"{url}/reactions",
                "total_count": 0,
                **dict.fromkeys(
                    ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0
                ),
            },
        }

    @staticmethod
    def _label_names(values: Sequence[Any]) -> list[str]:
        return [v if isinstance(v, str) else str(v.get("name", "")) for v in values]

    def _create_issue(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        body = call.body
        now = self._now()
        assignees = list(
            body.get("assignees") or ([body["assignee"]] if body.get("assignee") else [])
        )
        issue = Issue(
            number=repo.next_number(),
            id=next(self._ids),
            title=str(body["title"]),
            body=body.get("body"),
            labels=self._label_names(body.get("labels") or []),
            assignees=assignees,
            created_at=now,
            updated_at=now,
        )
        repo.issues[issue.number] = issue
        data = self._issue_json(repo, issue)
        return Reply(201, data, {"location": data["url"]})

    def _get_issue(self, call: Call) -> Reply:
        repo = self._repo(call)
        issue = repo.issues.get(int(call.params["issue_number"])) if repo else None
        if repo is None or issue is None:
            return _error(404, _NOT_FOUND)
        return Reply(200, self._issue_json(repo, issue))

    def _update_issue(self, call: Call) -> Reply:
        repo = self._repo(call)
        issue = repo.issues.get(int(call.params["issue_number"])) if repo else None
        if repo is None or issue is None:
            return _error(404, _NOT_FOUND)
        body = call.body or {}
        if body.get("title") is not None:
            issue.title = str(body["title"])
        if "body" in body:
            issue.body = body["body"]
        if "labels" in body:
            issue.labels = self._label_names(body["labels"] or [])
        if "assignees" in body:
            issue.assignees = self._label_names(body["assignees"] or [])
        now = self._now()
        state = body.get("state")
        if state == "closed" and issue.state == "open":
            issue.state, issue.closed_at = "closed", now
            issue.state_reason = body.get("state_reason") or "completed"
        elif state == "open" and issue.state == "closed":
            issue.state, issue.closed_at, issue.state_reason = "open", None, "reopened"
        elif "state_reason" in body:
            issue.state_reason = body["state_reason"]
        issue.updated_at = now
        return Reply(200, self._issue_json(repo, issue))

    def _create_comment(self, call: Call) -> Reply:
        repo = self._repo(call)
        issue = repo.issues.get(int(call.params["issue_number"])) if repo else None
        if repo is None or issue is None:
            return _error(404, _NOT_FOUND)
        now = self._now()
        comment = Comment(next(self._ids), str(call.body["body"]), now)
        issue.comments.append(comment)
        issue.updated_at = now
        data = self._comment_json(repo, issue, comment)
        return Reply(201, data, {"location": data["url"]})

    def _comment_json(self, repo: RepoState, issue: Issue, comment: Comment) -> dict[str, Any]:
        api = self._api(repo)
        return {
            "id": comment.id,
            "node_id": f"IC_kwDO{comment.id}",
            "url": f"{api}/issues/comments/{comment.id}",
            "html_url": f"{HTML}/{repo.full_name}/issues/{issue.number}#issuecomment-{comment.id}",
            "issue_url": f"{api}/issues/{issue.number}",
            "body": comment.body,
            "user": self._bot(),
            "created_at": comment.created_at,
            "updated_at": comment.created_at,
            "author_association": "NONE",
        }

    def _list_comments(self, call: Call) -> Reply:
        repo = self._repo(call)
        issue = repo.issues.get(int(call.params["issue_number"])) if repo else None
        if repo is None or issue is None:
            return _error(404, _NOT_FOUND)
        route = f"/repos/{repo.full_name}/issues/{issue.number}/comments"
        page, links = self._paginate(call, issue.comments, route)
        return Reply(200, [self._comment_json(repo, issue, c) for c in page], links)

    def _list_issues(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        state = call.arg("state", "open")
        wanted = [name for name in (call.arg("labels") or "").split(",") if name]
        issues = [
            i
            for i in repo.issues.values()
            if (state == "all" or i.state == state) and all(name in i.labels for name in wanted)
        ]
        key = {"created": "created_at", "updated": "updated_at"}.get(call.arg("sort") or "created")
        issues.sort(
            key=lambda i: (getattr(i, key), i.number) if key else (len(i.comments), i.number),
            reverse=call.arg("direction", "desc") == "desc",
        )
        page, links = self._paginate(call, issues, f"/repos/{repo.full_name}/issues")
        return Reply(200, [self._issue_json(repo, i) for i in page], links)

    def _search_issues(self, call: Call) -> Reply:
        query = call.arg("q") or ""
        filters: dict[str, list[str]] = {}
        terms: list[str] = []
        for token in _SEARCH_TOKEN.finditer(query):
            key = token["key"]
            if key is None:
                terms.append(token["phrase"] if token["phrase"] is not None else token["word"])
                continue
            if token["neg"] or key not in ("repo", "is", "state", "label", "in", "type"):
                return _error(
                    422,
                    "Validation Failed",
                    errors=[
                        {
                            "message": f"the stub does not implement the qualifier {token[0]!r}",
                            "resource": "Search",
                            "field": "q",
                            "code": "invalid",
                        }
                    ],
                )
            value = token["quoted_value"]
            filters.setdefault(key, []).append(value if value is not None else token["value"])
        if any(t in ("AND", "OR", "NOT") for t in terms):
            return _error(
                422,
                "Validation Failed",
                errors=[
                    {
                        "message": "the stub does not implement AND/OR/NOT",
                        "resource": "Search",
                        "field": "q",
                        "code": "invalid",
                    }
                ],
            )
        kinds = {v for v in filters.get("is", []) + filters.get("type", []) if v in ("issue", "pr")}
        states = {
            v for v in filters.get("is", []) + filters.get("state", []) if v in ("open", "closed")
        }
        fields = {f for v in filters.get("in", []) for f in v.split(",")} or {
            "title",
            "body",
            "comments",
        }
        repos = [
            r
            for name, r in sorted(self.repos.items())
            if not filters.get("repo") or name in {v.lower() for v in filters["repo"]}
        ]
        hits: list[tuple[RepoState, Issue]] = []
        for repo in repos:
            if kinds == {"pr"}:
                continue  # the stub has no pull requests
            for issue in repo.issues.values():
                haystack = " ".join(
                    [issue.title if "title" in fields else ""]
                    + [(issue.body or "") if "body" in fields else ""]
                    + ([c.body for c in issue.comments] if "comments" in fields else [])
                ).lower()
                if (
                    (not states or issue.state in states)
                    and all(label in issue.labels for label in filters.get("label", []))
                    and all(term.lower() in haystack for term in terms)
                ):
                    hits.append((repo, issue))
        hits.sort(
            key=lambda hit: (hit[1].created_at, hit[1].number),
            reverse=call.arg("order", "desc") == "desc",
        )
        page, links = self._paginate(call, hits, "/search/issues")
        items = [self._issue_json(repo, issue) | {"score": 1.0} for repo, issue in page]
        body = {
            "total_count": len(hits),
            "incomplete_results": False,
            "items": items,
            "search_type": "lexical",
        }
        return Reply(200, body, links)

    # --- scanner alerts ------------------------------------------------------------------------

    def _list_alerts(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        kind = call.operation_id.split("/", 1)[0]
        alerts = list(repo.alerts.get(kind, []))
        states = {s for s in (call.arg("state") or "").split(",") if s}
        if states:
            alerts = [a for a in alerts if a.get("state") in states]
        route = f"/repos/{repo.full_name}/{kind}/alerts"
        if kind != "dependabot":
            page, links = self._paginate(call, alerts, route)
            return Reply(200, page, links)
        # Dependabot pages with cursors: ``after`` is opaque to clients; here, an index.
        per_page = max(1, min(int(call.arg("per_page") or 30), 100))
        start = int(call.arg("after") or 0)
        chunk = alerts[start : start + per_page]
        headers = {}
        if start + per_page < len(alerts):
            params = urlencode(
                {"per_page": per_page, "after": start + per_page}
                | ({"state": call.arg("state")} if states else {})
            )
            headers["link"] = f'<{self.url}{route}?{params}>; rel="next"'
        return Reply(200, chunk, headers)

    def _update_alert(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        kind = call.operation_id.split("/", 1)[0]
        number = int(call.params["alert_number"])
        alert = next((a for a in repo.alerts.get(kind, []) if a.get("number") == number), None)
        if alert is None:
            return _error(404, _NOT_FOUND)
        body = call.body or {}
        now = self._now()
        if kind == "secret-scanning":
            if body.get("state") == "resolved" and not body.get("resolution"):
                return _error(422, "A resolution is required when the state is resolved.")
            alert["state"] = body["state"]
            resolved = body["state"] == "resolved"
            alert["resolution"] = body.get("resolution") if resolved else None
            alert["resolution_comment"] = body.get("resolution_comment") if resolved else None
            alert["resolved_at"] = now if resolved else None
            alert["resolved_by"] = self._bot() if resolved else None
        else:
            if body.get("state") == "dismissed" and not body.get("dismissed_reason"):
                return _error(422, "A dismissed_reason is required when the state is dismissed.")
            alert["state"] = body["state"]
            dismissed = body["state"] == "dismissed"
            alert["dismissed_reason"] = body.get("dismissed_reason") if dismissed else None
            alert["dismissed_comment"] = body.get("dismissed_comment") if dismissed else None
            alert["dismissed_at"] = now if dismissed else None
            alert["dismissed_by"] = self._bot() if dismissed else None
        alert["updated_at"] = now
        return Reply(200, alert)

    # --- branches, commits through the contents API, pull requests --------------------------

    def _ref_json(self, repo: RepoState, ref: str, sha: str) -> dict[str, Any]:
        api = self._api(repo)
        return {
            "ref": f"refs/{ref}",
            "node_id": f"REF_kwDO{sha[:12]}",
            "url": f"{api}/git/refs/{ref}",
            "object": {"type": "commit", "sha": sha, "url": f"{api}/git/commits/{sha}"},
        }

    def _get_ref(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        ref = call.params["ref"]
        kind, _, name = ref.partition("/")
        table = {"heads": repo.branches, "tags": repo.tags}.get(kind)
        if table is None or name not in table:
            return _error(404, _NOT_FOUND)
        return Reply(200, self._ref_json(repo, ref, table[name]))

    def _create_ref(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        ref, sha = str(call.body["ref"]), str(call.body["sha"])
        if not ref.startswith("refs/heads/") or ref.count("/") < 2:
            return _error(422, f"{ref} is not a valid ref name.")
        name = ref.removeprefix("refs/heads/")
        if name in repo.branches:
            return _error(422, "Reference already exists")
        if sha not in repo.commits:
            return _error(422, "Object does not exist")
        repo.branches[name] = sha
        data = self._ref_json(repo, f"heads/{name}", sha)
        return Reply(201, data, {"location": data["url"]})

    def _put_content(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        body = call.body
        branch = str(body.get("branch") or repo.default_branch)
        if branch not in repo.branches:
            return _error(404, f"Branch {branch} not found")
        path = call.params["path"].strip("/")
        head = repo.commits[repo.branches[branch]]
        entry = repo.walk(head.tree, path.split("/"))
        if entry is not None and entry.kind != "blob":
            return _error(422, f"{path} is not a file")
        if entry is not None and body.get("sha") != entry.sha:
            return _error(409, f"{path} does not match {body.get('sha')}")
        if entry is None and body.get("sha"):
            return _error(422, 'Invalid request. "sha" wasn\'t supplied.')
        try:
            data = base64.b64decode(str(body["content"]), validate=True)
        except ValueError:
            return _error(422, "content is not valid Base64")
        files = repo.snapshot(head.sha)
        files[path] = data
        sha = repo.commit(files, branch=branch, message=str(body["message"]))
        commit = repo.commits[sha]
        new_entry = repo.walk(commit.tree, path.split("/"))
        assert new_entry is not None
        api, html = self._api(repo), f"{HTML}/{repo.full_name}"
        person = {"name": "appsec-triage", "email": "bot@example.com", "date": commit.date}
        content = self._content_item(repo, branch, path, new_entry)
        answer = {
            "content": content,
            "commit": {
                "sha": sha,
                "node_id": f"C_kwDO{sha[:12]}",
                "url": f"{api}/git/commits/{sha}",
                "html_url": f"{html}/commit/{sha}",
                "author": person,
                "committer": person,
                "message": commit.message,
                "tree": {"sha": commit.tree, "url": f"{api}/git/trees/{commit.tree}"},
                "parents": [
                    {"sha": p, "url": f"{api}/git/commits/{p}", "html_url": f"{html}/commit/{p}"}
                    for p in commit.parents
                ],
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": None,
                },
            },
        }
        return Reply(201 if entry is None else 200, answer)

    def _repository_json(self, repo: RepoState) -> dict[str, Any]:
        full = self._get_repo(Call("repos/get", {"owner": repo.owner, "repo": repo.name}, {}, None))
        assert isinstance(full.body, dict)
        return full.body | {"has_downloads": True}

    def _pull_json(self, repo: RepoState, pull: Pull, *, full: bool) -> dict[str, Any]:
        api, html = self._api(repo), f"{HTML}/{repo.full_name}"
        url = f"{api}/pulls/{pull.number}"
        link = {
            name: {"href": href}
            for name, href in {
                "self": url,
                "html": f"{html}/pull/{pull.number}",
                "issue": f"{api}/issues/{pull.number}",
                "comments": f"{api}/issues/{pull.number}/comments",
                "review_comments": f"{url}/comments",
                "review_comment": f"{api}/pulls/comments{{/number}}",
                "commits": f"{url}/commits",
                "statuses": f"{api}/statuses/{repo.branches.get(pull.head, '')}",
            }.items()
        }
        repository = self._repository_json(repo)

        def side(branch: str) -> dict[str, Any]:
            return {
                "label": f"{repo.owner}:{branch}",
                "ref": branch,
                "repo": repository,
                "sha": repo.branches.get(branch, ""),
                "user": self._user(repo.owner, repo.id + 1, "Organization"),
            }

        data: dict[str, Any] = {
            "url": url,
            "id": pull.id,
            "node_id": f"PR_kwDO{pull.id}",
            "html_url": f"{html}/pull/{pull.number}",
            "diff_url": f"{html}/pull/{pull.number}.diff",
            "patch_url": f"{html}/pull/{pull.number}.patch",
            "issue_url": f"{api}/issues/{pull.number}",
            "commits_url": f"{url}/commits",
            "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}",
            "comments_url": f"{api}/issues/{pull.number}/comments",
            "statuses_url": link["statuses"]["href"],
            "number": pull.number,
            "state": pull.state,
            "locked": False,
            "title": pull.title,
            "user": self._bot(),
            "body": pull.body,
            "labels": [],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": pull.created_at,
            "updated_at": pull.created_at,
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": side(pull.head),
            "base": side(pull.base),
            "_links": link,
            "author_association": "NONE",
            "auto_merge": None,
            "draft": pull.draft,
        }
        if full:
            data |= {
                "merged": False,
                "mergeable": None,
                "rebaseable": None,
                "mergeable_state": "unknown",
                "merged_by": None,
                "comments": 0,
                "review_comments": 0,
                "maintainer_can_modify": False,
                "commits": 1,
                "additions": 1,
                "deletions": 1,
                "changed_files": 1,
            }
        return data

    def _list_pulls(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        state = call.arg("state", "open")
        head = call.arg("head")
        pulls = [
            p
            for p in repo.pulls.values()
            if (state == "all" or p.state == state)
            and (head is None or head == f"{repo.owner}:{p.head}")
        ]
        page, links = self._paginate(call, pulls, f"/repos/{repo.full_name}/pulls")
        return Reply(200, [self._pull_json(repo, p, full=False) for p in page], links)

    def _create_pull(self, call: Call) -> Reply:
        repo = self._repo(call)
        if repo is None:
            return _error(404, _NOT_FOUND)
        body = call.body
        head, base = str(body["head"]).split(":")[-1], str(body["base"])
        if head not in repo.branches or base not in repo.branches:
            return _error(
                422,
                "Validation Failed",
                errors=[{"resource": "PullRequest", "field": "head", "code": "invalid"}],
            )
        if any(
            p.head == head and p.base == base and p.state == "open" for p in repo.pulls.values()
        ):
            return _error(
                422,
                "Validation Failed",
                errors=[
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": f"A pull request already exists for {repo.owner}:{head}.",
                    }
                ],
            )
        pull = Pull(
            number=repo.next_number(),
            id=next(self._ids),
            title=str(body.get("title") or ""),
            body=body.get("body"),
            head=head,
            base=base,
            draft=bool(body.get("draft")),
            created_at=self._now(),
        )
        repo.pulls[pull.number] = pull
        data = self._pull_json(repo, pull, full=True)
        return Reply(201, data, {"location": data["url"]})


class _Handler(BaseHTTPRequestHandler):
    stub: GithubStub

    def _dispatch(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        outcome = self.stub.serve(self.command, self.path, headers, raw)
        if outcome.disconnect:
            self.close_connection = True
            return
        self.send_response(outcome.status)
        for name, value in outcome.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(outcome.body)))
        self.end_headers()
        self.wfile.write(outcome.body)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def running_github_stub(*, token: str | None = TOKEN) -> Iterator[GithubStub]:
    """A GitHub stub on 127.0.0.1 (a free port), served from a background thread."""
    stub = GithubStub(token=token)
    handler = type("Handler", (_Handler,), {"stub": stub})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
