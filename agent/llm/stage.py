"""The model stage's dependencies, built once from settings and passed to the workflow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from agent.llm.prompts import PROMPT_VERSION
from config.settings import Settings
from tools.intel.cvss import CvssCatalog
from tools.intel.cwe import CweCatalog, load_cwe
from tools.intel.epss import EpssCatalog
from tools.intel.kev import KevCatalog
from tools.llm.toolbox import ToolCatalogs

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from agent.llm.consult import CaseLimits


@dataclass(frozen=True)
class ToolLimits:
    """What the model's tools may spend per case."""

    max_calls: int
    max_bytes: int
    max_seconds: float


@dataclass(frozen=True)
class ModelStage:
    """Everything the consult node needs; absent (None in WorkflowDeps) without a model."""

    chat_model: BaseChatModel
    model_name: str
    """As recorded in usage, the cache key and the audit trail."""
    limits: CaseLimits
    tool_limits: ToolLimits
    structured_output: Literal["json_schema", "function_calling"]
    catalogs: ToolCatalogs
    prompt_version: str = PROMPT_VERSION

    @property
    def cwes(self) -> CweCatalog:
        return self.catalogs.cwe


def build_model_stage(
    settings: Settings,
    *,
    kev: KevCatalog | None,
    epss: EpssCatalog | None,
    advisories: CvssCatalog | None,
) -> ModelStage | None:
    """The configured model and its limits; None when no model is configured."""
    if settings.llm_provider == "none":
        return None
    # Imported here: langchain-openai and the openai SDK add about a second to every command,
    # and the deterministic path (the default) never needs them.
    from agent.llm.consult import CaseLimits
    from agent.llm.model import build_chat_model

    chat_model = build_chat_model(settings)
    if chat_model is None:
        return None
    name = settings.llm_model or settings.llm_azure_deployment or settings.llm_provider
    return ModelStage(
        chat_model=chat_model,
        model_name=name,
        limits=CaseLimits(
            max_turns=settings.llm_max_turns,
            max_tokens=settings.llm_max_tokens_per_case,
            max_seconds=settings.llm_max_seconds_per_case,
        ),
        tool_limits=ToolLimits(
            max_calls=settings.llm_max_tool_calls,
            max_bytes=settings.llm_max_tool_bytes,
            max_seconds=settings.llm_max_seconds_per_case,
        ),
        structured_output=settings.llm_structured_output,
        catalogs=ToolCatalogs(cwe=load_cwe(), kev=kev, epss=epss, advisories=advisories),
    )
