"""Fencing untrusted text before it reaches the model.

Tool output (code, finding text, catalogue names) is data, never instructions. It goes to the model
between delimiters that carry a fresh random token per call::

    <<UNTRUSTED-3f9c0a1b2d4e5f60 label=read_code>>
    ...data...
    <<END-UNTRUSTED-3f9c0a1b2d4e5f60>>

The data was written before the token existed, so it cannot contain the real closing delimiter;
``neutralise`` also defuses anything that merely looks like one (``<<END-UNTRUSTED``, any case,
full-width or look-alike ``<``, Cyrillic/Greek letters, HTML entities), so a model is not misled
into thinking the fence ended. Characters that hide text from a human reviewer (zero-width, bidi
controls, Unicode tags) are removed first, so they cannot split a look-alike or smuggle text.
"""

from __future__ import annotations

import functools
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from tools.sanitize.invisible import replace_lone_surrogates, without_invisible

DEFUSED = "[delimiter-like text removed]"

# Invisible or format characters that tools/sanitize/invisible.py does not cover: soft hyphen,
# combining grapheme joiner, Arabic letter mark (a bidi control), Hangul/Khmer/Mongolian fillers,
# variation selectors.
_MORE_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0"
    "\U000e0100-\U000e01ef]"
)
# "<" and characters a reader (or a model) may take for "<" or "<<".
_LESS_THAN_LIKE = (
    "<\u00ab\u02c2\u2039\u2264\u226a\u2329\u27e8\u27ea\u276e\u276c\u29fc\u3008\u300a\u1438"
    "\ufe64\uff1c"
)
_OPENER = re.compile(
    "(?:[" + re.escape(_LESS_THAN_LIKE) + r"]|&lt;?|&#0*60;?|&#x0*3c;?)+", re.IGNORECASE
)
_TAIL = re.compile(r"[\s/\\_\-.:|]*(?:end[\s/\\_\-.:|]*)?untrusted")
_WINDOW = 80
"""How far after a ``<`` look-alike a delimiter word is looked for."""
# Latin look-alikes, after NFKC, of the letters in "end" and "untrusted".
_CONFUSABLE = str.maketrans(
    {
        "\u0415": "e",  # Cyrillic capital ie
        "\u0435": "e",  # Cyrillic small ie
        "\u0395": "e",  # Greek capital epsilon
        "\u039d": "n",  # Greek capital nu
        "\u0422": "t",  # Cyrillic capital te
        "\u03a4": "t",  # Greek capital tau
        "\u0405": "s",  # Cyrillic capital dze
        "\u0455": "s",  # Cyrillic small dze
        "\u0500": "d",  # Cyrillic capital komi de
        "\u0501": "d",  # Cyrillic small komi de
        "\u057d": "u",  # Armenian small seh
        "\u03c5": "u",  # Greek small upsilon
    }
)
_LABEL = re.compile(r"[^A-Za-z0-9_.:-]")


def neutralise(text: str) -> str:
    """``text`` safe to put inside a fence: hidden characters removed, delimiter look-alikes
    replaced by ``DEFUSED``. Everything else is left as it is (quotes must stay verbatim)."""
    cleaned = _MORE_INVISIBLE.sub("", without_invisible(replace_lone_surrogates(text)))
    pieces: list[str] = []
    done = 0
    for opener in _OPENER.finditer(cleaned):
        if opener.start() < done:
            continue
        window = cleaned[opener.end() : opener.end() + _WINDOW]
        tail = _TAIL.match(_skeleton(window))
        if tail is None:
            continue
        pieces.append(cleaned[done : opener.start()])
        pieces.append(DEFUSED)
        done = opener.end() + tail.end()
    pieces.append(cleaned[done:])
    return "".join(pieces)


def _skeleton(text: str) -> str:
    """One lower-case Latin-ish character per character of ``text`` (indexes stay aligned)."""
    if text.isascii():
        return text.lower()  # the common case, and NFKC leaves ASCII alone
    return "".join(_fold(char) for char in text)


@functools.lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) != 1:
        return char
    folded = folded.translate(_CONFUSABLE).lower()
    return folded if len(folded) == 1 else char


def _random_token() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True)
class Fence:
    """Wraps untrusted text in delimiters with a new random token on every ``wrap``."""

    token: Callable[[], str] = field(default=_random_token)

    def wrap(self, text: str, *, label: str) -> str:
        """``text`` neutralised and fenced; ``label`` (a tool name) keeps only safe characters."""
        body = neutralise(text)
        token = self.token()
        if not token or not token.isalnum() or not token.isascii():
            raise ValueError("a fence token must be a non-empty ASCII alphanumeric string")
        safe_label = _LABEL.sub("_", label)[:60] or "data"
        return f"<<UNTRUSTED-{token} label={safe_label}>>\n{body}\n<<END-UNTRUSTED-{token}>>"
