"""The verdict cache: keys that change with everything that could change the answer."""

from __future__ import annotations

from typing import Any

from agent.llm.cache import cache_key, rebased, slice_hash


def test_the_slice_hash_ignores_indentation_and_blank_lines_only() -> None:
    original = "def f(x):\n    return eval(x)\n"
    assert slice_hash(original) == slice_hash("\n  def f(x):\r\n\n\treturn eval(x)   \n\n")
    assert slice_hash(original) != slice_hash("def f(x):\n    return eval(y)\n")


def test_the_key_changes_with_rule_slice_model_and_prompt() -> None:
    base = {"rule": "semgrep:r", "slice_digest": "a" * 64, "model": "m", "prompt_version": "p/1"}
    key = cache_key(**base)
    for field, other in [
        ("rule", "semgrep:s"),
        ("slice_digest", "b" * 64),
        ("model", "m2"),
        ("prompt_version", "p/2"),
    ]:
        assert cache_key(**(base | {field: other})) != key


def test_a_reused_answer_moves_its_quotes_of_the_slice_only() -> None:
    answer: dict[str, Any] = {
        "verdict": "true_positive",
        "evidence": [
            {"path": "a/x.py", "start_line": 10, "end_line": 11, "quote": "q"},
            {"path": "lib/other.py", "start_line": 3, "end_line": 3, "quote": "r"},
        ],
    }
    moved = rebased(answer, from_path="a/x.py", from_start=8, to_path="b/y.py", to_start=20)
    assert moved["evidence"] == [
        {"path": "b/y.py", "start_line": 22, "end_line": 23, "quote": "q"},
        {"path": "lib/other.py", "start_line": 3, "end_line": 3, "quote": "r"},
    ]
    assert answer["evidence"][0]["path"] == "a/x.py"  # the cached copy is untouched
