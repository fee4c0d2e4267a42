"""What the model may answer: one typed, capped schema, nothing else.

The answer is a proposal for code to check (evidence against the file, CWE ids against the
catalogue) and for policy to merge; it names no repository, label, assignee or action. Every field
is capped so a hostile model cannot push an unbounded text through; anything outside the schema
(an extra key, an unknown verdict, a sixth quote) makes the whole answer invalid.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from agent.proposal import Verdict
from tools.findings.severity import Severity

MAX_TEXT = 2000
MAX_EVIDENCE = 5
MAX_CWES = 5


class Evidence(BaseModel):
    """A verbatim quote from the repository and where it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: Annotated[
        str, Field(max_length=300, description="Repository-relative path, as read_code took it.")
    ]
    start_line: Annotated[int, Field(ge=1, description="First quoted line (1-based).")]
    end_line: Annotated[int, Field(ge=1, description="Last quoted line (inclusive).")]
    quote: Annotated[
        str,
        Field(
            max_length=MAX_TEXT,
            description="The lines exactly as read_code returned them, minus its line numbers.",
        ),
    ]


CweId = Annotated[str, Field(pattern=r"^CWE-\d{1,5}$")]


class ModelAnswer(BaseModel):
    """Your assessment of the finding. Every quote is checked against the file by code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Annotated[
        Verdict,
        Field(description="needs_human whenever the evidence does not settle the question."),
    ]
    severity: Severity
    rationale: Annotated[str, Field(max_length=MAX_TEXT, description="Why, in plain words.")]
    evidence: Annotated[list[Evidence], Field(max_length=MAX_EVIDENCE)]
    fix_recommendation: Annotated[str, Field(max_length=MAX_TEXT)]
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]
    cwe_ids: Annotated[list[CweId], Field(max_length=MAX_CWES)]


def answer_schema() -> dict[str, Any]:
    """The JSON schema the model is asked to answer in (its title names the answer tool)."""
    return ModelAnswer.model_json_schema()
