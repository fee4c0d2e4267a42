"""The batch config (``appsec-triage batch --config repos.yaml``): repositories, budgets, pace.

Validated in full before anything runs; an error names the file and the field, e.g.
``repos.yaml: repositories[2].github: expected OWNER/REPO``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

Repository = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
]
MAX_CONFIG_BYTES = 1024 * 1024


class BatchConfigError(Exception):
    """The batch config is missing or invalid; the message names the file and the field."""


class Budgets(BaseModel):
    """Per-run limits; a spent budget stops the run cleanly and the next run continues."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_cases: Annotated[int, Field(gt=0)] | None = None
    max_model_tokens: Annotated[int, Field(gt=0)] | None = None
    max_wall_seconds: Annotated[float, Field(gt=0)] | None = None


class RepositoryEntry(BaseModel):
    """One repository: scanner reports on disk, GitHub's alerts, or both."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Repository
    """OWNER/REPO: where the findings are filed, and what tickets may target."""
    reports: tuple[Annotated[str, StringConstraints(min_length=1, max_length=4000)], ...] = ()
    """Paths or globs (``**`` allowed), relative to the config file's directory."""
    repo_root: Path | None = None
    """The checkout the reports' paths are relative to (for code context)."""
    format: Annotated[str, StringConstraints(min_length=1, max_length=50)] | None = None
    """Parse every report as this format instead of detecting it."""
    github: Repository | None = None
    """Also pull this repository's code-scanning, Dependabot and secret-scanning alerts."""

    @model_validator(mode="after")
    def _has_a_source(self) -> RepositoryEntry:
        if not self.reports and self.github is None:
            raise ValueError("give reports (paths or globs), github (OWNER/REPO), or both")
        return self


class BatchConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = 1
    concurrency: Annotated[int, Field(ge=1, le=256)] = 8
    """Cases advanced at the same time; the command line's --concurrency overrides it."""
    lease_seconds: Annotated[int, Field(ge=5, le=86_400)] = 300
    budgets: Budgets = Budgets()
    repositories: Annotated[tuple[RepositoryEntry, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _names_are_unique(self) -> BatchConfig:
        names = [entry.name for entry in self.repositories]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"repositories listed twice: {', '.join(repeated)}")
        return self


def load_batch_config(path: Path) -> BatchConfig:
    """Read and validate ``path``; relative paths in it are resolved against its directory."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise BatchConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    if len(raw) > MAX_CONFIG_BYTES:
        raise BatchConfigError(f"{path}: bigger than {MAX_CONFIG_BYTES} bytes")
    try:
        document = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        raise BatchConfigError(f"{path}: not valid YAML{at}") from exc
    if not isinstance(document, dict):
        raise BatchConfigError(f"{path}: expected a mapping with a 'repositories' list")
    try:
        config = BatchConfig.model_validate(document)
    except ValidationError as exc:
        raise BatchConfigError(_explain(path, exc)) from exc
    base = path.resolve().parent
    return config.model_copy(
        update={
            "repositories": tuple(
                entry.model_copy(
                    update={"repo_root": base / entry.repo_root if entry.repo_root else None}
                )
                for entry in config.repositories
            )
        }
    )


def report_paths(entry: RepositoryEntry, base: Path) -> list[Path]:
    """The files ``entry.reports`` names, relative globs resolved against ``base``, sorted."""
    found: set[Path] = set()
    for pattern in entry.reports:
        given = Path(pattern)
        if given.is_absolute():
            found.update(Path(given.anchor).glob(str(given.relative_to(given.anchor))))
        else:
            found.update(base.glob(pattern))
    return sorted(path for path in found if path.is_file())


def _explain(path: Path, exc: ValidationError) -> str:
    problems = [f"{path}: {_field(error['loc'])}: {error['msg']}" for error in exc.errors()]
    return "\n".join(problems[:20])


def _field(location: tuple[Any, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"
