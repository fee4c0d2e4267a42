"""Helpers the AI-scanner formats share: excerpts of attacker-shaped text, framework ids.

garak and promptfoo store the attack prompts and the model's answers. Those are written to make a
model misbehave, so we keep only a short, single-line excerpt: enough for an analyst to recognise
the attack, too little to carry a working payload into a ticket or a prompt of ours. The excerpt
is still untrusted text and goes through the same escaping as any scanner message.
"""

from __future__ import annotations

from config.ai_frameworks import default_ai_frameworks
from tools.findings.finding import EXCERPT_CHARS
from tools.sanitize.invisible import without_invisible

_SHORT = 500


def excerpt(text: str | None) -> str | None:
    """``text`` on one line, without invisible characters, cut to EXCERPT_CHARS."""
    if not text:
        return None
    flat = " ".join(without_invisible(text[: EXCERPT_CHARS * 4]).split())
    if len(flat) > EXCERPT_CHARS:
        flat = flat[: EXCERPT_CHARS - 1] + "…"
    return flat or None


def short(text: str | None) -> str | None:
    return text[:_SHORT] if text else None


def frameworks(tool: str, probe: str) -> tuple[str, ...]:
    """OWASP LLM and ATLAS ids for a probe, from config/ai_frameworks.toml; () when unmapped."""
    ai_class = default_ai_frameworks().classify(tool, probe)
    return ai_class.frameworks if ai_class else ()
