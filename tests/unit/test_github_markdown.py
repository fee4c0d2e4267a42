"""GitHub Markdown sanitiser: one row per syntax that can act, and a property over any input."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.sanitize.github_markdown import (
    FOREIGN_LINKS,
    IMAGES,
    INVISIBLE,
    MENTIONS,
    RAW_HTML,
    REFERENCES,
    find_problems,
    github_parser,
    sanitise_github_markdown,
)

HOSTS = frozenset({"cwe.mitre.org", "osv.dev"})

CASES = [
    ("inline image", "see ![x](https://evil.example/p.png)", IMAGES),
    ("reference image", "see ![x][r]\n\n[r]: https://evil.example/p.png", IMAGES),
    ("collapsed reference image", "![r][]\n\n[r]: https://evil.example/p.png", IMAGES),
    ("html img", "text <img src=https://evil.example/p.png> text", RAW_HTML),
    ("html picture", "<picture><source srcset=https://evil.example/p.png></picture>", RAW_HTML),
    ("html block", "<div>\n<img src=x>\n</div>", RAW_HTML),
    ("html comment", "<!-- hidden instructions -->", RAW_HTML),
    ("planted marker", "<!-- appsec-triage:case=7 -->", RAW_HTML),
    ("foreign inline link", "[docs](https://evil.example/?q=secret)", FOREIGN_LINKS),
    ("foreign reference link", "[docs][d]\n\n[d]: https://evil.example", FOREIGN_LINKS),
    ("autolink", "<https://evil.example/x>", FOREIGN_LINKS),
    ("bare url", "exfil https://evil.example/?d=abc here", FOREIGN_LINKS),
    ("bare www", "visit www.evil.com now", FOREIGN_LINKS),
    ("allowed host over http", "[cwe](http://cwe.mitre.org/x)", FOREIGN_LINKS),
    ("bare www with an unknown TLD", "visit www.evil.example now", FOREIGN_LINKS),
    ("bare url in a heading", "# see http://evil.example", FOREIGN_LINKS),
    ("email autolink", "mail user@evil.example.com", FOREIGN_LINKS),
    ("lookalike host", "[x](https://cwe.mitre.org.evil.example/)", FOREIGN_LINKS),
    ("mention", "ping @octocat please", MENTIONS),
    ("team mention", "ping @github/security", MENTIONS),
    ("mention in a table", "| a |\n|---|\n| @octocat |", MENTIONS),
    ("mention in emphasis", "*@octocat*", MENTIONS),
    ("closing keyword", "This fixes #12", REFERENCES),
    ("closing keyword with colon", "Closes: #3", REFERENCES),
    ("cross-repo closing", "resolves other/repo#9", REFERENCES),
    ("cross-repo reference", "see other/repo#9", REFERENCES),
    ("closing keyword split by a line break", "fixes\n#12", REFERENCES),
    ("zero width", "a\u200bb", INVISIBLE),
    ("bidi override", "admin\u202egnp.exe", INVISIBLE),
    ("unicode tags", "hi\U000e0049\U000e0047", INVISIBLE),
]


@pytest.mark.parametrize(("name", "source", "problem"), CASES, ids=[c[0] for c in CASES])
def test_each_syntax_is_found_and_neutralised(name: str, source: str, problem: str) -> None:
    assert problem in find_problems(source, HOSTS)
    result = sanitise_github_markdown(source, HOSTS)
    assert problem in result.neutralised
    assert find_problems(result.text, HOSTS) == set()


SAFE = [
    "plain **bold** and _emphasis_",
    "[CWE-89](https://cwe.mitre.org/data/definitions/89.html)",
    "[x](javascript:alert(1)) is not a link: CommonMark refuses the scheme",
    "code `@octocat fixes #1 ![x](y)` is inert",
    "```\n<img src=x> @octocat fixes #1\n```",
    "| col |\n|---|\n| `x|y` |",
    "issue number 12 without a hash",
]


@pytest.mark.parametrize("source", SAFE)
def test_safe_markdown_is_left_alone(source: str) -> None:
    result = sanitise_github_markdown(source, HOSTS)
    assert result.neutralised == ()
    assert result.text == source


def test_only_the_unsafe_block_is_fenced() -> None:
    source = "# Title\n\nok paragraph\n\nbad ![x](https://e.example/p.png)\n\n- list"
    result = sanitise_github_markdown(source, HOSTS)
    assert result.text.startswith("# Title\n\nok paragraph\n\n```text\nbad ![x]")
    assert result.text.endswith("```\n\n- list")


def test_the_marker_is_allowed_only_when_asked() -> None:
    marker = "body\n\n<!-- appsec-triage:case=7 -->"
    assert sanitise_github_markdown(marker, HOSTS, allow_marker=True).neutralised == ()
    assert RAW_HTML in sanitise_github_markdown(marker, HOSTS).neutralised


class _Rendered(HTMLParser):
    """What GitHub would show, read back with a real HTML parser."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.hosts: list[str] = []
        self.prose: list[str] = []
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("img", "picture", "source", "svg", "video", "iframe"):
            self.images.append(tag)
        if tag == "a":
            href = dict(attrs).get("href") or ""
            try:
                self.hosts.append(urlsplit(href).hostname or href)
            except ValueError:
                self.hosts.append(href)
        if tag in ("code", "pre"):
            self._code += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "pre"):
            self._code -= 1

    def handle_data(self, data: str) -> None:
        if not self._code:
            self.prose.append(data)


_FRAGMENTS = st.sampled_from(
    [
        "![a](https://e.example/i.png)",
        "![b][r]",
        "[r]: https://e.example/r.png",
        "<img src=x>",
        "<picture>",
        "[l](https://e.example)",
        "https://e.example/x",
        "www.e.example",
        "<https://e.example>",
        "@octocat",
        "fixes #1",
        "o/r#2",
        "`",
        "```",
        "~~~",
        "|",
        "---",
        "\n",
        "\n\n",
        "- ",
        "> ",
        "    ",
        "#",
        "*",
        "_",
        "[",
        "]",
        "(",
        ")",
        "<",
        ">",
        "!",
        "\\",
        "&#64;",
        "[ok](https://cwe.mitre.org/x)",
        "\u200b",
        "\u202e",
        "<!--",
        "-->",
        " ",
        "x",
        "1. ",
    ]
)


# Derandomised and without an example database: the same 600 inputs on every run and machine.
@settings(
    max_examples=600,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=8)), max_size=25).map("".join))
def test_no_output_ever_renders_an_image_an_unknown_host_or_a_mention(source: str) -> None:
    result = sanitise_github_markdown(source, HOSTS)
    rendered = _Rendered()
    rendered.feed(github_parser().render(result.text))
    assert rendered.images == []
    assert set(rendered.hosts) <= HOSTS
    assert not re.search(r"(?<![\w`@/.+-])@[A-Za-z0-9]", "\n".join(rendered.prose))
