"""A normalised scanner finding: what every parser produces and the store keeps."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tools.findings.severity import Severity

CweId = Annotated[str, StringConstraints(pattern=r"^CWE-[1-9][0-9]{0,5}$")]


class FindingKind(StrEnum):
    SAST = "sast"
    SCA = "sca"
    # A finding kind, not a password (ruff S105 and Bandit B105 match on the name).
    SECRET = "secret"  # noqa: S105  # nosec B105
    IAC = "iac"
    DAST = "dast"


class Finding(BaseModel):
    """One distinct finding, as a parser reports it.

    Every text field here is untrusted scanner output: it is length-capped on the way in and must be
    escaped on the way out.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FindingKind = FindingKind.SAST
    tool: Annotated[str, Field(min_length=1, max_length=200)]
    tool_version: Annotated[str | None, Field(max_length=100)] = None
    rule_id: Annotated[str, Field(min_length=1, max_length=500)]
    rule_name: Annotated[str | None, Field(max_length=500)] = None
    cwe_ids: tuple[CweId, ...] = ()
    message: Annotated[str, Field(max_length=8000)]
    tool_severity: Severity
    path: Annotated[str | None, Field(max_length=2000)] = None
    start_line: Annotated[int | None, Field(ge=1)] = None
    end_line: Annotated[int | None, Field(ge=1)] = None
    snippet: Annotated[str | None, Field(max_length=8000)] = None
    fingerprint: Annotated[str, Field(min_length=1, max_length=200)]
