"""Characters that hide text from a human reviewer while a machine still reads it."""

from __future__ import annotations

import re

# Zero-width (U+200B..U+200D, U+2060..U+2064, U+FEFF), directional marks and embeddings
# (U+200E..U+200F, U+202A..U+202E, U+2066..U+2069), and the Unicode tag block used for
# "ASCII smuggling" (U+E0000..U+E007F).
_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]"
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def strip_invisible(text: str) -> tuple[str, int]:
    """The text without invisible characters, and how many were removed."""
    cleaned, removed = _INVISIBLE.subn("", text)
    return cleaned, removed


def without_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


def replace_lone_surrogates(text: str) -> str:
    """Lone UTF-16 surrogates (legal in JSON escapes, illegal in UTF-8) become U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)
