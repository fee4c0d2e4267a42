"""A tripwire for instruction-like text in findings (prompt-injection attempts).

It decides nothing: a match only flags the case so the approver is warned, and (later) keeps the
model from being the one to weaken it. False positives cost a flag; false negatives cost nothing
the code-enforced guarantees do not already cover.
"""

from __future__ import annotations

import re

from tools.sanitize.invisible import strip_invisible

_PATTERNS = re.compile(
    r"ignore\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier)\s+(?:instructions|rules|prompts?)"
    r"|disregard\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above)"
    r"|(?:mark|classify|treat|report)\s+(?:this|it|the)(?:\s+(?:finding|issue|alert|result))?\s+as\s+(?:a\s+)?(?:false[\s_-]?positive|safe|benign|not\s+a\s+vulnerability)"
    r"|(?:system|developer)\s+prompt|you\s+are\s+now\s|act\s+as\s+(?:an?\s+)?(?:admin|assistant|ai)"
    r"|</?(?:system|instructions?|assistant)>|\bassistant\s*:|\bnew\s+instructions\b"
    r"|do\s+not\s+(?:report|flag|file|escalate)|(?:approve|close)\s+this\s+(?:finding|issue|ticket)"
    r"|\bapprove\s+this\b|open\s+an?\s+(?:issue|ticket|pull\s+request)\s+in\s+(?:another|a\s+different|other)\s+repo",
    re.IGNORECASE,
)


def looks_like_instructions(text: str) -> bool:
    """True when ``text`` addresses a reader as if it could give orders, or hides characters."""
    visible, hidden = strip_invisible(text)
    return hidden > 0 or _PATTERNS.search(visible) is not None
