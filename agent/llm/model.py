"""The chat model the settings describe, or None for the deterministic path.

Every value is handed to the client explicitly (key, base URL, Azure endpoint and version), so the
client library never falls back on environment variables of its own (OPENAI_API_KEY,
OPENAI_API_BASE, AZURE_OPENAI_*): config/settings.py stays the one place that reads the environment.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_openai import AzureChatOpenAI, ChatOpenAI

from agent.errors import ConfigurationError
from config.settings import Settings


def build_chat_model(settings: Settings) -> BaseChatModel | None:
    """A ChatOpenAI / AzureChatOpenAI from ``settings``; None when ``llm_provider`` is none.

    ConfigurationError when the settings lack what the provider needs (a copy made with
    ``model_copy`` skips the settings' own validation, so it is checked again here).
    """
    if settings.llm_provider == "none":
        return None
    problems = settings.llm_problems()
    if problems:
        raise ConfigurationError("; ".join(problems))
    limiter = _rate_limiter(settings.llm_requests_per_second)
    if settings.llm_provider == "azure":
        assert settings.azure_openai_api_key is not None
        return AzureChatOpenAI(
            azure_endpoint=settings.llm_azure_endpoint,
            deployment_name=settings.llm_azure_deployment,
            openai_api_version=settings.llm_azure_api_version,
            openai_api_key=settings.azure_openai_api_key,
            # Explicitly none: otherwise AZURE_OPENAI_AD_TOKEN from the environment is used.
            azure_ad_token=None,
            model_name=settings.llm_model,
            temperature=0,
            max_tokens=settings.llm_max_reply_tokens,
            request_timeout=settings.llm_timeout_seconds,
            max_retries=settings.llm_max_retries,
            rate_limiter=limiter,
            use_responses_api=False,
        )
    assert settings.openai_api_key is not None and settings.llm_model is not None
    return ChatOpenAI(
        model_name=settings.llm_model,
        openai_api_base=settings.llm_base_url,
        openai_api_key=settings.openai_api_key,
        temperature=0,
        max_tokens=settings.llm_max_reply_tokens,
        request_timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
        rate_limiter=limiter,
        # Chat Completions, which every OpenAI-compatible server (vLLM, Ollama, LiteLLM) speaks;
        # the Responses API is OpenAI's own.
        use_responses_api=False,
    )


def _rate_limiter(requests_per_second: float) -> InMemoryRateLimiter | None:
    if requests_per_second <= 0:
        return None
    # A bucket of one: requests are spaced out, never sent in a burst after an idle spell.
    return InMemoryRateLimiter(
        requests_per_second=requests_per_second,
        check_every_n_seconds=min(0.1, 1 / (4 * requests_per_second)),
        max_bucket_size=1,
    )
