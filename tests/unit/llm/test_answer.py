"""The answer schema: anything outside it makes the whole answer invalid."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from agent.llm.answer import ModelAnswer, answer_schema
from agent.proposal import Verdict
from tests.support.llm_wire import VALID_ANSWER
from tools.findings.severity import Severity


def answer(**changes: Any) -> dict[str, Any]:
    return VALID_ANSWER | changes


def test_a_valid_answer_parses_to_enums() -> None:
    parsed = ModelAnswer.model_validate(VALID_ANSWER)
    assert parsed.verdict is Verdict.TRUE_POSITIVE
    assert parsed.severity is Severity.HIGH
    assert parsed.evidence[0].start_line == 5


@pytest.mark.parametrize(
    ("changes", "error_type"),
    [
        ({"verdict": "ignore_finding"}, "enum"),
        ({"severity": "catastrophic"}, "enum"),
        ({"rationale": "x" * 2001}, "string_too_long"),
        ({"fix_recommendation": "x" * 2001}, "string_too_long"),
        ({"confidence": 1.5}, "less_than_equal"),
        ({"confidence": -0.1}, "greater_than_equal"),
        ({"cwe_ids": ["CWE-89", "89"]}, "string_pattern_mismatch"),
        ({"cwe_ids": ["CWE-123456"]}, "string_pattern_mismatch"),
        ({"cwe_ids": [f"CWE-{n}" for n in range(6)]}, "too_long"),
        ({"evidence": [VALID_ANSWER["evidence"][0]] * 6}, "too_long"),
        ({"repository": "someone/else"}, "extra_forbidden"),
        ({"labels": ["wontfix"]}, "extra_forbidden"),
    ],
)
def test_out_of_schema_answers_are_rejected(changes: dict[str, Any], error_type: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ModelAnswer.model_validate(answer(**changes))
    assert error_type in {error["type"] for error in caught.value.errors()}


@pytest.mark.parametrize(
    "evidence",
    [
        {"path": "a.py", "start_line": 0, "end_line": 1, "quote": "x"},
        {"path": "a.py", "start_line": 1, "end_line": 1, "quote": "x" * 2001},
        {"path": "p" * 301, "start_line": 1, "end_line": 1, "quote": "x"},
        {"path": "a.py", "start_line": 1, "end_line": 1, "quote": "x", "repo": "o/r"},
    ],
)
def test_evidence_is_capped_and_closed(evidence: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ModelAnswer.model_validate(answer(evidence=[evidence]))


def test_the_schema_sent_to_the_model_is_closed_at_every_level() -> None:
    schema = answer_schema()
    assert schema["title"] == "ModelAnswer"
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["Evidence"]["additionalProperties"] is False
    assert set(schema["required"]) == set(ModelAnswer.model_fields)
    assert schema["$defs"]["Verdict"]["enum"] == [v.value for v in Verdict]
