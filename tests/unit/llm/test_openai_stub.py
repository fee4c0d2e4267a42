"""The stub refuses what a real endpoint refuses, so a loop bug shows up as an HTTP error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.openai_stub import OpenAIStub, running_openai_stub, text

CALL: dict[str, Any] = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "f", "arguments": "{}"},
}


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with running_openai_stub([text("hello")]) as running:
        yield running


def post(stub: OpenAIStub, messages: list[dict[str, Any]], **headers: str) -> tuple[int, str]:
    status, _, body = stub.handle(
        "/v1/chat/completions",
        {},
        {"authorization": f"Bearer {stub.api_key}"} | headers,
        json.dumps({"model": "m", "messages": messages}).encode(),
    )
    return status, body["error"]["message"] if "error" in body else ""


def test_a_well_formed_tool_exchange_is_answered(stub: OpenAIStub) -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "call_1", "content": "r"},
    ]
    assert post(stub, messages) == (200, "")


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        (
            [
                {"role": "assistant", "content": None, "tool_calls": [CALL]},
                {"role": "user", "content": "next"},
            ],
            "must be followed by tool messages",
        ),
        (
            [
                {"role": "user", "content": "q"},
                {"role": "tool", "tool_call_id": "x", "content": ""},
            ],
            "must be a response to a preceding message with 'tool_calls'",
        ),
    ],
)
def test_a_broken_tool_exchange_is_refused(
    stub: OpenAIStub, messages: list[dict[str, Any]], message: str
) -> None:
    status, error = post(stub, messages)
    assert status == 400 and message in error
    assert stub.remaining == 1


def test_a_wrong_key_is_refused_before_any_reply_is_used(stub: OpenAIStub) -> None:
    status, error = post(stub, [{"role": "user", "content": "q"}], authorization="Bearer sk-x")
    assert status == 401 and "API key" in error
    assert stub.remaining == 1 and len(stub.requests) == 1


def test_an_exhausted_script_is_an_error_not_a_silent_default(stub: OpenAIStub) -> None:
    assert post(stub, [{"role": "user", "content": "q"}])[0] == 200
    assert post(stub, [{"role": "user", "content": "q"}]) == (400, "stub: no scripted reply left")
