"""``--model CONFIG``: which real model an eval runs against, from a TOML file or the environment.

The file holds everything but the key (see evals/models/*.example.toml)::

    provider = "openai"                      # openai (also vLLM, Ollama, LiteLLM) or azure
    model = "gpt-4o-mini"
    base_url = "https://api.openai.com/v1"   # a local vLLM: http://localhost:8000/v1
    structured_output = "json_schema"        # or "function_calling" for servers without it

Each key is the ``APPSEC_TRIAGE_LLM_*`` setting of the same name (``base_url`` is
``llm_base_url``), so the eval runs the model exactly as ``appsec-triage triage`` would. Keys come
from the environment only (``APPSEC_TRIAGE_OPENAI_API_KEY``, ``APPSEC_TRIAGE_AZURE_OPENAI_API_KEY``,
read by config/settings.py): a key in the file is refused, so a config can be committed and shared.
``--model env`` takes every ``APPSEC_TRIAGE_LLM_*`` setting from the environment instead.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.settings import Settings

FROM_ENVIRONMENT = "env"
_KEYS = frozenset(
    {
        "provider",
        "model",
        "base_url",
        "azure_endpoint",
        "azure_deployment",
        "azure_api_version",
        "structured_output",
        "timeout_seconds",
        "max_retries",
        "requests_per_second",
        "max_reply_tokens",
        "max_turns",
        "max_tokens_per_case",
        "max_tool_calls",
        "max_tool_bytes",
        "max_seconds_per_case",
    }
)
_SECRET_WORDS = ("key", "token", "secret", "password")


class ModelConfigError(Exception):
    """The model config cannot be used; the message says what to change."""


def load_model_config(spec: str) -> dict[str, Any]:
    """The ``llm_*`` settings ``spec`` (a TOML path, or ``env``) asks for, checked by Settings."""
    if spec == FROM_ENVIRONMENT:
        overrides: dict[str, Any] = {}
    else:
        overrides = _from_file(Path(spec))
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        raise ModelConfigError(f"model config {spec}: {problems}") from exc
    if settings.llm_provider == "none":
        raise ModelConfigError(
            f"model config {spec}: no model (provider none); set provider in the file, or "
            "APPSEC_TRIAGE_LLM_PROVIDER for --model env"
        )
    return overrides


def _from_file(path: Path) -> dict[str, Any]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelConfigError(f"cannot read model config {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ModelConfigError(f"model config {path} is not TOML: {exc}") from exc
    secrets = sorted(k for k in raw if any(word in k.lower() for word in _SECRET_WORDS))
    if secrets:
        raise ModelConfigError(
            f"model config {path} holds {', '.join(secrets)}: keys come from the environment "
            "only (APPSEC_TRIAGE_OPENAI_API_KEY or APPSEC_TRIAGE_AZURE_OPENAI_API_KEY)"
        )
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ModelConfigError(
            f"model config {path}: unknown key(s) {', '.join(unknown)}; known: "
            f"{', '.join(sorted(_KEYS))}"
        )
    return {f"llm_{key}": value for key, value in raw.items()}


def model_label(overrides: dict[str, Any]) -> str:
    """The configured model's name as a file-name part, for its own baseline file."""
    settings = Settings(**overrides)
    name = settings.llm_model or settings.llm_azure_deployment or settings.llm_provider
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "model"
