"""Alert comments are inert plain text: nothing in them can mention, link or format."""

from __future__ import annotations

import pytest

from tools.sanitize.plain_comment import plain_comment


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("ping @octo-org/security now", "@"),
        ("see acme/app#12 and GH-3", "#"),
        ("[click](https://evil.example)", "://"),
        ("visit wwww.evil.example", "www."),
        ("<img src=x onerror=alert(1)>", "<"),
        ("**bold** `code` ~~strike~~", "*"),
        ("zero\u200bwidth and bidi \u202e text", "\u202e"),
    ],
)
def test_active_markup_is_removed(text: str, gone: str) -> None:
    assert gone not in plain_comment(text)


def test_plain_text_survives_and_length_is_capped() -> None:
    assert plain_comment("False positive (case 12): input is validated.") == (
        "False positive (case 12): input is validated."
    )
    long = plain_comment("word " * 100, max_length=50)
    assert len(long) == 50 and long.endswith("...")
