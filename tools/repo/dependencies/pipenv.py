"""``Pipfile`` and ``Pipfile.lock`` (Pipenv).

* Pipfile: ``[packages]`` -> runtime, ``[dev-packages]`` -> dev, any other package category
  (Pipenv's custom categories) -> optional. A value is a version string (``"*"``, ``"==1.2"``) or a
  table (``version``, ``git``, ``path``, ``extras``, ``markers``).
* Pipfile.lock: ``default`` -> runtime, ``develop`` -> dev; ``"version": "==1.2.3"`` is the
  locked version. The lock flattens the tree, so direct vs transitive comes from the Pipfile.
"""

from __future__ import annotations

from tools.repo.dependencies.common import (
    Hit,
    ManifestError,
    Parsed,
    Scope,
    clip,
    load_json,
    load_toml,
    read,
    table,
)
from tools.repo.dependencies.names import pypi_name
from tools.repo.reader import RepoReader

_NOT_PACKAGES = frozenset({"source", "requires", "pipenv", "scripts"})


def parse_pipfile(reader: RepoReader, path: str, name: str) -> Parsed:
    data = load_toml(read(reader, path), path)
    hits: list[Hit] = []
    for section, body in data.items():
        if section in _NOT_PACKAGES:
            continue
        scope: Scope = (
            "runtime"
            if section == "packages"
            else "dev"
            if section == "dev-packages"
            else "optional"
        )
        where = f"{path} [{clip(section, 60)}]"
        for key, value in table(body, where).items():
            if pypi_name(key) != name:
                continue
            if isinstance(value, str):
                spec: str | None = value
            elif isinstance(value, dict):
                spec = _table_spec(value)
            else:
                raise ManifestError(f"{where} {clip(key, 60)}: expected a string or a table")
            hits.append(
                Hit(
                    manifest=path,
                    where=f"{where} {clip(key, 100)}",
                    declares=True,
                    direct=True,
                    direct_why=f"{where} declares it",
                    scope=scope,
                    scope_why=f"{where} ({scope})",
                    spec=clip(spec) if spec else None,
                )
            )
    return Parsed(hits=tuple(hits))


def _table_spec(value: dict[str, object]) -> str | None:
    version = value.get("version")
    if isinstance(version, str):
        return version
    for key in ("git", "path", "file"):
        location = value.get(key)
        if isinstance(location, str):
            return f"{key}={location}"
    return None


def parse_pipfile_lock(reader: RepoReader, path: str, name: str) -> Parsed:
    data = load_json(read(reader, path), path)
    hits: list[Hit] = []
    sections: tuple[tuple[str, Scope], ...] = (("default", "runtime"), ("develop", "dev"))
    for section, scope in sections:
        where = f"{path} {section}"
        for key, value in table(data.get(section), where).items():
            if pypi_name(key) != name:
                continue
            entry = table(value, f"{where} {clip(key, 60)}")
            version = entry.get("version")
            locked = clip(version.lstrip("=").strip()) if isinstance(version, str) else None
            hits.append(
                Hit(
                    manifest=path,
                    where=f"{where} {clip(key, 100)}",
                    declares=False,
                    direct=None,
                    direct_why=f"{path} does not record which packages are direct",
                    scope=scope,
                    scope_why=f"{where} ({scope})",
                    version=locked or None,
                    primary=True,
                )
            )
    return Parsed(hits=tuple(hits))
