"""The OpenAI-compatible stub server, re-exported for the wire tests (it lives in evals/)."""

from __future__ import annotations

from evals.openai_stub import (
    AZURE_DEPLOYMENT,
    CREATED,
    STUB_API_KEY,
    HttpAnswer,
    OpenAIStub,
    RecordedRequest,
    Reply,
    Responder,
    Script,
    answer,
    answer_when_asked,
    fail,
    running_openai_stub,
    text,
    tool_calls,
)

__all__ = [
    "AZURE_DEPLOYMENT",
    "CREATED",
    "STUB_API_KEY",
    "HttpAnswer",
    "OpenAIStub",
    "RecordedRequest",
    "Reply",
    "Responder",
    "Script",
    "answer",
    "answer_when_asked",
    "fail",
    "running_openai_stub",
    "text",
    "tool_calls",
]
