"""What every manifest parser returns, the one error they raise, and defensive loaders.

Manifests are attacker-controlled. A parser reads only through the RepoReader, never executes
anything, and raises nothing but :class:`ManifestError` (a whole file it cannot use) or
:class:`~tools.repo.reader.RepoReadError` (a file it may not or cannot read); a bad line or entry
in an otherwise usable file becomes a note in :class:`Parsed` instead.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from typing import Literal

from tools.errors import ToolError
from tools.repo.reader import RepoReader

Scope = Literal["runtime", "dev", "optional"]
Ecosystem = Literal["PyPI", "npm", "Go"]

SCOPE_RANK: dict[Scope, int] = {"runtime": 3, "optional": 2, "dev": 1}
"""The most exposed scope wins when sources disagree: runtime, then optional, then dev."""

MAX_TEXT = 300
"""Longest manifest-derived string carried into the context (versions, specs, locations)."""


class ManifestError(ToolError):
    """A manifest could not be used as a whole (malformed TOML/JSON, wrong shape); says why."""


@dataclass(frozen=True)
class Hit:
    """One place a manifest or lock file mentions the package."""

    manifest: str
    """Repository-relative path of the file holding the entry."""
    where: str
    """Human-readable location: ``requirements.txt:3`` or ``package.json devDependencies``."""
    declares: bool
    """A declaration (the project asks for the package), as opposed to a lock entry."""
    direct: bool | None
    """What this file alone says: declared directly (True), transitive (False), or unknown."""
    direct_why: str
    scope: Scope | None
    scope_why: str
    spec: str | None = None
    """The version requirement as written, for declarations."""
    version: str | None = None
    """The locked (or, for go.mod, selected) version."""
    primary: bool = False
    """For lock entries: the copy the project itself resolves (hoisted / top level)."""
    ranges: tuple[str, ...] = ()
    """For yarn.lock entries: the requested ranges this entry satisfies."""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parsed:
    """A parser's answer for one file: the hits for the package and what a human should know."""

    hits: tuple[Hit, ...] = ()
    notes: tuple[str, ...] = ()
    complete: bool = True
    """False when the file cannot list every direct dependency (dynamic metadata, workspaces
    that were not read): then a lock entry missing from it is not proof of a transitive one."""
    workspaces: tuple[str, ...] = ()
    """package.json ``workspaces`` patterns, for the caller to expand."""


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` with control characters replaced and cut to ``limit`` characters."""
    cleaned = "".join(c if c.isprintable() else "?" for c in text[: limit + 1])
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def read(reader: RepoReader, path: str) -> str:
    """The file's text through the reader (size-capped, confined); RepoReadError otherwise."""
    return reader.read_text(path)


def load_toml(text: str, path: str) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        raise ManifestError(f"{path}: not valid TOML ({clip(str(exc), 120)})") from exc


def load_json(text: str, path: str) -> dict[str, object]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise ManifestError(f"{path}: not valid JSON ({clip(str(exc), 120)})") from exc
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected a JSON object at the top level")
    return data


def table(value: object, where: str) -> dict[str, object]:
    """``value`` as a string-keyed table; {} when absent; ManifestError when it is not one."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ManifestError(f"{where}: expected a table/object, found {type(value).__name__}")
    return value


def array(value: object, where: str) -> list[object]:
    """``value`` as a list; [] when absent; ManifestError when it is not one."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ManifestError(f"{where}: expected an array, found {type(value).__name__}")
    return value


def text_or_none(value: object) -> str | None:
    return clip(value) if isinstance(value, str) else None
