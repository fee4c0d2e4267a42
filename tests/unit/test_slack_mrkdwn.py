"""Slack mrkdwn escaping: every control sequence Slack acts on becomes literal text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.sanitize.slack_mrkdwn import escape_slack_mrkdwn

CASES = [
    ("channel broadcast", "<!channel> look", "&lt;!channel&gt; look"),
    ("here broadcast", "<!here>", "&lt;!here&gt;"),
    ("everyone broadcast", "<!everyone>", "&lt;!everyone&gt;"),
    ("user mention", "<@U024BE7LH> approve this", "&lt;@U024BE7LH&gt; approve this"),
    ("group mention", "<!subteam^SAZ94GDB8>", "&lt;!subteam^SAZ94GDB8&gt;"),
    ("channel link", "<#C024BE7LR>", "&lt;#C024BE7LR&gt;"),
    (
        "disguised link",
        "<https://evil.example|click here>",
        "&lt;https://evil.example|click here&gt;",
    ),
    ("ampersand first", "&lt;!here&gt;", "&amp;lt;!here&amp;gt;"),
    ("date token", "<!date^1392734382^{date}|Feb 18>", "&lt;!date^1392734382^{date}|Feb 18&gt;"),
]


@pytest.mark.parametrize(("name", "source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_control_sequences_become_literal(name: str, source: str, expected: str) -> None:
    assert escape_slack_mrkdwn(source).text == expected


def test_invisible_characters_are_removed_and_counted() -> None:
    result = escape_slack_mrkdwn("ok\u200b\u202e\U000e0041")
    assert (result.text, result.invisible_removed) == ("ok", 3)


def test_long_text_is_capped_without_a_broken_entity() -> None:
    result = escape_slack_mrkdwn("<" * 5000, max_length=100)
    assert len(result.text) <= 100
    assert re.fullmatch(r"(&lt;)+…", result.text)


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text())
def test_no_output_contains_a_raw_angle_bracket(source: str) -> None:
    text = escape_slack_mrkdwn(source).text
    assert "<" not in text and ">" not in text
    assert not re.search(r"&(?!amp;|lt;|gt;)", text)
