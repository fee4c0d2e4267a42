"""``poetry.lock`` and ``uv.lock``: locked versions, and what the lock itself knows of scope.

* poetry.lock: every ``[[package]]`` entry is a lock entry. Scope from ``category``
  (Poetry < 1.5: ``main``/``dev``) or ``groups`` (Poetry 2: ``main`` present -> runtime, else dev),
  ``optional = true`` -> optional. The file does not say which packages are direct: that comes
  from the ``pyproject.toml`` beside it.
* uv.lock: the project's own packages (``source = { editable | virtual = ... }``) list their
  direct dependencies, so the lock says direct vs transitive by itself. A transitive package's
  scope is found by following ``dependencies`` from the members' runtime, optional and dev lists
  (the most exposed reachable one wins).
"""

from __future__ import annotations

from collections import deque

from tools.repo.dependencies.common import (
    SCOPE_RANK,
    Hit,
    ManifestError,
    Parsed,
    Scope,
    array,
    clip,
    load_toml,
    read,
    table,
    text_or_none,
)
from tools.repo.dependencies.names import pypi_name
from tools.repo.dependencies.requirements import is_dev_name
from tools.repo.reader import RepoReader

MAX_GRAPH_NODES = 20_000
_BY_EXPOSURE: tuple[Scope, ...] = ("runtime", "optional", "dev")


def _packages(data: dict[str, object], path: str) -> list[dict[str, object]]:
    packages = []
    for index, entry in enumerate(array(data.get("package"), f"{path} [[package]]")):
        packages.append(table(entry, f"{path} [[package]] #{index + 1}"))
    return packages


def _entry_name(entry: dict[str, object], path: str) -> str:
    value = entry.get("name")
    if not isinstance(value, str):
        raise ManifestError(f"{path}: a [[package]] entry has no name")
    return pypi_name(value)


def parse_poetry_lock(reader: RepoReader, path: str, name: str) -> Parsed:
    data = load_toml(read(reader, path), path)
    hits: list[Hit] = []
    for entry in _packages(data, path):
        if _entry_name(entry, path) != name:
            continue
        where = f"{path} [[package]] {name}"
        scope, scope_why = _poetry_scope(entry, where)
        hits.append(
            Hit(
                manifest=path,
                where=where,
                declares=False,
                direct=None,
                direct_why=f"{path} does not record which packages are direct",
                scope=scope,
                scope_why=scope_why,
                version=text_or_none(entry.get("version")),
                primary=True,
            )
        )
    return Parsed(hits=tuple(hits))


def _poetry_scope(entry: dict[str, object], where: str) -> tuple[Scope | None, str]:
    optional = entry.get("optional") is True
    category = entry.get("category")
    groups = entry.get("groups")
    if isinstance(category, str):
        scope: Scope = "dev" if category == "dev" else "runtime"
        why = f"{where}: category = {clip(category, 40)!r}"
    elif isinstance(groups, list) and groups:
        scope = "runtime" if "main" in groups else "dev"
        why = f"{where}: groups = {clip(', '.join(str(g) for g in groups), 80)}"
    else:
        return None, f"{where}: the lock records no category or groups"
    if optional and scope == "runtime":
        return "optional", f"{why}, optional = true"
    return scope, why


def parse_uv_lock(reader: RepoReader, path: str, name: str) -> Parsed:
    data = load_toml(read(reader, path), path)
    packages = _packages(data, path)
    members: list[dict[str, object]] = []
    graph: dict[str, set[str]] = {}
    for entry in packages:
        entry_name = _entry_name(entry, path)
        source = table(entry.get("source"), f"{path} [[package]] {entry_name} source")
        if "editable" in source or "virtual" in source:
            members.append(entry)
        edges = graph.setdefault(entry_name, set())
        edges.update(_dep_names(entry.get("dependencies"), path))
        if len(graph) > MAX_GRAPH_NODES:
            raise ManifestError(f"{path}: more than {MAX_GRAPH_NODES} packages")
        for items in table(entry.get("optional-dependencies"), path).values():
            edges.update(_dep_names(items, path))  # reached only with the extra: see _reach
    direct_scope: dict[str, tuple[Scope, str]] = {}
    roots: dict[Scope, set[str]] = {"runtime": set(), "optional": set(), "dev": set()}
    for member in members:
        member_name = _entry_name(member, path)
        lists: list[tuple[Scope, str, object]] = [
            ("runtime", "dependencies", member.get("dependencies"))
        ]
        for extra, items in table(member.get("optional-dependencies"), path).items():
            extra_scope: Scope = "dev" if is_dev_name(extra) else "optional"
            lists.append((extra_scope, f"optional-dependencies.{extra}", items))
        for group, items in table(member.get("dev-dependencies"), path).items():
            lists.append(("dev", f"dev-dependencies.{group}", items))
        for scope, label, items in lists:
            names = _dep_names(items, path)
            roots[scope].update(names)
            if name in names:
                why = f"{path} [[package]] {member_name} {clip(label, 80)}"
                current = direct_scope.get(name)
                if current is None or SCOPE_RANK[scope] > SCOPE_RANK[current[0]]:
                    direct_scope[name] = (scope, why)
    hits: list[Hit] = []
    for entry in packages:
        if _entry_name(entry, path) != name or entry in members:
            continue
        where = f"{path} [[package]] {name}"
        scope_found: Scope | None
        if name in direct_scope:
            direct: bool | None = True
            direct_why = f"{direct_scope[name][1]} lists it"
            scope_found, scope_why = direct_scope[name][0], direct_scope[name][1]
        elif members:
            direct = False
            direct_why = f"{path}: no project package lists it; it is pulled in by others"
            scope_found = _reach(graph, roots, name)
            scope_why = (
                f"{path}: reachable from the project's {scope_found} dependencies"
                if scope_found
                else f"{path}: not reachable from the project's dependencies"
            )
        else:
            direct, direct_why = None, f"{path} has no project (editable/virtual) package"
            scope_found, scope_why = None, direct_why
        hits.append(
            Hit(
                manifest=path,
                where=where,
                declares=False,
                direct=direct,
                direct_why=direct_why,
                scope=scope_found,
                scope_why=scope_why,
                version=text_or_none(entry.get("version")),
                primary=True,
            )
        )
    return Parsed(hits=tuple(hits))


def _dep_names(items: object, path: str) -> set[str]:
    names = set()
    for item in array(items, f"{path} dependencies"):
        dependency = table(item, f"{path} dependencies")
        value = dependency.get("name")
        if isinstance(value, str):
            names.add(pypi_name(value))
    return names


def _reach(graph: dict[str, set[str]], roots: dict[Scope, set[str]], name: str) -> Scope | None:
    """The most exposed scope from whose roots ``name`` is reachable (extras over-approximated)."""
    for scope in _BY_EXPOSURE:
        queue = deque(roots[scope])
        seen = set(queue)
        while queue:
            current = queue.popleft()
            if current == name:
                return scope
            for nxt in graph.get(current, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
    return None
