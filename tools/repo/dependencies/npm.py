"""``package.json`` and ``package-lock.json`` / ``npm-shrinkwrap.json``.

* package.json: ``dependencies`` -> runtime, ``devDependencies`` -> dev, ``optionalDependencies``
  -> optional, ``peerDependencies`` -> runtime (the host installs it; npm 7+ does so itself), or
  optional when ``peerDependenciesMeta.<name>.optional`` is true. ``workspaces`` patterns are
  returned for the caller to read the workspace package.json files.
* package-lock v2/v3 (``packages`` map): an entry whose key ends in ``node_modules/<name>`` is a
  lock entry; the one directly under a project (``node_modules/<name>``, one level) is the copy
  the project resolves. ``dev``/``devOptional`` -> dev, ``optional`` -> optional, else runtime.
  The root (``""``) and workspace entries repeat the package.json sections, so the lock says
  direct vs transitive by itself.
* package-lock v1 (``dependencies`` tree, nested): top-level keys are the hoisted copies; the
  lock does not record which are direct (the package.json beside it does).
"""

from __future__ import annotations

from tools.repo.dependencies.common import (
    Hit,
    ManifestError,
    Parsed,
    Scope,
    array,
    clip,
    load_json,
    read,
    table,
    text_or_none,
)
from tools.repo.reader import RepoReader

SECTIONS: tuple[tuple[str, Scope], ...] = (
    ("dependencies", "runtime"),
    ("devDependencies", "dev"),
    ("optionalDependencies", "optional"),
    ("peerDependencies", "runtime"),
)
MAX_V1_DEPTH = 64
MAX_V1_NODES = 200_000


def parse_package_json(reader: RepoReader, path: str, name: str) -> Parsed:
    data = load_json(read(reader, path), path)
    hits: list[Hit] = []
    peer_meta = table(data.get("peerDependenciesMeta"), f"{path} peerDependenciesMeta")
    for section, scope in SECTIONS:
        where = f"{path} {section}"
        deps = table(data.get(section), where)
        if name not in deps:
            continue
        spec = deps[name]
        if not isinstance(spec, str):
            raise ManifestError(f"{where} {clip(name, 100)}: expected a version string")
        why = f"{where} ({scope})"
        notes: tuple[str, ...] = ()
        if section == "peerDependencies":
            optional_peer = table(peer_meta.get(name), path).get("optional") is True
            scope = "optional" if optional_peer else "runtime"
            why = f"{where}: a peer dependency{' marked optional' if optional_peer else ''}"
            notes = (f"{where}: a peer dependency: the host application provides it",)
        hits.append(
            Hit(
                manifest=path,
                where=where,
                declares=True,
                direct=True,
                direct_why=f"{where} declares it",
                scope=scope,
                scope_why=why,
                spec=clip(spec) if spec else None,
                notes=notes,
            )
        )
    return Parsed(hits=tuple(hits), workspaces=_workspaces(data, path))


def _workspaces(data: dict[str, object], path: str) -> tuple[str, ...]:
    value = data.get("workspaces")
    if isinstance(value, dict):
        value = value.get("packages")
    patterns = array(value, f"{path} workspaces")
    return tuple(p for p in patterns if isinstance(p, str))


def parse_package_lock(reader: RepoReader, path: str, name: str) -> Parsed:
    data = load_json(read(reader, path), path)
    if "packages" in data:
        return _lock_v2(data, path, name)
    return _lock_v1(data, path, name)


def _lock_v2(data: dict[str, object], path: str, name: str) -> Parsed:
    packages = table(data.get("packages"), f"{path} packages")
    if "" not in packages:
        raise ManifestError(f"{path}: the packages map has no root entry")
    declared: list[tuple[Scope, str]] = []
    for key, value in packages.items():
        if "node_modules/" in key or key.startswith("node_modules"):
            continue  # installed packages; the rest are the project and its workspaces
        project = table(value, f"{path} packages[{clip(key, 60)!r}]")
        if project.get("link") is True:
            continue
        for section, scope in SECTIONS:
            deps = table(project.get(section), f"{path} packages[{clip(key, 60)!r}] {section}")
            if name in deps:
                declared.append((scope, f"{path} packages[{clip(key, 60)!r}] {section}"))
    hits: list[Hit] = []
    suffix = f"node_modules/{name}"
    for key, value in packages.items():
        if not (key == suffix or key.endswith("/" + suffix)):
            continue
        entry = table(value, f"{path} packages[{clip(key, 100)!r}]")
        where = f"{path} packages[{clip(key, 200)!r}]"
        scope, scope_why = _flags_scope(entry, where)
        if declared:
            direct: bool | None = True
            direct_why = f"{declared[0][1]} lists it"
        else:
            direct, direct_why = False, f"{path}: neither the root nor a workspace lists it"
        hits.append(
            Hit(
                manifest=path,
                where=where,
                declares=False,
                direct=direct,
                direct_why=direct_why,
                scope=scope,
                scope_why=scope_why,
                version=text_or_none(entry.get("version")),
                primary=key.count("node_modules/") == 1,
            )
        )
    return Parsed(hits=tuple(hits))


def _flags_scope(entry: dict[str, object], where: str) -> tuple[Scope, str]:
    if entry.get("dev") is True or entry.get("devOptional") is True:
        return "dev", f"{where}: dev = true" if entry.get(
            "dev"
        ) is True else f"{where}: devOptional"
    if entry.get("optional") is True:
        return "optional", f"{where}: optional = true"
    return "runtime", f"{where}: neither dev nor optional"


def _lock_v1(data: dict[str, object], path: str, name: str) -> Parsed:
    hits: list[Hit] = []
    remaining = MAX_V1_NODES
    stack: list[tuple[dict[str, object], tuple[str, ...]]] = [
        (table(data.get("dependencies"), f"{path} dependencies"), ())
    ]
    while stack:
        deps, parents = stack.pop()
        for key in sorted(deps):
            remaining -= 1
            if remaining < 0:
                raise ManifestError(f"{path}: more than {MAX_V1_NODES} dependency entries")
            chain = (*parents, key)
            entry = table(deps[key], f"{path} dependencies {clip(' > '.join(chain), 200)}")
            if key == name:
                where = f"{path} dependencies {clip(' > '.join(chain), 200)}"
                scope, scope_why = _flags_scope(entry, where)
                hits.append(
                    Hit(
                        manifest=path,
                        where=where,
                        declares=False,
                        direct=None,
                        direct_why=f"{path} (lockfile v1) does not record which are direct",
                        scope=scope,
                        scope_why=scope_why,
                        version=text_or_none(entry.get("version")),
                        primary=not parents,
                    )
                )
            nested = entry.get("dependencies")
            if nested is not None and len(chain) < MAX_V1_DEPTH:
                stack.append((table(nested, f"{path} {key} dependencies"), chain))
    hits.sort(key=lambda hit: (not hit.primary, hit.where))
    return Parsed(hits=tuple(hits))
