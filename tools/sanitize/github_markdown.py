"""GitHub Markdown that cannot act: no images, no foreign links, no mentions, no raw HTML.

The sanitiser parses the document with markdown-it-py (CommonMark plus tables, strikethrough and
GitHub-style autolinks) and inspects each top-level block's tokens. A block that would render an
image, a link to a host outside the allowlist, raw HTML (other than our own case marker), an
``@mention``, a cross-repository reference or a closing keyword is replaced by a fenced code block
of its source: inside code, GitHub renders none of those. It fails closed: what the checks do not
recognise as safe ends up as inert code, never as live Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from tools.sanitize.invisible import strip_invisible

MARKER = re.compile(r"^<!-- appsec-triage:case=\d+ -->$")
_MENTION = re.compile(r"(?<![\w`@/.+-])@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[\w.-]+)?")
_REFERENCE = re.compile(
    r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b\s*:?\s*(?:[\w.-]+/[\w.-]+)?#\d+"
    r"|\b[\w.-]+/[\w.-]+#\d+|\bGH-\d+",
    re.IGNORECASE,
)
_BACKTICKS = re.compile(r"`+")
# GitHub autolinks more than linkify-it recognises (www. before any domain), so prose is also
# searched for anything URL-shaped; only allowlisted https hosts pass.
_URLISH = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\x00]+", re.IGNORECASE)

IMAGES = "images"
FOREIGN_LINKS = "links to hosts outside the allowlist"
RAW_HTML = "raw HTML"
MENTIONS = "@mentions"
REFERENCES = "issue references or closing keywords"
INVISIBLE = "invisible characters"


@dataclass(frozen=True)
class Sanitised:
    text: str
    neutralised: tuple[str, ...]
    """What was found and made inert, one phrase per kind; empty when nothing was."""


def github_parser() -> MarkdownIt:
    """A parser close to GitHub's: CommonMark, tables, strikethrough, autolinks, raw HTML."""
    return MarkdownIt("commonmark", {"html": True, "linkify": True}).enable(
        ["table", "strikethrough", "linkify"]
    )


def sanitise_github_markdown(
    text: str, allowed_hosts: Iterable[str], *, allow_marker: bool = False
) -> Sanitised:
    """The document with every unsafe top-level block turned into a fenced code block.

    ``allow_marker`` lets our own hidden case marker through as the one permitted piece of HTML;
    leave it off for anything that does not yet carry the marker, so a planted one is caught.
    """
    hosts = frozenset(h.lower() for h in allowed_hosts)
    cleaned, invisible = strip_invisible(text.replace("\r\n", "\n").replace("\r", "\n"))
    found: set[str] = {INVISIBLE} if invisible else set()
    lines = cleaned.split("\n")
    tokens = github_parser().parse(cleaned)
    replacements: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        end = _block_end(tokens, index)
        token = tokens[index]
        if token.map is not None:
            problems = _problems(tokens[index : end + 1], hosts, allow_marker=allow_marker)
            if problems:
                found |= problems
                replacements.append((token.map[0], token.map[1]))
        index = end + 1
    for start, stop in reversed(replacements):
        lines[start:stop] = [_fence("\n".join(lines[start:stop]))]
    return Sanitised(text="\n".join(lines), neutralised=tuple(sorted(found)))


def find_problems(
    text: str, allowed_hosts: Iterable[str], *, allow_marker: bool = False
) -> set[str]:
    """What GitHub would render from ``text`` that it must not; empty when it is safe."""
    hosts = frozenset(h.lower() for h in allowed_hosts)
    problems = _problems(github_parser().parse(text), hosts, allow_marker=allow_marker)
    if strip_invisible(text)[1]:
        problems.add(INVISIBLE)
    return problems


def _block_end(tokens: Sequence[Token], start: int) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth <= 0:
            return index
    return len(tokens) - 1


def _problems(tokens: Sequence[Token], hosts: frozenset[str], *, allow_marker: bool) -> set[str]:
    problems: set[str] = set()
    for token in tokens:
        if token.type == "html_block" and not (
            allow_marker and MARKER.match(token.content.strip())
        ):
            problems.add(RAW_HTML)
        for child in token.children or ():
            if child.type == "image":
                problems.add(IMAGES)
            elif child.type == "link_open" and not _allowed(
                str(child.attrGet("href") or ""), hosts
            ):
                problems.add(FOREIGN_LINKS)
            elif child.type == "html_inline":
                problems.add(RAW_HTML)
        if token.type == "inline":
            prose = _prose(token.children or ())
            if _MENTION.search(prose):
                problems.add(MENTIONS)
            if _REFERENCE.search(prose):
                problems.add(REFERENCES)
            if any(not _allowed(_as_url(m.group()), hosts) for m in _URLISH.finditer(prose)):
                problems.add(FOREIGN_LINKS)
    return problems


def _prose(children: Sequence[Token]) -> str:
    """The inline text GitHub scans for mentions and references; code is left out."""
    parts = []
    for child in children:
        if child.type == "text":
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        else:
            parts.append("\x00")  # code spans and markup break a mention or a reference
    return "".join(parts)


def _as_url(found: str) -> str:
    return found if "://" in found else "https://" + found


def _allowed(href: str, hosts: frozenset[str]) -> bool:
    try:
        parts = urlsplit(href)
        host = parts.hostname
    except ValueError:  # e.g. "[" in the host: not a URL we would ever link to
        return False
    return parts.scheme == "https" and (host or "").lower() in hosts


def _fence(block: str) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(block)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{block}\n{fence}"
