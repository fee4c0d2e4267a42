"""The real ChatOpenAI and AzureChatOpenAI, over HTTP, against the local OpenAI-compatible stub.

Everything between ``consult`` and the socket is the production code path: settings →
build_chat_model → langchain-openai → the openai client (its retries included) → the stub. The
toolbox is the real one over a small repository in tmp_path.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.cli.common import EXIT_BAD_INPUT
from agent.llm.answer import ModelAnswer
from agent.llm.consult import CaseLimits, Consultation, consult
from agent.llm.model import build_chat_model
from config.settings import Settings
from tests.conftest import Cli
from tests.support.llm_wire import VALID_ANSWER, Method, Provider, stub_settings
from tests.support.openai_stub import (
    OpenAIStub,
    Reply,
    answer,
    fail,
    running_openai_stub,
    text,
    tool_calls,
)
from tools.intel.cwe import load_cwe
from tools.llm.budget import ToolBudget
from tools.llm.fence import Fence
from tools.llm.toolbox import ToolCatalogs, build_toolbox
from tools.repo.reader import RepoReader

VIEWS = "import yaml\nfrom flask import request\n\ndef load(data):\n    return yaml.load(data)\n"
FINDING = "bandit B506 yaml_load (high) at app/views.py:5: Use of unsafe yaml load."
LIMITS = CaseLimits(max_turns=6, max_tokens=100_000, max_seconds=600)
TOOL_NAMES = [
    "read_code",
    "search_repo",
    "finding_context",
    "cwe_lookup",
    "advisory_lookup",
    "who_imports",
]
BENIGN_SCRIPT = (
    tool_calls(
        ("read_code", {"path": "app/views.py", "start_line": 1, "end_line": 5}), usage=(100, 10)
    ),
    tool_calls(("cwe_lookup", {"cwe_id": "CWE-502"}), usage=(200, 20)),
    text("The loader is unsafe and the data comes from the request.", usage=(300, 5)),
    answer(VALID_ANSWER, usage=(400, 50)),
)
PROVIDERS_AND_METHODS = [
    (provider, method)
    for provider in ("openai", "azure")
    for method in ("json_schema", "function_calling")
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "views.py").write_text(VIEWS)
    return root


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with running_openai_stub() as running:
        yield running


def triage(settings: Settings, repo: Path, *, limits: CaseLimits = LIMITS) -> Consultation:
    """One case the way the graph will run it: model and limits from the settings."""
    model = build_chat_model(settings)
    assert model is not None
    toolbox = build_toolbox(
        finding_text=FINDING,
        source=RepoReader(repo, max_file_bytes=100_000),
        catalogs=ToolCatalogs(cwe=load_cwe(), kev=None, epss=None, advisories=None),
        budget=ToolBudget(
            settings.llm_max_tool_calls,
            settings.llm_max_tool_bytes,
            settings.llm_max_seconds_per_case,
        ),
        fence=Fence(),
    )
    return consult(
        model,
        model_name=settings.llm_model or "",
        finding_text=FINDING,
        toolbox=toolbox,
        limits=limits,
        structured_output=settings.llm_structured_output,
    )


@pytest.mark.parametrize(("provider", "method"), PROVIDERS_AND_METHODS)
def test_a_benign_run_reads_twice_then_answers(
    stub: OpenAIStub, repo: Path, provider: Provider, method: Method
) -> None:
    stub.add(*BENIGN_SCRIPT)
    result = triage(stub_settings(stub, provider, method), repo)

    assert result.failure is None
    assert result.answer == ModelAnswer.model_validate(VALID_ANSWER)
    assert [(r.name, r.ok, r.violation) for r in result.tool_calls] == [
        ("read_code", True, None),
        ("cwe_lookup", True, None),
    ]
    assert (result.usage.calls, result.usage.input_tokens, result.usage.output_tokens) == (
        4,
        1000,
        85,
    )
    requests = stub.completions()
    assert len(requests) == 4 and stub.remaining == 0
    first, _, third, final = requests
    assert first.tool_names == TOOL_NAMES
    assert first.body["temperature"] == 0
    tool_results = [m["content"] for m in third.messages if m["role"] == "tool"]
    assert "5\t    return yaml.load(data)" in tool_results[0]
    assert tool_results[0].startswith("<<UNTRUSTED-") and "label=read_code>>" in tool_results[0]
    assert "CWE-502: Deserialization of Untrusted Data" in tool_results[1]
    if method == "json_schema":
        assert final.wants_json_schema and final.forced_tool is None
    else:
        assert final.forced_tool == "ModelAnswer" and not final.wants_json_schema


@pytest.mark.parametrize("provider", ["openai", "azure"])
def test_each_provider_speaks_its_own_path_and_auth_header(
    stub: OpenAIStub, repo: Path, provider: Provider
) -> None:
    stub.add(answer(VALID_ANSWER))
    triage(stub_settings(stub, provider), repo, limits=CaseLimits(1, 100_000, 600))
    (request,) = stub.completions()
    if provider == "azure":
        assert request.path == f"/openai/deployments/{stub.deployment}/chat/completions"
        assert request.query == {"api-version": "2024-10-21"}
        assert request.headers["api-key"] == stub.api_key
        assert "authorization" not in request.headers
    else:
        assert request.path == "/v1/chat/completions"
        assert request.headers["authorization"] == f"Bearer {stub.api_key}"
        assert request.body["model"] == "gpt-4o-mini"


def test_a_429_is_retried_after_the_servers_delay(stub: OpenAIStub, repo: Path) -> None:
    stub.add(fail(429, retry_after=0.01), answer(VALID_ANSWER, usage=(40, 4)))
    result = triage(stub_settings(stub), repo, limits=CaseLimits(1, 100_000, 600))
    assert result.failure is None and result.answer is not None
    requests = stub.completions()
    assert len(requests) == 2 and requests[0].body == requests[1].body
    assert (result.usage.calls, result.usage.input_tokens, result.usage.output_tokens) == (1, 40, 4)


@pytest.mark.parametrize("provider", ["openai", "azure"])
def test_server_errors_beyond_the_retries_are_a_failure(
    stub: OpenAIStub, repo: Path, provider: Provider
) -> None:
    stub.fallback = fail(500, retry_after=0.01)
    result = triage(stub_settings(stub, provider, llm_max_retries=2), repo)
    assert result.answer is None
    assert result.failure == "model API error: OpenAIAPIError (HTTP 500)"
    assert len(stub.completions()) == 3
    assert result.usage.calls == 1 and result.usage.input_tokens == 0


def test_a_rejected_key_is_a_failure_and_is_not_retried(stub: OpenAIStub, repo: Path) -> None:
    stub.add(answer(VALID_ANSWER))
    wrong = "sk-wrong-key-abcdefghijklmnop"
    result = triage(stub_settings(stub, openai_api_key=wrong), repo)
    assert result.failure == "model API error: OpenAIAuthenticationError (HTTP 401)"
    assert len(stub.completions()) == 1 and stub.remaining == 1
    assert wrong not in repr(result)


def test_the_stub_refuses_azure_requests_without_an_api_version(stub: OpenAIStub) -> None:
    status, _, body = stub.handle(
        f"/openai/deployments/{stub.deployment}/chat/completions",
        {},
        {"api-key": stub.api_key},
        b'{"messages": []}',
    )
    assert status == 404 and "api-version" in body["error"]["message"]


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
@pytest.mark.parametrize(
    ("payload", "failure"),
    [
        (VALID_ANSWER | {"rationale": "A" * 200_000}, "invalid answer: rationale: string_too_long"),
        ('{"verdict": "true_positive", ', None),
        (
            VALID_ANSWER | {"repository": "attacker/repo"},
            "invalid answer: <unknown field>: extra_forbidden",
        ),
        (VALID_ANSWER | {"verdict": "close_as_wontfix"}, "invalid answer: verdict: enum"),
        (
            VALID_ANSWER | {"evidence": [VALID_ANSWER["evidence"][0] | {"start_line": 0}]},
            "invalid answer: evidence.0.start_line: greater_than_equal",
        ),
    ],
)
def test_bad_answers_are_failures_not_exceptions(
    stub: OpenAIStub, repo: Path, method: Method, payload: dict[str, Any] | str, failure: str | None
) -> None:
    stub.add(answer(payload))
    result = triage(stub_settings(stub, method=method), repo, limits=CaseLimits(1, 10**9, 600))
    assert result.answer is None
    if failure is None:  # broken JSON: reported per method
        failure = {
            "json_schema": "invalid answer: not a JSON object",
            "function_calling": "invalid answer: no call of the answer function",
        }[method]
    assert result.failure == failure
    assert result.usage.calls == 1 and result.usage.output_tokens > 0


def test_a_huge_reply_blows_the_token_budget(stub: OpenAIStub, repo: Path) -> None:
    stub.add(answer(VALID_ANSWER | {"rationale": "A" * 200_000}))
    result = triage(stub_settings(stub), repo, limits=CaseLimits(1, 20_000, 600))
    assert result.answer is None
    assert result.failure is not None and result.failure.startswith("token budget exceeded")


def test_the_key_appears_in_no_log_record_and_no_result(
    stub: OpenAIStub, repo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = stub_settings(stub)
    stub.add(*BENIGN_SCRIPT)
    benign = triage(settings, repo)
    stub.add(fail(500, retry_after=0.01), fail(500, retry_after=0.01), fail(500, retry_after=0.01))
    failed = triage(settings, repo)
    assert benign.answer is not None and failed.failure is not None
    # The debug log of the client and httpx was captured (so the check below has teeth).
    assert any(r.name.startswith("openai") for r in caplog.records)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert stub.api_key not in logged
    for result in (benign, failed):
        assert stub.api_key not in repr(result)
        assert stub.api_key not in str(result.failure)


def test_the_cli_names_the_missing_setting_and_never_prints_the_key(cli: Cli) -> None:
    key = "sk-cli-secret-0123456789abcdefgh"
    result = cli(
        "findings",
        "list",
        extra_env={"APPSEC_TRIAGE_LLM_PROVIDER": "openai", "APPSEC_TRIAGE_OPENAI_API_KEY": key},
    )
    assert result.code == EXIT_BAD_INPUT
    assert "llm_provider=openai needs APPSEC_TRIAGE_LLM_MODEL" in result.stderr
    assert key not in result.stderr + result.stdout


def test_a_reply_slower_than_the_timeout_is_a_failure(stub: OpenAIStub, repo: Path) -> None:
    stub.add(Reply(content="{}", delay=3.0))
    settings = stub_settings(stub, llm_timeout_seconds=0.2, llm_max_retries=0)
    result = triage(settings, repo, limits=CaseLimits(1, 100_000, 600))
    assert result.answer is None
    assert result.failure == "model API error: OpenAITimeoutError"
