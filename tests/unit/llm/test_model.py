"""Model settings and build_chat_model: explicit values, no environment fallbacks, no key leaks."""

from __future__ import annotations

import pytest
from langchain_openai import AzureChatOpenAI, ChatOpenAI
from pydantic import SecretStr, ValidationError

from agent.errors import ConfigurationError
from agent.llm.consult import CaseLimits
from agent.llm.model import build_chat_model
from config.settings import Settings

KEY = "sk-unit-test-key-0123456789abcdef"


def test_no_provider_is_the_default_and_builds_no_model() -> None:
    settings = Settings()
    assert settings.llm_provider == "none"
    assert build_chat_model(settings) is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"llm_provider": "openai", "openai_api_key": KEY}, ["APPSEC_TRIAGE_LLM_MODEL"]),
        ({"llm_provider": "openai", "llm_model": "m"}, ["APPSEC_TRIAGE_OPENAI_API_KEY"]),
        (
            {"llm_provider": "openai", "llm_model": "m", "openai_api_key": "  "},
            ["APPSEC_TRIAGE_OPENAI_API_KEY"],
        ),
        (
            {"llm_provider": "azure", "llm_model": "m", "openai_api_key": KEY},
            [
                "APPSEC_TRIAGE_AZURE_OPENAI_API_KEY",
                "APPSEC_TRIAGE_LLM_AZURE_ENDPOINT",
                "APPSEC_TRIAGE_LLM_AZURE_DEPLOYMENT",
            ],
        ),
    ],
)
def test_an_incomplete_model_configuration_is_refused_by_name(
    values: dict[str, str], expected: list[str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(**values)  # type: ignore[arg-type]
    message = str(caught.value)
    for variable in expected:
        assert variable in message
    assert KEY not in message


def test_environment_variables_configure_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPSEC_TRIAGE_LLM_PROVIDER", "openai")
    monkeypatch.setenv("APPSEC_TRIAGE_LLM_MODEL", "qwen2.5-coder")
    monkeypatch.setenv("APPSEC_TRIAGE_LLM_BASE_URL", "http://localhost:8000/v1")
    monkeypatch.setenv("APPSEC_TRIAGE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("APPSEC_TRIAGE_LLM_STRUCTURED_OUTPUT", "function_calling")
    settings = Settings()
    assert settings.llm_model == "qwen2.5-coder"
    assert settings.llm_structured_output == "function_calling"
    assert KEY in settings.secret_values()
    assert KEY not in repr(settings)


def test_the_standard_openai_variable_does_not_switch_the_model_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    settings = Settings()
    assert settings.openai_api_key is None
    assert build_chat_model(settings) is None


def test_openai_model_gets_every_value_explicitly() -> None:
    settings = Settings(
        llm_provider="openai",
        llm_model="gpt-4o-mini",
        llm_base_url="http://localhost:11434/v1",
        openai_api_key=SecretStr(KEY),
        llm_timeout_seconds=12,
        llm_max_retries=4,
        llm_requests_per_second=5,
        llm_max_reply_tokens=900,
    )
    model = build_chat_model(settings)
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "gpt-4o-mini"
    assert model.openai_api_base == "http://localhost:11434/v1"
    assert model.use_responses_api is False
    assert model.temperature == 0
    assert model.max_tokens == 900
    assert model.request_timeout == 12
    assert model.max_retries == 4
    assert model.rate_limiter is not None
    assert model.rate_limiter.requests_per_second == 5  # type: ignore[attr-defined]
    assert KEY not in repr(model)


def test_a_zero_rate_turns_the_client_side_limit_off() -> None:
    settings = Settings(
        llm_provider="openai",
        llm_model="m",
        openai_api_key=SecretStr(KEY),
        llm_requests_per_second=0,
    )
    model = build_chat_model(settings)
    assert model is not None
    assert model.rate_limiter is None


def test_azure_model_targets_the_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Values the client library would otherwise pick up on its own.
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", "ambient-token-0123456789")
    monkeypatch.setenv("OPENAI_API_VERSION", "1999-01-01")
    settings = Settings(
        llm_provider="azure",
        llm_model="gpt-4o",
        llm_azure_endpoint="https://example.openai.azure.com",
        llm_azure_deployment="triage",
        azure_openai_api_key=SecretStr(KEY),
    )
    model = build_chat_model(settings)
    assert isinstance(model, AzureChatOpenAI)
    assert model.deployment_name == "triage"
    assert model.openai_api_version == "2024-10-21"
    assert model.azure_ad_token is None
    assert model.use_responses_api is False
    assert KEY in settings.secret_values()
    assert KEY not in repr(model)


def test_a_copy_that_skipped_validation_is_still_refused() -> None:
    settings = Settings().model_copy(update={"llm_provider": "openai"})
    with pytest.raises(ConfigurationError, match="APPSEC_TRIAGE_LLM_MODEL"):
        build_chat_model(settings)


def test_case_limits_come_from_the_settings() -> None:
    settings = Settings(llm_max_turns=3, llm_max_tokens_per_case=999, llm_max_seconds_per_case=7)
    assert CaseLimits.from_settings(settings) == CaseLimits(
        max_turns=3, max_tokens=999, max_seconds=7
    )
