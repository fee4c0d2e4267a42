"""Slack mrkdwn that cannot act: no broadcasts, no user or group pings, no links we did not build.

Slack turns ``<…>`` sequences into links, user and channel mentions, and ``<!channel>``/
``<!here>``/``<!subteam^…>`` broadcasts; escaping ``&``, ``<`` and ``>`` as Slack documents makes
all of them literal text. Invisible characters are removed and reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.sanitize.invisible import strip_invisible

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


@dataclass(frozen=True)
class SlackText:
    text: str
    invisible_removed: int


def escape_slack_mrkdwn(text: str, *, max_length: int = 2900) -> SlackText:
    """Untrusted text made literal for a Slack mrkdwn field (and capped below Slack's 3000)."""
    cleaned, removed = strip_invisible(text)
    escaped = "".join(_ESCAPES.get(char, char) for char in cleaned)
    if len(escaped) > max_length:
        cut = escaped[: max_length - 1]
        # Never leave half an entity behind: "&am" would render as text, but looks broken.
        amp = cut.rfind("&")
        if amp != -1 and ";" not in cut[amp:]:
            cut = cut[:amp]
        escaped = cut + "…"
    return SlackText(text=escaped, invisible_removed=removed)
