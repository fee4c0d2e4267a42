"""``pyproject.toml``: PEP 621, PEP 735 dependency groups, Poetry, and uv's dev dependencies.

* ``[project] dependencies`` -> runtime.
* ``[project.optional-dependencies] <extra>`` -> optional; dev when the extra's name is a
  dev/test/lint/docs token (``dev``, ``test``, ``tests``…), as projects use extras for tooling.
* ``[dependency-groups] <group>`` (PEP 735) and ``[tool.uv] dev-dependencies`` -> dev: groups are
  never installed by a package's users.
* ``[tool.poetry.dependencies]`` -> runtime (``optional = true`` -> optional);
  ``[tool.poetry.dev-dependencies]`` and ``[tool.poetry.group.<g>.dependencies]`` -> dev
  (the ``main`` group -> runtime).
* ``dynamic = ["dependencies"]`` means the list lives elsewhere (setup.py, which is never run):
  the file is then marked incomplete.
"""

from __future__ import annotations

from tools.repo.dependencies.common import (
    Hit,
    ManifestError,
    Parsed,
    Scope,
    array,
    clip,
    load_toml,
    read,
    table,
)
from tools.repo.dependencies.names import pypi_name
from tools.repo.dependencies.requirements import is_dev_name, parse_requirement
from tools.repo.reader import RepoReader


def parse_pyproject(reader: RepoReader, path: str, name: str) -> Parsed:
    data = load_toml(read(reader, path), path)
    hits: list[Hit] = []
    notes: list[str] = []
    project = table(data.get("project"), f"{path} [project]")
    _pep508_list(path, "[project] dependencies", project.get("dependencies"), name, "runtime", hits)
    for extra, items in table(
        project.get("optional-dependencies"), f"{path} [project.optional-dependencies]"
    ).items():
        scope: Scope = "dev" if is_dev_name(extra) else "optional"
        _pep508_list(path, f"[project.optional-dependencies] {extra}", items, name, scope, hits)
    for group, items in table(data.get("dependency-groups"), f"{path} [dependency-groups]").items():
        _pep508_list(path, f"[dependency-groups] {group}", items, name, "dev", hits)
    tool = table(data.get("tool"), f"{path} [tool]")
    uv = table(tool.get("uv"), f"{path} [tool.uv]")
    _pep508_list(path, "[tool.uv] dev-dependencies", uv.get("dev-dependencies"), name, "dev", hits)
    poetry = table(tool.get("poetry"), f"{path} [tool.poetry]")
    _poetry_table(path, "[tool.poetry.dependencies]", poetry.get("dependencies"), name, None, hits)
    _poetry_table(
        path, "[tool.poetry.dev-dependencies]", poetry.get("dev-dependencies"), name, "dev", hits
    )
    for group, body in table(poetry.get("group"), f"{path} [tool.poetry.group]").items():
        group_scope: Scope = "runtime" if group == "main" else "dev"
        deps = table(body, f"{path} [tool.poetry.group.{group}]").get("dependencies")
        _poetry_table(
            path, f"[tool.poetry.group.{group}.dependencies]", deps, name, group_scope, hits
        )
    dynamic = array(project.get("dynamic"), f"{path} [project] dynamic")
    complete = "dependencies" not in dynamic and "optional-dependencies" not in dynamic
    if not complete:
        notes.append(f"{path}: dependencies are dynamic (setup.py or tool configuration, not read)")
    return Parsed(hits=tuple(hits), notes=tuple(notes), complete=complete)


def _pep508_list(
    path: str, section: str, items: object, name: str, scope: Scope, hits: list[Hit]
) -> None:
    where = f"{path} {section}"
    for item in array(items, where):
        if isinstance(item, dict):
            continue  # PEP 735 {include-group = "..."}: the included group is listed itself
        if not isinstance(item, str):
            raise ManifestError(f"{where}: expected requirement strings")
        requirement = parse_requirement(item)
        if requirement is None or pypi_name(requirement.name) != name:
            continue
        notes: tuple[str, ...] = ()
        if requirement.marker:
            notes = (f"{where}: applies only when {clip(requirement.marker, 120)}",)
        hits.append(
            Hit(
                manifest=path,
                where=where,
                declares=True,
                direct=True,
                direct_why=f"{where} declares it",
                scope=scope,
                scope_why=f"{where} ({scope})",
                spec=requirement.spec,
                notes=notes,
            )
        )


def _poetry_table(
    path: str, section: str, deps: object, name: str, scope: Scope | None, hits: list[Hit]
) -> None:
    where = f"{path} {section}"
    for key, value in table(deps, where).items():
        if key == "python" or pypi_name(key) != name:
            continue
        constraints = value if isinstance(value, list) else [value]
        specs: list[str] = []
        optional = False
        for constraint in constraints:
            if isinstance(constraint, str):
                specs.append(constraint)
            elif isinstance(constraint, dict):
                optional = optional or constraint.get("optional") is True
                spec = _poetry_spec(constraint)
                if spec:
                    specs.append(spec)
            else:
                raise ManifestError(f"{where} {key}: expected a string or a table")
        effective: Scope = scope or ("optional" if optional else "runtime")
        hits.append(
            Hit(
                manifest=path,
                where=f"{where} {clip(key, 100)}",
                declares=True,
                direct=True,
                direct_why=f"{where} declares it",
                scope=effective,
                scope_why=f"{where} ({effective}{', optional = true' if optional else ''})",
                spec=clip(" || ".join(specs)) if specs else None,
            )
        )


def _poetry_spec(constraint: dict[str, object]) -> str | None:
    version = constraint.get("version")
    if isinstance(version, str):
        return version
    for key in ("git", "path", "url"):
        value = constraint.get(key)
        if isinstance(value, str):
            return f"{key}={value}"
    return None
