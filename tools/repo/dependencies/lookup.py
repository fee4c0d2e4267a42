"""The entry point: find a package in the repository's manifests and code, and say how it is used.

Which files are read:

* ``manifest_path`` given (the file the scanner named): that file and every recognised manifest in
  the same directory (for a path inside ``node_modules``, the directory that holds it). If that
  directory holds no manifest of the ecosystem, the repository is searched instead.
* otherwise: a breadth-first walk from the root, at most MAX_MANIFEST_DEPTH directories deep and
  MAX_MANIFESTS files, skipping walk.SKIP_DIRS.
* plus the package.json of npm workspaces a package.json names.

How each field is decided is documented on DependencyContext and in each parser module; every
field's origin is recorded in ``sources``. Nothing in the repository is executed, every read goes
through the RepoReader, and an unreadable or malformed manifest becomes a note.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field

from tools.repo.dependencies.common import (
    SCOPE_RANK,
    Ecosystem,
    Hit,
    ManifestError,
    Parsed,
    Scope,
    clip,
)
from tools.repo.dependencies.gomod import parse_go_mod
from tools.repo.dependencies.imports import ImportScan, scan_imports
from tools.repo.dependencies.model import (
    MAX_IMPORT_SITES,
    MAX_NOTE_CHARS,
    MAX_NOTES,
    DependencyContext,
    FieldName,
    FieldSource,
)
from tools.repo.dependencies.names import canonical_ecosystem, normalise
from tools.repo.dependencies.npm import parse_package_json, parse_package_lock
from tools.repo.dependencies.pipenv import parse_pipfile, parse_pipfile_lock
from tools.repo.dependencies.pylocks import parse_poetry_lock, parse_uv_lock
from tools.repo.dependencies.pyproject import parse_pyproject
from tools.repo.dependencies.requirements import is_requirements_file, parse_requirements
from tools.repo.dependencies.walk import (
    MAX_MANIFEST_DEPTH,
    MAX_MANIFESTS,
    expand_workspaces,
    list_dir,
    walk,
)
from tools.repo.dependencies.yarn import parse_yarn_lock
from tools.repo.file_role import FileRole
from tools.repo.reader import RepoReader, RepoReadError

ALL_ECOSYSTEMS: tuple[Ecosystem, ...] = ("PyPI", "npm", "Go")
Parser = Callable[[RepoReader, str, str], Parsed]


@dataclass(frozen=True)
class Format:
    ecosystem: Ecosystem
    parse: Parser
    partners: tuple[str, ...] = ()
    """For a lock that does not record direct dependencies: the declaring manifest(s) beside it
    whose silence makes a locked package transitive."""


_BY_NAME: dict[str, Format] = {
    "pyproject.toml": Format("PyPI", parse_pyproject),
    "poetry.lock": Format("PyPI", parse_poetry_lock, ("pyproject.toml",)),
    "uv.lock": Format("PyPI", parse_uv_lock, ("pyproject.toml",)),
    "Pipfile": Format("PyPI", parse_pipfile),
    "Pipfile.lock": Format("PyPI", parse_pipfile_lock, ("Pipfile",)),
    "package.json": Format("npm", parse_package_json),
    "package-lock.json": Format("npm", parse_package_lock, ("package.json",)),
    "npm-shrinkwrap.json": Format("npm", parse_package_lock, ("package.json",)),
    "yarn.lock": Format("npm", parse_yarn_lock, ("package.json",)),
    "go.mod": Format("Go", parse_go_mod),
}
_REQUIREMENTS = Format("PyPI", parse_requirements)
_HINTS: dict[str, Ecosystem] = {"go.sum": "Go", "setup.py": "PyPI", "setup.cfg": "PyPI"}


def format_of(path: str) -> Format | None:
    """The manifest format of ``path`` by its file name, or None when it is not one we read."""
    name = posixpath.basename(path)
    if name in _BY_NAME:
        return _BY_NAME[name]
    return _REQUIREMENTS if is_requirements_file(path) else None


@dataclass
class _Result:
    format: Format
    parsed: Parsed | None
    """None when the file could not be read or parsed."""
    members: tuple[str, ...] = ()
    """package.json workspaces that were read (their package.json paths)."""


@dataclass
class _Search:
    reader: RepoReader
    names: dict[Ecosystem, str]
    ecosystems: tuple[Ecosystem, ...]
    named: str | None = None
    order: list[str] = field(default_factory=list)
    results: dict[str, _Result] = field(default_factory=dict)
    notes: list[tuple[Ecosystem | None, str]] = field(default_factory=list)
    walk_limited: str | None = None

    def note(self, text: str, ecosystem: Ecosystem | None = None) -> None:
        self.notes.append((ecosystem, text))


def dependency_context(
    reader: RepoReader, *, ecosystem: str | None, package: str, manifest_path: str | None
) -> DependencyContext | None:
    """The dependency context of ``package``, or None when there is none to give.

    None when ``ecosystem`` names one that is not supported (only PyPI, npm and Go are, in the
    spellings of names.canonical_ecosystem), when ``package`` is blank, or when the ecosystem is
    unknown and no manifest mentions the package. A supported package found nowhere still gets a
    context (``manifest`` None) whose notes say what was searched.

    Raises nothing for anything the repository contains: unreadable, oversized, refused or
    malformed manifests and source files become notes (ManifestError and RepoReadError are caught).
    """
    package = package.strip()
    given = canonical_ecosystem(ecosystem)
    if not package or (ecosystem and ecosystem.strip() and given is None):
        return None
    named, hint, path_note = _named_path(manifest_path)
    ecosystems: tuple[Ecosystem, ...] = (given,) if given else (hint,) if hint else ALL_ECOSYSTEMS
    search = _Search(reader, {e: normalise(e, package) for e in ecosystems}, ecosystems, named)
    if path_note:
        search.note(path_note)
    _gather(search)
    hits_by_eco = {e: _hits(search, e) for e in ecosystems}
    chosen = _choose_ecosystem(search, hits_by_eco)
    if chosen is None:
        return None
    return _build(search, chosen, hits_by_eco[chosen])


def _named_path(manifest_path: str | None) -> tuple[str | None, Ecosystem | None, str | None]:
    """(repository-relative path or None, the ecosystem its name implies, a note)."""
    if not manifest_path or not manifest_path.strip():
        return None, None, None
    raw = manifest_path.strip().replace("\\", "/")
    cleaned = posixpath.normpath(raw)
    shown = clip(manifest_path, 200)
    if raw.startswith("/") or cleaned == ".." or cleaned.startswith("../") or ":" in cleaned[:3]:
        return (
            None,
            None,
            f"manifest path {shown!r} is not inside the repository; searched the repository",
        )
    fmt = format_of(cleaned)
    base = posixpath.basename(cleaned)
    hint = fmt.ecosystem if fmt else _HINTS.get(base)
    if "node_modules" in cleaned.split("/"):
        hint = "npm"
    return cleaned, hint, None


def _gather(search: _Search) -> None:
    accept = _accepts(search.ecosystems)
    if search.named is not None:
        parts = search.named.split("/")
        installed = "node_modules" in parts  # an installed package's own files: not ours
        if installed:
            directory = "/".join(parts[: parts.index("node_modules")])
        else:
            directory = posixpath.dirname(search.named)
        files, _ = list_dir(search.reader, directory)
        candidates = [posixpath.join(directory, f) if directory else f for f in files]
        beside = [p for p in candidates if accept(p)]
        if not installed and accept(search.named):
            search.order.append(search.named)
        elif not installed and format_of(search.named) is not None:
            search.note(
                f"{clip(search.named, 200)} is not a {'/'.join(search.ecosystems)} manifest; "
                "not read"
            )
        search.order.extend(p for p in beside if p != search.named)
        if search.order:
            _parse_all(search)
            if any(r.parsed is not None for r in search.results.values()) or beside:
                return
        search.note(
            f"no readable {'/'.join(search.ecosystems)} manifest beside "
            f"{clip(search.named, 200)}; searched the repository"
        )
    listing = walk(search.reader, accept, max_files=MAX_MANIFESTS, max_depth=MAX_MANIFEST_DEPTH)
    if listing.truncated:  # a manifest not read could declare it more exposed: always said
        search.note(f"the manifest search {listing.truncated}")
    elif listing.depth_limited:  # common in deep trees: said only when nothing is found
        search.walk_limited = (
            f"the manifest search does not enter directories deeper than {MAX_MANIFEST_DEPTH}"
        )
    search.order.extend(p for p in listing.files if p not in search.order)
    _parse_all(search)


def _accepts(ecosystems: tuple[Ecosystem, ...]) -> Callable[[str], bool]:
    def accept(path: str) -> bool:
        fmt = format_of(path)
        return fmt is not None and fmt.ecosystem in ecosystems

    return accept


def _parse_all(search: _Search) -> None:
    index = 0
    while index < len(search.order):
        path = search.order[index]
        index += 1
        if path in search.results:
            continue
        fmt = format_of(path)
        assert fmt is not None  # only recognised paths are queued
        if len(search.results) >= 2 * MAX_MANIFESTS:
            search.note(f"stopped reading manifests at {2 * MAX_MANIFESTS} files")
            break
        try:
            parsed = fmt.parse(search.reader, path, search.names[fmt.ecosystem])
        except (RepoReadError, ManifestError) as exc:
            search.results[path] = _Result(fmt, None)
            search.note(f"{clip(str(exc), 400)}; this file was not used", fmt.ecosystem)
            continue
        for note in parsed.notes:
            search.note(note, fmt.ecosystem)
        result = _Result(fmt, parsed)
        search.results[path] = result
        if parsed.workspaces:
            _add_workspaces(search, path, result)


def _add_workspaces(search: _Search, path: str, result: _Result) -> None:
    assert result.parsed is not None
    base = posixpath.dirname(path)
    directories, complete = expand_workspaces(
        search.reader, base, result.parsed.workspaces, limit=MAX_MANIFESTS
    )
    members = []
    for directory in directories:
        if "package.json" in list_dir(search.reader, directory)[0]:
            member = posixpath.join(directory, "package.json") if directory else "package.json"
            if member != path:
                members.append(member)
                if member not in search.order:
                    search.order.append(member)
    result.members = tuple(members)
    if not complete:
        search.note(f"{path}: not every workspace could be listed", "npm")
        result.parsed = Parsed(
            hits=result.parsed.hits,
            notes=result.parsed.notes,
            complete=False,
            workspaces=result.parsed.workspaces,
        )


def _hits(search: _Search, ecosystem: Ecosystem) -> list[Hit]:
    """The hits in search order; one per location (a requirements file reached both directly and
    through a ``-r`` include counts once, with its most exposed scope)."""
    hits: dict[str, Hit] = {}
    for path in search.order:
        result = search.results.get(path)
        if result is None or result.parsed is None or result.format.ecosystem != ecosystem:
            continue
        for hit in result.parsed.hits:
            kept = hits.get(hit.where)
            if kept is None or _rank(hit) > _rank(kept):
                hits[hit.where] = hit
    return list(hits.values())


def _rank(hit: Hit) -> int:
    return SCOPE_RANK[hit.scope] if hit.scope else 0


def _choose_ecosystem(search: _Search, hits: dict[Ecosystem, list[Hit]]) -> Ecosystem | None:
    if len(search.ecosystems) == 1:
        return search.ecosystems[0]
    found = [e for e in search.ecosystems if hits[e]]
    if not found:
        return None
    found.sort(key=lambda e: not any(h.declares for h in hits[e]))  # stable: declared first
    for other in found[1:]:
        search.note(f"also found as a {other} package in {clip(hits[other][0].where, 200)}")
    return found[0]


def _build(search: _Search, ecosystem: Ecosystem, hits: list[Hit]) -> DependencyContext:
    sources: list[FieldSource] = []
    notes: list[str] = [n for e, n in search.notes if e in (None, ecosystem)]

    def source(name: FieldName, origin: str) -> None:
        sources.append(FieldSource(field=name, origin=clip(origin, MAX_NOTE_CHARS)))

    for hit in hits:
        notes.extend(hit.notes)
    read = [p for p, r in search.results.items() if r.format.ecosystem == ecosystem]
    declaring = [h for h in hits if h.declares]
    scope, scope_origins = _scope(hits, notes)
    primary = next((h for h in declaring if h.scope == scope), declaring[0] if declaring else None)

    if primary is not None:
        manifest: str | None = clip(primary.manifest, 2000)
        source("manifest", f"{primary.where} declares it")
    elif hits:
        manifest = clip(_preferred_lock(search, hits, None), 2000)
        source("manifest", f"found only in the lock file {manifest}; no manifest read declares it")
    else:
        manifest = None
        shown = ", ".join(read[:5]) + (f" and {len(read) - 5} more" if len(read) > 5 else "")
        source(
            "manifest", f"not found in the {len(read)} {ecosystem} manifest(s) examined: {shown}"
        )
        notes.append(f"{search.names[ecosystem]} was not found in any {ecosystem} manifest read")
        if search.walk_limited:
            notes.append(search.walk_limited)

    direct, direct_origin = _direct(search, hits)
    source("direct", direct_origin)
    for origin in scope_origins:
        source("scope", origin)

    declared = primary.spec if primary else None
    if primary is None:
        source("declared_version", "no manifest read declares it" if hits else "not found")
    elif declared is None:
        source("declared_version", f"{primary.where} declares it without a version requirement")
    else:
        source("declared_version", primary.where)
    for other in declaring:
        if other.spec and other.spec != declared:
            notes.append(f"{other.where} asks for {other.spec}")

    locked, locked_origin = _locked(search, hits, manifest, declared, notes)
    source("locked_version", locked_origin)

    scan = scan_imports(search.reader, ecosystem, search.names[ecosystem])
    imported, sites = _imported(scan, notes, source)

    return DependencyContext(
        ecosystem=ecosystem,
        package=clip(search.names[ecosystem], 500),
        manifest=manifest,
        direct=direct,
        scope=scope,
        declared_version=declared,
        locked_version=locked,
        imported=imported,
        import_sites=sites,
        notes=_cap_notes(notes),
        sources=tuple(sources),
    )


def _scope(hits: list[Hit], notes: list[str]) -> tuple[Scope | None, list[str]]:
    scoped = [h for h in hits if h.scope is not None]
    if not scoped:
        if hits:
            return None, [f"no manifest or lock records a scope ({hits[0].scope_why})"]
        return None, ["not found"]
    best = max((h.scope for h in scoped if h.scope), key=lambda s: SCOPE_RANK[s])
    origins = [h.scope_why for h in scoped if h.scope == best][:3]
    lower = [h for h in scoped if h.scope != best]
    if lower:
        notes.append(
            f"also listed as {lower[0].scope} in {lower[0].where}; "
            f"{best} is kept as the most exposed"
        )
    return best, origins


def _direct(search: _Search, hits: list[Hit]) -> tuple[bool | None, str]:
    if not hits:
        return None, "not found in any manifest read"
    first_direct = next((h for h in hits if h.direct is True), None)
    if first_direct is not None:
        return True, first_direct.direct_why
    reasons: list[str] = []
    for hit in hits:
        if hit.direct is False:
            reasons.append(hit.direct_why)
            continue
        verdict = _partner_silence(search, hit)
        if verdict is None:
            fmt = format_of(hit.manifest)
            wanted = " or ".join(fmt.partners) if fmt and fmt.partners else "declaring manifest"
            return None, f"{hit.direct_why}, and no complete {wanted} was read beside it"
        reasons.append(verdict)
    return False, "; ".join(dict.fromkeys(reasons))


def _partner_silence(search: _Search, hit: Hit) -> str | None:
    """Why the declaring manifests beside a lock prove the package transitive, or None."""
    fmt = format_of(hit.manifest)
    if fmt is None or not fmt.partners:
        return None
    directory = posixpath.dirname(hit.manifest)
    read: list[str] = []
    for partner in fmt.partners:
        path = posixpath.join(directory, partner) if directory else partner
        result = search.results.get(path)
        if result is None or result.parsed is None or not result.parsed.complete:
            return None
        for member in result.members:
            member_result = search.results.get(member)
            if member_result is None or member_result.parsed is None:
                return None
        read.append(path + (f" and its {len(result.members)} workspaces" if result.members else ""))
    return f"{hit.manifest} locks it but {', '.join(read)} does not declare it"


def _preferred_lock(search: _Search, hits: list[Hit], manifest: str | None) -> str:
    """The lock file to take the locked version from: the named file, then the one beside the
    manifest, then the first in search order."""
    files = list(dict.fromkeys(h.manifest for h in hits if h.version is not None or not h.declares))
    if search.named in files:
        return search.named
    if manifest is not None:
        directory = posixpath.dirname(manifest)
        for path in files:
            if posixpath.dirname(path) == directory:
                return path
    return files[0]


def _locked(
    search: _Search, hits: list[Hit], manifest: str | None, declared: str | None, notes: list[str]
) -> tuple[str | None, str]:
    locks = [h for h in hits if h.version is not None]
    if not locks:
        if hits:
            return None, "no lock file read records a version for it"
        return None, "not found"
    chosen = _preferred_lock(search, locks, manifest)
    in_file = [h for h in locks if h.manifest == chosen]
    picked = [h for h in in_file if h.primary]
    if not picked and declared:
        picked = [h for h in in_file if declared in h.ranges or f"npm:{declared}" in h.ranges]
    picked = picked or in_file
    versions = list(dict.fromkeys(h.version for h in picked if h.version))
    others = [h for h in locks if h not in picked and h.version not in versions]
    for other in others[:3]:
        notes.append(f"{other.where} also locks version {other.version}")
    if len(others) > 3:
        notes.append(f"{len(others) - 3} more locked copies at other versions")
    if len(versions) == 1:
        return versions[0], picked[0].where
    shown = ", ".join(v for v in versions[:5] if v)
    notes.append(f"{chosen} locks several versions: {shown}")
    return None, f"{chosen} locks several versions ({shown}); none is the project's own"


def _imported(
    scan: ImportScan, notes: list[str], source: Callable[[FieldName, str], None]
) -> tuple[bool | None, tuple[str, ...]]:
    looked = ", ".join(repr(n) for n in scan.looked_for)
    guess = " (guessed from the distribution name)" if scan.guessed else ""
    if scan.truncated:
        notes.append(f"the import scan {scan.truncated}")
    if scan.unreadable:
        notes.append(f"{scan.unreadable} source file(s) could not be read (size cap or refused)")
    if scan.sites:
        ordered = sorted(scan.sites, key=lambda s: s.role is not FileRole.PRODUCTION)
        sites = tuple(clip(f"{s.path}:{s.line}", 2100) for s in ordered[:MAX_IMPORT_SITES])
        files = len({s.path for s in scan.sites})
        source(
            "imported",
            f"{len(scan.sites)} import(s) of {looked}{guess} in {files} of "
            f"{scan.files_scanned} source file(s) scanned",
        )
        source("import_sites", f"the import scan: the first {len(sites)}, production code first")
        roles = sorted({s.role.value for s in scan.sites})
        if roles == [FileRole.TEST.value]:
            notes.append("imported only from test code")
        elif FileRole.PRODUCTION.value not in roles:
            notes.append(f"imported only from non-production code ({', '.join(roles)})")
        return True, sites
    source("import_sites", "the import scan found no import")
    if scan.truncated or scan.unreadable:
        source(
            "imported",
            f"unknown: no import of {looked}{guess} in the {scan.files_scanned} file(s) scanned, "
            "but the scan was incomplete",
        )
        return None, ()
    source(
        "imported",
        f"no import of {looked}{guess} in {scan.files_scanned} source file(s) scanned",
    )
    return False, ()


def _cap_notes(notes: list[str]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(clip(n, MAX_NOTE_CHARS) for n in notes))
    if len(unique) > MAX_NOTES:
        unique = [*unique[: MAX_NOTES - 1], f"… and {len(unique) - MAX_NOTES + 1} more notes"]
    return tuple(unique)
