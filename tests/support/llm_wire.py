"""Settings that point the real model clients at the OpenAI stub, and a valid answer to script."""

from __future__ import annotations

from typing import Any, Literal

from config.settings import Settings
from tests.support.openai_stub import OpenAIStub

Provider = Literal["openai", "azure"]
Method = Literal["json_schema", "function_calling"]

VALID_ANSWER: dict[str, Any] = {
    "verdict": "true_positive",
    "severity": "high",
    "rationale": "yaml.load runs on request data without a safe loader.",
    "evidence": [
        {
            "path": "app/views.py",
            "start_line": 5,
            "end_line": 5,
            "quote": "    return yaml.load(data)",
        }
    ],
    "fix_recommendation": "Use yaml.safe_load.",
    "confidence": 0.9,
    "cwe_ids": ["CWE-502"],
}


def stub_settings(
    stub: OpenAIStub,
    provider: Provider = "openai",
    method: Method = "json_schema",
    **overrides: Any,
) -> Settings:
    """Settings for ``provider`` served by ``stub``: no client-side rate limit, fast retries."""
    common: dict[str, Any] = {
        "llm_provider": provider,
        "llm_model": "gpt-4o-mini",
        "llm_structured_output": method,
        "llm_requests_per_second": 0,
        "llm_max_retries": 2,
        "llm_timeout_seconds": 10,
    }
    if provider == "azure":
        common |= {
            "llm_azure_endpoint": stub.azure_endpoint,
            "llm_azure_deployment": stub.deployment,
            "azure_openai_api_key": stub.api_key,
        }
    else:
        common |= {"llm_base_url": stub.openai_base_url, "openai_api_key": stub.api_key}
    return Settings(**(common | overrides))
