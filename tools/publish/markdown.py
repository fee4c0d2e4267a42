"""Putting untrusted text into GitHub Markdown without letting it act.

Scanner messages, paths and code are attacker-influenced. In a ticket they must render as inert
text: no links or images, no ``@mentions`` that page people, no issue references or closing
keywords, no raw HTML. GitHub applies none of those inside code, so untrusted text is only ever
emitted as a code span or a fenced code block, with a fence longer than any backtick run in it.
The whole ticket then goes through tools/sanitize/github_markdown.py as a second line of defence.
"""

from __future__ import annotations

import re

from tools.sanitize.invisible import without_invisible

_BACKTICKS = re.compile(r"`+")


def inline_code(text: str, *, max_length: int = 500) -> str:
    """One line of untrusted text as a code span, safe inside a table cell."""
    flat = " ".join(without_invisible(text).split())
    if len(flat) > max_length:
        flat = flat[: max_length - 1] + "…"
    flat = flat.replace("|", "\\|")  # a bare pipe would end the table cell, even in code
    fence = "`" * (_longest_backtick_run(flat) + 1)
    # CommonMark strips one space at each end, so padding keeps edge backticks from merging.
    return f"{fence} {flat} {fence}"


def code_block(text: str, *, language: str | None = None) -> str:
    """Untrusted text as a fenced code block."""
    clean = without_invisible(text).replace("\r\n", "\n")
    fence = "`" * max(3, _longest_backtick_run(clean) + 1)
    return f"{fence}{language or 'text'}\n{clean}\n{fence}"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)
