"""A local OpenAI-compatible chat-completions server for evals, tests and benchmarks.

It lives in ``evals`` (the top layer) so the adversarial eval can start it without importing
``tests``; tests/support/openai_stub.py re-exports it for the wire tests.

It speaks the real wire protocol, so the real ``ChatOpenAI`` and ``AzureChatOpenAI`` talk to it
unmodified: ``POST /v1/chat/completions`` with ``Authorization: Bearer KEY``, and Azure's
``POST /openai/deployments/{deployment}/chat/completions?api-version=...`` with ``api-key: KEY``.
Each answer is a ``chat.completion`` object with a ``usage`` block.

Replies are scripted: a queue of :class:`Reply` values (or callables that receive the parsed
request and return one) is consumed one per request. Failures are injected the same way
(:func:`fail`: 429 with ``retry-after``, 500, ...), and a fixed ``latency`` can be added to every
reply for batch benchmarks. Every request is recorded for assertions.

    with running_openai_stub([tool_calls(("read_code", {...})), answer({...})]) as stub:
        model = ChatOpenAI(base_url=stub.openai_base_url, api_key=stub.api_key, ...)
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

STUB_API_KEY = "sk-stub-0123456789abcdefghij"
AZURE_DEPLOYMENT = "triage-deployment"
CREATED = 1_700_000_000


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stub received it (after the auth check, whatever its outcome)."""

    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Mapping[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    @property
    def tool_names(self) -> list[str]:
        return [tool["function"]["name"] for tool in self.body.get("tools") or []]

    @property
    def wants_json_schema(self) -> bool:
        response_format = self.body.get("response_format") or {}
        return bool(response_format.get("type") == "json_schema")

    @property
    def forced_tool(self) -> str | None:
        """The function a ``tool_choice`` forces, as ``with_structured_output`` does."""
        choice = self.body.get("tool_choice")
        if isinstance(choice, dict):
            return str(choice["function"]["name"])
        return None

    @property
    def deployment(self) -> str | None:
        parts = self.path.split("/")
        return parts[3] if self.path.startswith("/openai/deployments/") else None


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a completion message, or an HTTP failure when ``status`` != 200."""

    content: str | None = None
    tool_calls: tuple[tuple[str, str], ...] = ()
    """(function name, JSON arguments as the model wrote them: possibly invalid JSON)."""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    error: str = ""
    usage: tuple[int, int] | None = None
    """(prompt_tokens, completion_tokens); default: derived from the sizes, deterministically."""
    delay: float = 0.0
    """Extra seconds before this reply (on top of the server's fixed latency)."""
    finish_reason: str | None = None
    refusal: str | None = None
    """A structured-outputs refusal message instead of content."""


Responder = Callable[[RecordedRequest], Reply]
HttpAnswer = tuple[int, dict[str, str], dict[str, Any]]
"""(status, extra headers, JSON body)."""
Script = Iterable[Reply | Responder]


def text(content: str, *, usage: tuple[int, int] | None = None) -> Reply:
    """A plain assistant message with no tool calls."""
    return Reply(content=content, usage=usage)


def tool_calls(
    *calls: tuple[str, Mapping[str, Any] | str], usage: tuple[int, int] | None = None
) -> Reply:
    """An assistant message that calls tools; arguments given as a string are sent verbatim."""
    encoded = tuple(
        (name, args if isinstance(args, str) else json.dumps(args)) for name, args in calls
    )
    return Reply(tool_calls=encoded, usage=usage)


def answer(payload: Mapping[str, Any] | str, *, usage: tuple[int, int] | None = None) -> Responder:
    """A structured answer in whichever form the request asks for.

    ``response_format: json_schema`` gets the JSON as content; a forced ``tool_choice`` (function
    calling) gets one call of that function with the JSON as its arguments. A string payload is
    sent verbatim (to script invalid JSON).
    """
    encoded = payload if isinstance(payload, str) else json.dumps(payload)

    def respond(request: RecordedRequest) -> Reply:
        forced = request.forced_tool
        if forced is not None:
            return Reply(tool_calls=((forced, encoded),), usage=usage)
        return Reply(content=encoded, usage=usage)

    return respond


def answer_when_asked(payload: Mapping[str, Any]) -> Responder:
    """A model that investigates no further: a turn without tool calls, until the request asks
    for the structured answer, then ``payload``."""
    structured = answer(payload)

    def respond(request: RecordedRequest) -> Reply:
        if request.wants_json_schema or request.forced_tool:
            return structured(request)
        return text("I have read enough.")

    return respond


def fail(status: int, *, retry_after: float | None = None, message: str = "") -> Reply:
    """An HTTP error in OpenAI's error format, with ``retry-after`` (seconds) when given."""
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
    return Reply(status=status, headers=headers, error=message or f"stub error {status}")


@dataclass
class OpenAIStub:
    """The server's state: the script, the recorded requests, and the options."""

    script: deque[Reply | Responder] = field(default_factory=deque)
    api_key: str = STUB_API_KEY
    deployment: str = AZURE_DEPLOYMENT
    latency: float = 0.0
    fallback: Reply | Responder | None = None
    """Answer given once the script is used up; None → HTTP 400 "script exhausted"."""
    url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def azure_endpoint(self) -> str:
        return self.url

    def add(self, *replies: Reply | Responder) -> None:
        """Append replies to the script."""
        with self.lock:
            self.script.extend(replies)

    @property
    def remaining(self) -> int:
        with self.lock:
            return len(self.script)

    def completions(self) -> list[RecordedRequest]:
        """The recorded requests that reached a chat-completions path."""
        with self.lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self.lock:
            scripted = self.script.popleft() if self.script else self.fallback
        if scripted is None:
            return Reply(status=400, error="stub: no scripted reply left")
        return scripted if isinstance(scripted, Reply) else scripted(request)

    def handle(
        self, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> HttpAnswer:
        """Record and answer one request."""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return 400, {}, _error("request body is not JSON", "invalid_request_error")
        request = RecordedRequest(path=path, query=query, headers=headers, body=body)
        with self.lock:
            self.requests.append(request)
        refused = self._refuse(request)
        if refused is not None:
            return refused
        reply = self._next_reply(request)
        if self.latency or reply.delay:
            time.sleep(self.latency + reply.delay)
        if reply.status != 200:
            kind = "rate_limit_exceeded" if reply.status == 429 else "server_error"
            return reply.status, dict(reply.headers), _error(reply.error, kind)
        return 200, dict(reply.headers), self._completion(request, reply, len(raw))

    def _refuse(self, request: RecordedRequest) -> HttpAnswer | None:
        path, headers = request.path, request.headers
        if path == "/v1/chat/completions":
            if headers.get("authorization") != f"Bearer {self.api_key}":
                return 401, {}, _error("Incorrect API key provided.", "invalid_api_key")
        elif path == f"/openai/deployments/{self.deployment}/chat/completions":
            if headers.get("api-key") != self.api_key:
                return 401, {}, _error("Access denied due to invalid key.", "401")
            if not request.query.get("api-version"):
                return 404, {}, _error("api-version is required", "404")
        else:
            return 404, {}, _error(f"no route for {path}", "404")
        if request.body.get("stream"):
            return 400, {}, _error("the stub does not stream", "invalid_request_error")
        if not isinstance(request.body.get("messages"), list):
            return 400, {}, _error("messages is required", "invalid_request_error")
        problem = _tool_protocol_problem(request.messages)
        if problem is not None:
            return 400, {}, _error(problem, "invalid_request_error")
        return None

    def _completion(
        self, request: RecordedRequest, reply: Reply, request_bytes: int
    ) -> dict[str, Any]:
        number = next(self._ids)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": reply.content,
            "refusal": reply.refusal,
        }
        if reply.tool_calls:
            message["tool_calls"] = [
                {
                    "id": f"call_{number}_{index}",
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
                for index, (name, arguments) in enumerate(reply.tool_calls)
            ]
        if reply.usage is not None:
            prompt_tokens, completion_tokens = reply.usage
        else:
            produced = len(reply.content or "") + sum(len(a) for _, a in reply.tool_calls)
            prompt_tokens, completion_tokens = request_bytes // 4 + 1, produced // 4 + 1
        finish = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
        return {
            "id": f"chatcmpl-stub-{number}",
            "object": "chat.completion",
            "created": CREATED + number,
            "model": str(request.body.get("model") or self.deployment),
            "system_fingerprint": "fp_stub",
            "choices": [
                {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


def _tool_protocol_problem(messages: list[dict[str, Any]]) -> str | None:
    """OpenAI's rule: the tool messages right after an assistant's tool calls answer each call
    id, and a tool message answers only a call of that assistant message."""
    pending: set[str] = set()
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in pending:
                return (
                    f"Invalid parameter: messages.[{index}] with role 'tool' must be a response "
                    "to a preceding message with 'tool_calls'."
                )
            pending.discard(call_id)
            continue
        if pending:
            return (
                "An assistant message with 'tool_calls' must be followed by tool messages "
                f"responding to each 'tool_call_id'. Missing: {', '.join(sorted(pending))}"
            )
        if role == "assistant":
            pending = {str(call.get("id")) for call in message.get("tool_calls") or []}
    if pending:
        return f"tool calls without responses at the end of messages: {', '.join(sorted(pending))}"
    return None


def _error(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": code, "param": None, "code": code}}


class _Handler(BaseHTTPRequestHandler):
    stub: OpenAIStub
    # Keep-alive, as real endpoints do: the client reuses its connection across turns.
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as real servers set it: the body follows the headers in a second write, and
    # with Nagle's algorithm on, that write waited for the client's delayed ACK (~40 ms a call).
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        headers = {key.lower(): value for key, value in self.headers.items()}
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        status, extra_headers, payload = self.stub.handle(parts.path, query, headers, raw)
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        for key, value in extra_headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has gone before a slow reply is written: expected, not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def running_openai_stub(
    script: Script = (),
    *,
    latency: float = 0.0,
    api_key: str = STUB_API_KEY,
    deployment: str = AZURE_DEPLOYMENT,
    fallback: Reply | Responder | None = None,
) -> Iterator[OpenAIStub]:
    """Serve the stub on 127.0.0.1 (a free port) for the duration of the block."""
    stub = OpenAIStub(
        script=deque(script),
        api_key=api_key,
        deployment=deployment,
        latency=latency,
        fallback=fallback,
    )
    handler = type("Handler", (_Handler,), {"stub": stub})
    server = _Server(("127.0.0.1", 0), handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll keeps shutdown quick (serve_forever checks for it once per interval).
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
