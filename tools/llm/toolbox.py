"""The model's only way to look at anything: a fixed set of read-only tools bound to one case.

``build_toolbox`` binds the tools to the case's repository source, finding text and catalogues;
``Toolbox.call`` is what the model loop calls for each tool call the model makes. Every call, good
or bad, leaves a ``ToolCallRecord``. What the model gets back is either the tool's output (known
token shapes masked, neutralised, byte-capped, fenced as untrusted data) or a short error text
saying what was wrong (never a traceback, never the tool's raw exception chain).

The model misbehaving is expected, so it never raises: an unknown tool, arguments that are not a
JSON object, extra or out-of-range arguments, a path that leaves the repository, and an exhausted
budget each come back as an error text with the violation recorded. Missing files and unavailable
tools are ordinary failures (``ok=False`` without a violation).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from tools.errors import ToolError
from tools.intel.cvss import CvssCatalog
from tools.intel.cwe import CweCatalog
from tools.intel.epss import EpssCatalog
from tools.intel.kev import KevCatalog
from tools.llm.budget import BudgetExhausted, ToolBudget
from tools.llm.fence import Fence, neutralise
from tools.llm.outcome import ToolOutput, clip_utf8, utf8_size
from tools.llm.sensitive import mask_tokens
from tools.llm.tools import advisory_lookup as advisory_tool
from tools.llm.tools import cwe_lookup as cwe_tool
from tools.llm.tools import finding_context as finding_tool
from tools.llm.tools import read_code as read_tool
from tools.llm.tools import search_repo as search_tool
from tools.llm.tools import who_imports as imports_tool
from tools.repo.reader import PathRefused
from tools.repo.source import RepoSource

Violation = Literal["unknown_tool", "bad_arguments", "path_refused", "budget_exhausted"]

DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024
"""One call's output at most (about 4,000 tokens), before the fence."""
MAX_ARGUMENT_CHARS = 8 * 1024
"""Raw JSON arguments longer than this are refused unread."""
_MAX_ERROR_CHARS = 300
_CUT_NOTE = "\n[output cut at the size limit]"


@dataclass(frozen=True)
class ToolCallRecord:
    name: str
    """The tool name as the model gave it (neutralised, capped): an unknown one is kept too."""
    ok: bool
    violation: Violation | None
    bytes_returned: int
    """UTF-8 bytes of tool output charged to the budget (0 for an error)."""
    truncated: bool = False
    """The output was cut: by the tool's own bounds or the byte caps."""


@dataclass(frozen=True)
class ToolCatalogs:
    cwe: CweCatalog
    kev: KevCatalog | None
    epss: EpssCatalog | None
    advisories: CvssCatalog | None


@dataclass(frozen=True)
class _Tool:
    name: str
    description: str
    args: type[BaseModel]
    run: Callable[[Any], ToolOutput]


class Toolbox:
    """The tools of one case, its budget and the record of every call made."""

    def __init__(
        self,
        tools: tuple[_Tool, ...],
        *,
        budget: ToolBudget,
        fence: Fence,
        max_output_bytes: int,
    ) -> None:
        self._tools = {tool.name: tool for tool in tools}
        self._budget = budget
        self._fence = fence
        self._max_output_bytes = max_output_bytes
        self._records: list[ToolCallRecord] = []

    def specs(self) -> list[dict[str, Any]]:
        """The tools in OpenAI's ``tools`` format; parameters are the argument models' schemas."""
        return [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.args.model_json_schema(),
                },
            }
            for tool in self._tools.values()
        ]

    @property
    def records(self) -> tuple[ToolCallRecord, ...]:
        return tuple(self._records)

    @property
    def exhausted(self) -> str | None:
        """Why the budget allows no further call, or None."""
        return self._budget.exhausted

    def call(self, name: str, arguments: Mapping[str, Any] | str) -> str:
        """Run one tool call the model asked for; never raises for anything the model sent."""
        shown = _short(name) if isinstance(name, str) else "?"
        tool = self._tools.get(name) if isinstance(name, str) else None
        try:
            self._budget.charge_call()
        except BudgetExhausted as exc:
            return self._refuse(shown, "budget_exhausted", f"{exc}. Answer now with what you have.")
        if tool is None:
            known = ", ".join(self._tools)
            return self._refuse(shown, "unknown_tool", f"no tool named {shown!r}; tools: {known}")
        try:
            args = tool.args.model_validate(_parse_arguments(arguments))
        except _BadArguments as exc:
            return self._refuse(tool.name, "bad_arguments", str(exc))
        except ValidationError as exc:
            return self._refuse(tool.name, "bad_arguments", _explain(exc))
        try:
            output = tool.run(args)
        except PathRefused as exc:
            return self._refuse(tool.name, "path_refused", str(exc))
        except ToolError as exc:  # missing file, too big, tool unavailable: not misbehaviour
            return self._refuse(tool.name, None, str(exc))
        except OSError as exc:  # e.g. a file the service account may not read
            return self._refuse(tool.name, None, f"cannot read: {exc.strerror or exc}")
        return self._deliver(tool.name, output)

    def _deliver(self, name: str, output: ToolOutput) -> str:
        limit = min(self._max_output_bytes, self._budget.remaining_bytes)
        # Neutralising works on a bounded prefix: it never triples the text, so 4x is plenty.
        raw, _ = clip_utf8(output.text, 4 * limit + 1024)
        text = neutralise(mask_tokens(raw))
        if utf8_size(text) > limit:
            cut = True
            kept, _ = clip_utf8(text, max(0, limit - utf8_size(_CUT_NOTE)))
            text, _ = clip_utf8(kept + _CUT_NOTE, limit)
        else:
            cut = False
        size = utf8_size(text)
        self._budget.charge_bytes(size)  # cannot exceed: clipped to what remains
        self._records.append(
            ToolCallRecord(
                name=name,
                ok=True,
                violation=None,
                bytes_returned=size,
                truncated=output.truncated or cut,
            )
        )
        return self._fence.wrap(text, label=name)

    def _refuse(self, name: str, violation: Violation | None, reason: str) -> str:
        self._records.append(
            ToolCallRecord(name=name, ok=False, violation=violation, bytes_returned=0)
        )
        return f"ERROR from {name}: {_short(reason, _MAX_ERROR_CHARS)}"


class _BadArguments(ValueError):
    pass


def _parse_arguments(arguments: object) -> dict[str, Any]:
    """The model's arguments as a dict: a JSON object string or a mapping; nothing else."""
    if isinstance(arguments, str):
        if len(arguments) > MAX_ARGUMENT_CHARS:
            raise _BadArguments(f"arguments longer than {MAX_ARGUMENT_CHARS} characters")
        if not arguments.strip():
            return {}  # some models send "" for a tool without parameters
        try:
            parsed = json.loads(arguments)
        except (ValueError, RecursionError) as exc:
            raise _BadArguments(f"arguments are not valid JSON ({exc})") from None
        arguments = parsed
    if not isinstance(arguments, Mapping):
        raise _BadArguments("arguments must be a JSON object")
    return {str(key): value for key, value in arguments.items()}


def _explain(error: ValidationError) -> str:
    """Which arguments were wrong and why, without echoing their values."""
    problems = []
    for detail in error.errors(include_input=False, include_url=False)[:5]:
        where = ".".join(str(part) for part in detail["loc"]) or "arguments"
        problems.append(f"{where}: {detail['msg']}")
    return "bad arguments: " + "; ".join(problems)


def _short(text: str, limit: int = 80) -> str:
    """Untrusted text made fit for an error line: neutralised, printable, one line, capped."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in neutralise(text))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def build_toolbox(
    *,
    finding_text: str,
    source: RepoSource | None,
    catalogs: ToolCatalogs,
    budget: ToolBudget,
    fence: Fence,
    max_lines_per_read: int = 200,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    search_limits: search_tool.SearchLimits | None = None,
) -> Toolbox:
    """The six read-only tools bound to one case.

    All six are always offered, so the tool list (and a cached prompt) is the same for every
    case; a tool that cannot work for this case (no repository, no listing, no local checkout)
    answers that it is unavailable.
    """
    if max_lines_per_read < 1 or max_output_bytes < 1:
        raise ValueError("max_lines_per_read and max_output_bytes must be positive")
    limits = search_limits or search_tool.SearchLimits()
    tools = (
        _Tool(
            read_tool.NAME,
            read_tool.DESCRIPTION.format(max_lines=max_lines_per_read),
            read_tool.ReadCodeArgs,
            lambda args: read_tool.read_code(source, args, max_lines=max_lines_per_read),
        ),
        _Tool(
            search_tool.NAME,
            search_tool.DESCRIPTION,
            search_tool.SearchRepoArgs,
            lambda args: search_tool.search_repo(source, args, limits=limits),
        ),
        _Tool(
            finding_tool.NAME,
            finding_tool.DESCRIPTION,
            finding_tool.FindingContextArgs,
            lambda args: finding_tool.finding_context(finding_text, args),
        ),
        _Tool(
            cwe_tool.NAME,
            cwe_tool.DESCRIPTION,
            cwe_tool.CweLookupArgs,
            lambda args: cwe_tool.cwe_lookup(catalogs.cwe, args),
        ),
        _Tool(
            advisory_tool.NAME,
            advisory_tool.DESCRIPTION,
            advisory_tool.AdvisoryLookupArgs,
            lambda args: advisory_tool.advisory_lookup(
                args, cvss=catalogs.advisories, kev=catalogs.kev, epss=catalogs.epss
            ),
        ),
        _Tool(
            imports_tool.NAME,
            imports_tool.DESCRIPTION,
            imports_tool.WhoImportsArgs,
            lambda args: imports_tool.who_imports(source, args),
        ),
    )
    return Toolbox(tools, budget=budget, fence=fence, max_output_bytes=max_output_bytes)
