"""Builds small repositories in a temporary directory and checks dependency contexts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.repo.dependencies import DependencyContext, dependency_context
from tools.repo.dependencies.model import FIELDS
from tools.repo.reader import RepoReader

MAX_FILE_BYTES = 50_000


def make_repo(root: Path, files: dict[str, str]) -> RepoReader:
    root.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return RepoReader(root, max_file_bytes=MAX_FILE_BYTES)


def context(
    reader: RepoReader, ecosystem: str | None, package: str, manifest_path: str | None = None
) -> DependencyContext:
    found = dependency_context(
        reader, ecosystem=ecosystem, package=package, manifest_path=manifest_path
    )
    assert found is not None
    for name in FIELDS:  # every field says where it came from
        assert found.sources_of(name), name
    assert DependencyContext.model_validate_json(found.model_dump_json()) == found
    return found


def check(found: DependencyContext, expected: dict[str, Any]) -> None:
    actual = {key: getattr(found, key) for key in expected}
    assert actual == expected, found.model_dump_json(indent=1)


def has_note(found: DependencyContext, fragment: str) -> bool:
    return any(fragment in note for note in found.notes)
