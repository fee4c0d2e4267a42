"""Putting untrusted text into GitHub Markdown without letting it act.

Scanner messages, paths and code are attacker-influenced. In a ticket they must render as inert
text: no links or images, no ``@mentions`` that page people, no issue references or closing
keywords, no raw HTML. GitHub applies none of those inside code, so untrusted text is only ever
emitted as a code span or a fenced code block, with a fence longer than any backtick run in it.
Richer sanitising (allowlisted links in our own text) lands with the threat-model work.
"""

from __future__ import annotations

import re

_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]"
)
_BACKTICKS = re.compile(r"`+")


def strip_invisible(text: str) -> str:
    """Remove zero-width, bidi-control and Unicode tag characters (used to hide instructions)."""
    return _INVISIBLE.sub("", text)


def inline_code(text: str, *, max_length: int = 500) -> str:
    """One line of untrusted text as a code span, safe inside a table cell."""
    flat = " ".join(strip_invisible(text).split())
    if len(flat) > max_length:
        flat = flat[: max_length - 1] + "…"
    flat = flat.replace("|", "\\|")  # a bare pipe would end the table cell, even in code
    fence = "`" * (_longest_backtick_run(flat) + 1)
    # CommonMark strips one space at each end, so padding keeps edge backticks from merging.
    return f"{fence} {flat} {fence}"


def code_block(text: str, *, language: str | None = None) -> str:
    """Untrusted text as a fenced code block."""
    clean = strip_invisible(text).replace("\r\n", "\n")
    fence = "`" * max(3, _longest_backtick_run(clean) + 1)
    return f"{fence}{language or 'text'}\n{clean}\n{fence}"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)
