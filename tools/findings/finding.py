"""A normalised scanner finding: what every parser produces and the store keeps."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tools.findings.severity import Severity

CweId = Annotated[str, StringConstraints(pattern=r"^CWE-[1-9][0-9]{0,5}$")]
ShortText = Annotated[str, Field(max_length=500)]
EXCERPT_CHARS = 300
"""How much of an attack prompt or model response an LLM finding keeps."""


class FindingKind(StrEnum):
    SAST = "sast"
    SCA = "sca"
    # A finding kind, not a password (ruff S105 and Bandit B105 match on the name).
    SECRET = "secret"  # noqa: S105  # nosec B105
    IAC = "iac"
    DAST = "dast"
    LLM = "llm"
    MODEL_ARTIFACT = "model_artifact"


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


Excerpt = Annotated[str, Field(max_length=EXCERPT_CHARS)]
FrameworkId = Annotated[
    str, StringConstraints(pattern=r"^(?:LLM(?:0[1-9]|10):2025|AML\.T[0-9]{4}(?:\.[0-9]{3})?)$")
]


class LlmDetails(_Details):
    """A red-team probe that got an AI application to misbehave.

    The prompt and the response are attacker-shaped text: only short excerpts are kept, and they
    are shown as untrusted text like any scanner message.
    """

    kind: Literal[FindingKind.LLM] = FindingKind.LLM
    probe: ShortText
    """The scanner's probe or plugin (garak ``dan.DanInTheWild``, promptfoo ``harmful:hate``)."""
    detector: ShortText | None = None
    goal: ShortText | None = None
    target: ShortText | None = None
    """The model or endpoint under test, as the scanner names it."""
    attempts: Annotated[int | None, Field(ge=0)] = None
    hits: Annotated[int | None, Field(ge=0)] = None
    success_rate: Annotated[float | None, Field(ge=0.0, le=1.0)] = None
    """Share of attempts that succeeded; None when the report only lists the successes."""
    max_score: Annotated[float | None, Field(ge=0.0, le=1.0)] = None
    """The highest detector score among the hits (garak)."""
    prompt_excerpt: Excerpt | None = None
    response_excerpt: Excerpt | None = None
    frameworks: tuple[FrameworkId, ...] = ()
    """OWASP Top 10 for LLM Applications 2025 and MITRE ATLAS ids (config/ai_frameworks.toml)."""


class ModelArtifactDetails(_Details):
    """An unsafe construct in a model file (a pickle that imports ``os.system``)."""

    kind: Literal[FindingKind.MODEL_ARTIFACT] = FindingKind.MODEL_ARTIFACT
    file: Annotated[str, Field(min_length=1, max_length=2000)]
    """The model file as the scanner names it (``models/model.pt``)."""
    member: Annotated[str | None, Field(max_length=2000)] = None
    """The archive member holding the construct (``archive/data.pkl``), for zip-based formats."""
    module: ShortText | None = None
    operator: ShortText | None = None
    frameworks: tuple[FrameworkId, ...] = ()

    @property
    def location(self) -> str:
        """``model.pt:archive/data.pkl``, the scanners' own spelling of a member's place."""
        return f"{self.file}:{self.member}" if self.member else self.file


FindingDetails = Annotated[
    ScaDetails | SecretDetails | IacDetails | DastDetails | LlmDetails | ModelArtifactDetails,
    Field(discriminator="kind"),
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
