"""One case put to the model: a bounded read-only investigation, then a typed answer.

The loop sends the system prompt and the fenced finding, runs each tool call the model makes through
the case's toolbox and feeds the results back, until the model stops calling tools or a limit is
reached. It then asks for the answer through the schema and validates it. Whatever the model or
the endpoint does (nonsense, an oversized or invalid answer, errors after the client's retries, a
blown budget) ``consult`` returns a Consultation with a ``failure`` instead of raising: the
deterministic proposal then stands and the case is flagged for a human.

Limits: ``max_turns`` counts every model call, the final answer included; when the turns or the
toolbox's budget run out the model is asked for its answer with what it has read. Going over the
token or wall-clock budget ends the case with a failure: nothing more is spent on it, and an answer
that arrives over budget is not used. The clock is checked between calls; a call in flight is
bounded by the client's own timeout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import Runnable
from pydantic import ValidationError

from agent.llm.answer import Evidence, ModelAnswer, answer_schema
from agent.llm.prompts import FINAL_ANSWER_REQUEST, PROMPT_VERSION, SYSTEM_PROMPT, finding_message
from config.settings import Settings
from tools.llm.fence import Fence
from tools.llm.toolbox import ToolCallRecord

log = logging.getLogger(__name__)

StructuredOutput = Literal["json_schema", "function_calling"]


class ToolAccess(Protocol):
    """What the loop needs from a case's toolbox (tools.llm.toolbox.Toolbox provides it)."""

    def specs(self) -> list[dict[str, Any]]: ...

    def call(self, name: str, arguments: Mapping[str, Any] | str) -> str: ...

    @property
    def records(self) -> tuple[ToolCallRecord, ...]: ...

    @property
    def exhausted(self) -> str | None: ...


@dataclass(frozen=True)
class ModelUsage:
    """What one case cost: model calls, tokens as the endpoint reported them, time in calls."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: int = 0


@dataclass(frozen=True)
class CaseLimits:
    max_turns: int
    """Model calls per case, the final answer included."""
    max_tokens: int
    """Input plus output tokens per case."""
    max_seconds: float
    """Wall-clock seconds per case."""

    @classmethod
    def from_settings(cls, settings: Settings) -> CaseLimits:
        """The per-case limits configured in ``settings``."""
        return cls(
            max_turns=settings.llm_max_turns,
            max_tokens=settings.llm_max_tokens_per_case,
            max_seconds=settings.llm_max_seconds_per_case,
        )


@dataclass(frozen=True)
class Consultation:
    """The model's answer for one case, or why there is none, and what it cost."""

    answer: ModelAnswer | None
    failure: str | None
    """Why there is no usable answer (budget, invalid output, API error); None with an answer."""
    usage: ModelUsage
    tool_calls: tuple[ToolCallRecord, ...]
    model: str
    prompt_version: str


def consult(
    model: BaseChatModel,
    *,
    model_name: str,
    finding_text: str,
    toolbox: ToolAccess,
    limits: CaseLimits,
    structured_output: StructuredOutput,
    clock: Callable[[], float] = time.monotonic,
    fence: Fence | None = None,
) -> Consultation:
    """Ask ``model`` about one finding; never raises for model misbehaviour or API errors.

    ``finding_text`` is the finding as the model may see it (secrets already redacted); it is
    fenced here as untrusted data. ``toolbox`` holds the case's read-only tools and budget.
    """
    meter = _Meter(limits=limits, clock=clock, started=clock())
    fenced = (fence or Fence()).wrap(finding_text, label="finding")
    messages: list[BaseMessage] = [
        SystemMessage(SYSTEM_PROMPT),
        HumanMessage(finding_message(fenced)),
    ]
    answer: ModelAnswer | None = None
    try:
        failure = _investigate(model, messages, toolbox, meter)
        if failure is None:
            answer, failure = _final_answer(model, messages, structured_output, meter)
    except _ModelCallFailed as exc:
        failure = str(exc)
    usage = meter.usage()
    log.info(
        "model consultation: model=%s calls=%d input_tokens=%d output_tokens=%d latency_ms=%d "
        "tool_calls=%d failure=%s",
        model_name,
        usage.calls,
        usage.input_tokens,
        usage.output_tokens,
        usage.latency_ms,
        len(toolbox.records),
        failure,
    )
    return Consultation(
        answer=answer,
        failure=failure,
        usage=usage,
        tool_calls=toolbox.records,
        model=model_name,
        prompt_version=PROMPT_VERSION,
    )


def _investigate(
    model: BaseChatModel, messages: list[BaseMessage], toolbox: ToolAccess, meter: _Meter
) -> str | None:
    """Let the model read through its tools; a failure text when a hard limit ended the case."""
    specs = toolbox.specs()
    with_tools: Runnable[Any, BaseMessage] = model.bind_tools(specs) if specs else model
    # One turn is kept for the final answer.
    while meter.calls < meter.limits.max_turns - 1:
        reply = meter.invoke(with_tools, messages)
        if not isinstance(reply, AIMessage):
            raise _ModelCallFailed(f"the model client returned a {type(reply).__name__}")
        meter.count(reply)
        messages.append(reply)
        over = meter.over_budget()
        if over is not None:
            return over
        requests = _tool_requests(reply)
        if not requests:
            return None
        # Every call gets an answer, even past the budget (the toolbox then says so): the
        # protocol needs one tool message per call id before the next request.
        for call_id, name, arguments in requests:
            messages.append(ToolMessage(toolbox.call(name, arguments), tool_call_id=call_id))
        if toolbox.exhausted is not None:
            return None
    return None


def _tool_requests(reply: AIMessage) -> list[tuple[str, str, Mapping[str, Any] | str]]:
    """(call id, tool name, arguments) for each call, malformed ones included.

    LangChain moves a call whose arguments are not JSON to ``invalid_tool_calls``; it goes to the
    toolbox as the raw text, which refuses it and records the violation.
    """
    requests: list[tuple[str, str, Mapping[str, Any] | str]] = [
        (call.get("id") or "", call["name"], call["args"]) for call in reply.tool_calls
    ]
    requests += [
        (call.get("id") or "", call.get("name") or "", call.get("args") or "")
        for call in reply.invalid_tool_calls
    ]
    return requests


def _final_answer(
    model: BaseChatModel,
    messages: list[BaseMessage],
    structured_output: StructuredOutput,
    meter: _Meter,
) -> tuple[ModelAnswer | None, str | None]:
    over = meter.over_budget()
    if over is not None:
        return None, over
    messages.append(HumanMessage(FINAL_ANSWER_REQUEST))
    # The schema goes in as a dict, so LangChain does not validate and hands back the raw
    # message whatever it holds: a bad answer keeps its usage, and the failure text can name
    # fields without echoing what the model wrote.
    structured = model.with_structured_output(
        answer_schema(), method=structured_output, include_raw=True
    )
    result = meter.invoke(structured, messages)
    if not isinstance(result, dict) or not isinstance(result.get("raw"), AIMessage):
        raise _ModelCallFailed("the model client returned no message")
    raw: AIMessage = result["raw"]
    meter.count(raw)
    over = meter.over_budget()
    if over is not None:
        return None, over
    if type(result.get("parsing_error")).__name__.endswith("RefusalError"):
        return None, "invalid answer: the model refused to answer"
    if raw.response_metadata.get("finish_reason") == "length":
        return None, "invalid answer: cut off at the reply token limit (llm_max_reply_tokens)"
    try:
        if structured_output == "json_schema":
            # Strict JSON from the content: LangChain's own parser also accepts a truncated
            # object (it closes open strings and brackets), which could pass validation with
            # a value cut short, such as "CWE-5" from "CWE-502".
            return ModelAnswer.model_validate_json(raw.text), None
        # Function calling: LangChain parsed the arguments with strict json.loads; arguments
        # that are not JSON leave no parsed call.
        parsed = result.get("parsed")
        if parsed is None:
            return None, "invalid answer: no call of the answer function"
        return ModelAnswer.model_validate(parsed), None
    except ValidationError as exc:
        return None, "invalid answer: " + _violations(exc)


_KNOWN_FIELDS = frozenset(ModelAnswer.model_fields) | frozenset(Evidence.model_fields)


def _violations(error: ValidationError, limit: int = 5) -> str:
    """Where and how the answer broke the schema; never the values, which the model wrote.

    Field names the model invented (an extra key) are untrusted too, so only known names and
    list indexes are shown.
    """
    details = error.errors(include_input=False, include_url=False)
    if any(detail["type"] == "json_invalid" for detail in details):
        return "not a JSON object"
    problems = []
    for detail in details[:limit]:
        where = ".".join(
            str(part) if isinstance(part, int) or part in _KNOWN_FIELDS else "<unknown field>"
            for part in detail["loc"]
        )
        problems.append(f"{where or 'answer'}: {detail['type']}")
    more = error.error_count() - limit
    return "; ".join(problems) + (f"; and {more} more" if more > 0 else "")


class _ModelCallFailed(Exception):
    """A model call raised; the message is safe to record (no key, no model output)."""


@dataclass
class _Meter:
    """Counts calls, tokens and time for one case and says when a hard limit is passed."""

    limits: CaseLimits
    clock: Callable[[], float]
    started: float
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    seconds_in_calls: float = 0.0
    _counted: set[int] = field(default_factory=set)

    def invoke(self, runnable: Runnable[Any, Any], messages: Sequence[BaseMessage]) -> Any:
        """One model call (with the client's own retries), timed; API errors become failures."""
        over = self.over_budget()
        if over is not None:
            raise _ModelCallFailed(over)
        self.calls += 1
        before = self.clock()
        try:
            return runnable.invoke(list(messages))
        # The endpoint is outside our control: after the client's retries, any error it
        # provokes (HTTP status, timeout, connection, a response the client cannot read) ends
        # this case only. Only the type and status are kept: messages can echo the request.
        except Exception as exc:
            self._count_billed(exc)
            raise _ModelCallFailed(_describe(exc)) from None
        finally:
            self.seconds_in_calls += self.clock() - before

    def count(self, reply: AIMessage) -> None:
        usage = reply.usage_metadata
        if usage is not None:
            self.input_tokens += usage.get("input_tokens", 0)
            self.output_tokens += usage.get("output_tokens", 0)

    def _count_billed(self, exc: Exception) -> None:
        """Tokens of a completion the client received but refused (cut off, filtered)."""
        usage = getattr(getattr(exc, "completion", None), "usage", None)
        self.input_tokens += getattr(usage, "prompt_tokens", 0) or 0
        self.output_tokens += getattr(usage, "completion_tokens", 0) or 0

    def over_budget(self) -> str | None:
        spent = self.input_tokens + self.output_tokens
        if spent > self.limits.max_tokens:
            return f"token budget exceeded ({spent} of {self.limits.max_tokens} tokens)"
        elapsed = self.clock() - self.started
        if elapsed >= self.limits.max_seconds:
            return f"time budget exceeded ({elapsed:.1f} of {self.limits.max_seconds:g} seconds)"
        return None

    def usage(self) -> ModelUsage:
        return ModelUsage(
            calls=self.calls,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            latency_ms=round(self.seconds_in_calls * 1000),
        )


def _describe(exc: BaseException) -> str:
    # The openai client parses structured outputs itself and raises on these two finish reasons.
    if isinstance(exc, openai.LengthFinishReasonError):
        return "invalid answer: cut off at the reply token limit (llm_max_reply_tokens)"
    if isinstance(exc, openai.ContentFilterFinishReasonError):
        return "invalid answer: withheld by the endpoint's content filter"
    status = getattr(exc, "status_code", None)
    suffix = f" (HTTP {status})" if isinstance(status, int) else ""
    return f"model API error: {type(exc).__name__}{suffix}"
