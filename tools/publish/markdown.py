"""Putting untrusted text into GitHub Markdown without letting it act.

Scanner messages and code are attacker-influenced. In a ticket they must render as inert text: no
links or images, no ``@mentions`` that page people, no closing keywords that close other issues, no
raw HTML. This is the minimal, conservative version; richer sanitising lands with the threat-model
work (see docs/architecture.md).
"""

from __future__ import annotations

import re

_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]"
)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")
_CLOSING_KEYWORD = re.compile(
    r"\b(close[sd]?|fix(?:e[sd])?|resolve[sd]?)(\s*:?\s*)(?=[\w./-]*#\d)", re.IGNORECASE
)


def strip_invisible(text: str) -> str:
    """Remove zero-width, bidi-control and Unicode tag characters (used to hide instructions)."""
    return _INVISIBLE.sub("", text)


def inline_text(text: str, *, max_length: int = 2000) -> str:
    """One line of inert Markdown text."""
    flat = " ".join(strip_invisible(text).split())
    if len(flat) > max_length:
        flat = flat[: max_length - 1] + "…"
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", flat)
    # "&#64;" renders as "@" but GitHub does not turn it into a mention.
    escaped = escaped.replace("@", "&#64;")
    return _CLOSING_KEYWORD.sub(lambda m: m.group(1) + "\u2060" + m.group(2), escaped)


def code_block(code: str, *, language: str | None = None) -> str:
    """A fenced code block whose fence is longer than any backtick run inside the code."""
    clean = strip_invisible(code).replace("\r\n", "\n")
    longest = max((len(run) for run in re.findall(r"`+", clean)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language or ''}\n{clean}\n{fence}"
