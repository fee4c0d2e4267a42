"""AI-finding classes with OWASP LLM Top 10 (2025) and MITRE ATLAS ids, from ``ai_frameworks.toml``.

The mapping is data so an AppSec team can correct it without a code change; this module only
checks it (every id known and well-formed, every class complete) and builds the links, so a link
in a ticket is always ours, never the report's.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

DEFAULT_AI_FRAMEWORKS = Path(__file__).with_name("ai_frameworks.toml")
Framework = Literal["owasp-llm", "atlas"]

_OWASP_ID = re.compile(r"^LLM(0[1-9]|10):2025$")
_ATLAS_ID = re.compile(r"^AML\.T[0-9]{4}(?:\.[0-9]{3})?$")
_SLUG = re.compile(r"[^a-z0-9]+")


class AiFrameworksError(Exception):
    """The AI framework mapping file is missing or invalid."""


@dataclass(frozen=True)
class AiClass:
    name: str
    match: tuple[str, ...]
    owasp_llm: tuple[str, ...]
    atlas: tuple[str, ...]
    remediation: str

    @property
    def frameworks(self) -> tuple[str, ...]:
        return (*self.owasp_llm, *self.atlas)


@dataclass(frozen=True)
class AiFrameworks:
    classes: tuple[AiClass, ...]
    titles: dict[str, str]
    """Framework id → its title in the framework."""

    def classify(self, tool: str, probe: str) -> AiClass | None:
        """The class with the longest prefix ``tool:probe`` starts with (most specific wins)."""
        key = f"{tool.lower()}:{probe.lower()}"
        best: tuple[int, AiClass] | None = None
        for ai_class in self.classes:
            for prefix in ai_class.match:
                if key.startswith(prefix) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), ai_class)
        return best[1] if best else None

    def for_frameworks(self, frameworks: tuple[str, ...]) -> AiClass | None:
        """The class a finding's stored ids came from (for its remediation text)."""
        for ai_class in self.classes:
            if ai_class.frameworks and ai_class.frameworks == frameworks:
                return ai_class
        return None


def framework_of(framework_id: str) -> Framework | None:
    if _OWASP_ID.match(framework_id):
        return "owasp-llm"
    if _ATLAS_ID.match(framework_id):
        return "atlas"
    return None


def framework_link(framework_id: str, title: str | None = None) -> str | None:
    """The framework's own page for ``framework_id``; None for an id we cannot place.

    OWASP's 2025 pages are named after the risk (``llm012025-prompt-injection``), so they need the
    title from the mapping file; without it we link the list.
    """
    owasp = _OWASP_ID.match(framework_id)
    if owasp:
        if not title:
            return "https://genai.owasp.org/llm-top-10/"
        slug = _SLUG.sub("-", title.lower()).strip("-")
        return f"https://genai.owasp.org/llmrisk/llm{owasp.group(1)}2025-{slug}/"
    if _ATLAS_ID.match(framework_id):
        return f"https://atlas.mitre.org/techniques/{framework_id}"
    return None


@cache
def default_ai_frameworks() -> AiFrameworks:
    return load_ai_frameworks(DEFAULT_AI_FRAMEWORKS)


def load_ai_frameworks(path: Path = DEFAULT_AI_FRAMEWORKS) -> AiFrameworks:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AiFrameworksError(f"cannot read AI frameworks {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise AiFrameworksError(f"invalid AI frameworks {path}: {exc}") from exc
    titles = {
        **_titles(data, "owasp_llm", _OWASP_ID, path),
        **_titles(data, "atlas", _ATLAS_ID, path),
    }
    classes = data.get("classes")
    if not isinstance(classes, dict) or not classes:
        raise AiFrameworksError(f"{path}: a [classes.<name>] table is required")
    parsed = tuple(_class(name, body, titles, path) for name, body in classes.items())
    seen: dict[str, str] = {}
    for ai_class in parsed:
        for prefix in ai_class.match:
            if prefix in seen:
                raise AiFrameworksError(
                    f"{path}: {prefix!r} is matched by both {seen[prefix]!r} and {ai_class.name!r}"
                )
            seen[prefix] = ai_class.name
    return AiFrameworks(classes=parsed, titles=titles)


def _titles(
    data: dict[str, Any], table: str, pattern: re.Pattern[str], path: Path
) -> dict[str, str]:
    entries = data.get(table)
    if not isinstance(entries, dict):
        raise AiFrameworksError(f"{path}: a [{table}] table of id = title is required")
    for key, title in entries.items():
        if not pattern.match(key) or not isinstance(title, str) or not title.strip():
            raise AiFrameworksError(f"{path}: [{table}] {key!r} is not a valid id with a title")
    return dict(entries)


def _class(name: str, body: Any, titles: dict[str, str], path: Path) -> AiClass:
    where = f"{path}: [classes.{name}]"
    if not isinstance(body, dict):
        raise AiFrameworksError(f"{where} must be a table")
    unknown = set(body) - {"match", "owasp_llm", "atlas", "remediation"}
    if unknown:
        raise AiFrameworksError(f"{where}: unknown keys {sorted(unknown)}")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("match", "owasp_llm", "atlas"):
        value = body.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise AiFrameworksError(f"{where}: {key} must be a non-empty list of strings")
        lists[key] = tuple(value)
    for framework_id in (*lists["owasp_llm"], *lists["atlas"]):
        if framework_id not in titles:
            raise AiFrameworksError(f"{where}: {framework_id!r} is not listed with a title")
    if any(framework_of(i) != "owasp-llm" for i in lists["owasp_llm"]) or any(
        framework_of(i) != "atlas" for i in lists["atlas"]
    ):
        raise AiFrameworksError(f"{where}: an id is in the wrong framework's list")
    if any(prefix != prefix.lower() or ":" not in prefix for prefix in lists["match"]):
        raise AiFrameworksError(f"{where}: match prefixes are lower-case 'tool:probe'")
    remediation = body.get("remediation")
    if not isinstance(remediation, str) or not remediation.strip():
        raise AiFrameworksError(f"{where}: remediation text is required")
    return AiClass(
        name=name,
        match=lists["match"],
        owasp_llm=lists["owasp_llm"],
        atlas=lists["atlas"],
        remediation=" ".join(remediation.split()),
    )
