"""A local Slack Web API: answers the methods the app calls and records every call.

It speaks Slack's wire format (form or JSON bodies, ``{"ok": ...}`` JSON answers) so the real
slack_sdk WebClient talks to it unmodified, pointed here by ``base_url``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TEAM_ID = "T0000000001"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None


@dataclass
class SlackStub:
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    group_members: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def called(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "team_id": TEAM_ID,
                "team": "Example",
                "url": "https://example.slack.com/",
            }
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": ts,
                "message": {"ts": ts, "text": params.get("text", "")},
            }
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000001.{next(self._ts):06d}"}
        if method == "views.open":
            return {"ok": True, "view": {"id": "V0000000001"}}
        if method == "usergroups.users.list":
            group = str(params.get("usergroup"))
            if group not in self.group_members:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.group_members[group]}
        return {"ok": False, "error": "unknown_method"}


class _Handler(BaseHTTPRequestHandler):
    stub: SlackStub

    def do_POST(self) -> None:
        method = self.path.rsplit("/", 1)[-1]
        raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
        if "json" in (self.headers.get("content-type") or ""):
            params: dict[str, Any] = json.loads(raw or "{}")
        else:
            params = {k: v[0] for k, v in parse_qs(raw).items()}
        for key in ("blocks", "view"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        token = (self.headers.get("authorization") or "").removeprefix("Bearer ") or None
        with self.stub.lock:
            self.stub.calls.append(Call(method, params, token))
        body = json.dumps(self.stub.answer(method, params)).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def running_slack_stub() -> Iterator[SlackStub]:
    stub = SlackStub()
    handler = type("Handler", (_Handler,), {"stub": stub})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
