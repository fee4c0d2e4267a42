import re

import pytest

from tools.publish.markdown import code_block, inline_code
from tools.sanitize.invisible import replace_lone_surrogates, strip_invisible


@pytest.mark.parametrize(
    "hostile",
    [
        "@octocat please look",
        "fixes #12",
        "![x](https://evil.example/p.png)",
        "<img src=x>",
        "a ``` b",
        "pipe | breaks tables",
        "`edge`",
    ],
)
def test_inline_code_keeps_untrusted_text_inside_one_code_span(hostile: str) -> None:
    rendered = inline_code(hostile)
    fence = re.match(r"^(`+) ", rendered)
    assert fence is not None
    assert rendered.endswith(" " + fence.group(1))
    inner = rendered[len(fence.group(1)) + 1 : -len(fence.group(1)) - 1]
    assert fence.group(1) not in inner  # nothing can close the span early
    assert "|" not in inner.replace("\\|", "")


def test_code_block_fence_outgrows_backtick_runs_in_the_code() -> None:
    block = code_block("x = '````'\n```\nescape")
    first_line = block.splitlines()[0]
    assert first_line == "`````text"
    assert block.endswith("\n`````")


def test_invisible_and_bidi_characters_are_removed_and_counted() -> None:
    assert strip_invisible("a\u200bb\u202ec\U000e0041d\ufeff") == ("abcd", 4)
    assert "\u2066" not in inline_code("x\u2066y")


def test_lone_surrogates_become_replacement_characters() -> None:
    assert replace_lone_surrogates("a\ud800b\udfffc\U0001f600") == "a\ufffdb\ufffdc\U0001f600"


def test_inline_code_caps_length() -> None:
    assert len(inline_code("a" * 5000, max_length=100)) < 110
