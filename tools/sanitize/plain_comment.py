"""Short plain text for fields GitHub shows next to an alert (a dismissal or resolution comment).

Those comments are short (280 characters for code scanning and Dependabot) and may be rendered
as Markdown, so nothing in them may act: no ``@mentions``, ``#123`` references, links,
autolinks (``www.``/``scheme://``), HTML, emphasis or code. Only a conservative set of
characters is kept; anything else becomes a space. The text is built by code from our own
fields; this is the second line of defence for the parts that came from elsewhere.
"""

from __future__ import annotations

import re

from tools.sanitize.invisible import without_invisible

_KEPT = re.compile(r"[^A-Za-z0-9 .,;:()'=+/_-]")
_AUTOLINK = re.compile(r"(?i)www\.|://")
_SPACES = re.compile(r"\s+")


def plain_comment(text: str, *, max_length: int = 280) -> str:
    """``text`` reduced to inert plain text of at most ``max_length`` characters."""
    flat = _KEPT.sub(" ", without_invisible(text))
    while True:  # removing one autolink start can create another ("wwww..")
        cleaned = _AUTOLINK.sub(" ", flat)
        if cleaned == flat:
            break
        flat = cleaned
    flat = _SPACES.sub(" ", flat).strip()
    if len(flat) > max_length:
        flat = flat[: max_length - 3].rstrip() + "..."
    return flat
