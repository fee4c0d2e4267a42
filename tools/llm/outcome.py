"""What a tool hands back to the toolbox, and how it says it could not help."""

from __future__ import annotations

from dataclasses import dataclass

from tools.errors import ToolError


@dataclass(frozen=True)
class ToolOutput:
    text: str
    truncated: bool = False
    """The tool cut its answer short (a line range clamped, matches or sites capped)."""


class ToolUnavailable(ToolError):
    """The tool cannot answer for this case (no repository, no catalogue, no listing)."""


def clip_utf8(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to at most ``limit`` UTF-8 bytes on a character boundary; whether it was cut."""
    encoded = text.encode("utf-8", errors="replace")
    if len(encoded) <= limit:
        return text, False
    return encoded[: max(0, limit)].decode("utf-8", errors="ignore"), True


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8", errors="replace"))
