"""The dependency context of an SCA finding: JSON-native, so it can live in checkpoints."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tools.repo.dependencies.common import MAX_TEXT, Ecosystem, Scope

MAX_NOTES = 25
MAX_NOTE_CHARS = 500
MAX_IMPORT_SITES = 5

FieldName = Literal[
    "manifest",
    "direct",
    "scope",
    "declared_version",
    "locked_version",
    "imported",
    "import_sites",
]
FIELDS: tuple[FieldName, ...] = (
    "manifest",
    "direct",
    "scope",
    "declared_version",
    "locked_version",
    "imported",
    "import_sites",
)

Note = Annotated[str, Field(max_length=MAX_NOTE_CHARS)]


class FieldSource(BaseModel):
    """Where one field's value came from (a file and location, or the scan that decided it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: FieldName
    origin: Annotated[str, Field(min_length=1, max_length=MAX_NOTE_CHARS)]


class DependencyContext(BaseModel):
    """What the repository says about one dependency. Every string in it is untrusted text
    taken from the repository (paths, version specs, notes) and must be escaped on the way out.

    Every field in FIELDS has at least one entry in ``sources``, including the unknown (None)
    ones, which say why they are unknown.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    ecosystem: Ecosystem
    package: Annotated[str, Field(min_length=1, max_length=500)]
    """The name as compared: PEP 503-normalised for PyPI, as written for npm and Go."""
    manifest: Annotated[str | None, Field(max_length=2000)]
    """Where it is declared directly; else the lock file it was found in; None if not found."""
    direct: bool | None
    """Declared directly (True) or only pulled in by other packages (False); None: unknown."""
    scope: Scope | None
    """The most exposed scope any manifest or lock gives it: runtime > optional > dev."""
    declared_version: Annotated[str | None, Field(max_length=MAX_TEXT)]
    """The version requirement as written in the declaring manifest."""
    locked_version: Annotated[str | None, Field(max_length=MAX_TEXT)]
    """The version a lock file (or go.mod) pins; None when not locked or when several are."""
    imported: bool | None
    """Imported by the repository's code; None when the scan was cut short or incomplete."""
    import_sites: Annotated[tuple[Annotated[str, Field(max_length=2100)], ...], Field(max_length=5)]
    """Up to five ``path:line``, production code first."""
    notes: Annotated[tuple[Note, ...], Field(max_length=MAX_NOTES)]
    sources: tuple[FieldSource, ...]

    @model_validator(mode="after")
    def _every_field_has_a_source(self) -> DependencyContext:
        missing = [f for f in FIELDS if not any(s.field == f for s in self.sources)]
        if missing:
            raise ValueError(f"no source for {', '.join(missing)}")
        return self

    def sources_of(self, field: FieldName) -> tuple[str, ...]:
        return tuple(s.origin for s in self.sources if s.field == field)
