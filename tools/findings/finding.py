"""A normalised scanner finding: what every parser produces and the store keeps."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tools.findings.severity import Severity

CweId = Annotated[str, StringConstraints(pattern=r"^CWE-[1-9][0-9]{0,5}$")]
ShortText = Annotated[str, Field(max_length=500)]


class FindingKind(StrEnum):
    SAST = "sast"
    SCA = "sca"
    # A finding kind, not a password (ruff S105 and Bandit B105 match on the name).
    SECRET = "secret"  # noqa: S105  # nosec B105
    IAC = "iac"
    DAST = "dast"


class _Details(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScaDetails(_Details):
    """A vulnerable dependency: which package, which version, what fixes it."""

    kind: Literal[FindingKind.SCA] = FindingKind.SCA
    ecosystem: ShortText | None = None
    """Package ecosystem in OSV spelling where known: PyPI, npm, Go, Maven, …"""
    package: Annotated[str, Field(min_length=1, max_length=500)]
    version: ShortText | None = None
    fixed_versions: tuple[ShortText, ...] = ()
    advisory_ids: tuple[ShortText, ...] = ()
    """CVE, GHSA and other advisory ids, CVEs first."""
    cvss_score: Annotated[float | None, Field(ge=0.0, le=10.0)] = None
    cvss_vector: ShortText | None = None
    location: Annotated[str | None, Field(max_length=2000)] = None
    """Where the package was found when that is not a repository path (an image layer path)."""


class SecretDetails(_Details):
    """A leaked credential. The secret itself is never kept: only a keyed hash and a preview."""

    kind: Literal[FindingKind.SECRET] = FindingKind.SECRET
    secret_type: ShortText
    secret_hmac: Annotated[str, Field(pattern=r"^hmac-sha256:[0-9a-f]{64}$")] | None = None
    """HMAC-SHA256 of the secret under the installation's key; None when the report omits it."""
    masked_preview: Annotated[str, Field(max_length=40)] | None = None
    verified: bool | None = None
    """Whether the scanner confirmed the secret is live; None when it did not check."""
    commit: Annotated[str | None, Field(max_length=100)] = None


class IacDetails(_Details):
    """A misconfiguration in infrastructure code."""

    kind: Literal[FindingKind.IAC] = FindingKind.IAC
    platform: ShortText | None = None
    """terraform, kubernetes, dockerfile, cloudformation, github_actions, …"""
    resource: ShortText | None = None


class DastDetails(_Details):
    """A finding from probing a running application."""

    kind: Literal[FindingKind.DAST] = FindingKind.DAST
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    method: Annotated[str | None, Field(max_length=20)] = None
    parameter: ShortText | None = None


FindingDetails = Annotated[
    ScaDetails | SecretDetails | IacDetails | DastDetails, Field(discriminator="kind")
]


class Finding(BaseModel):
    """One distinct finding, as a parser reports it.

    Every text field here is untrusted scanner output: it is length-capped on the way in and must be
    escaped on the way out. ``details`` carries the kind-specific fields; a SAST finding has none.
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
    details: FindingDetails | None = None

    @model_validator(mode="after")
    def _details_match_kind(self) -> Finding:
        if self.details is not None and self.details.kind != self.kind:
            raise ValueError(f"{self.details.kind} details on a {self.kind} finding")
        return self
