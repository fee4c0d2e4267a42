"""Bumping one pinned dependency to its fixed version, as a pure text rewrite of one manifest.

The rewrite is table-driven (``MANIFESTS``: file name pattern → rewriter) and deliberately
narrow. It changes exactly one version string, keeps every other byte of the file, and refuses
(``BumpRefused``, with the reason) anything it cannot do with certainty:

- requirements files: the package must be pinned once with ``==`` (extras, an environment marker
  and a trailing comment are kept); a range (``>=``, ``~=``, ``<``, ``!=``, ``*``, several
  specifiers), an editable or URL requirement, a line continuation, or any ``--hash`` in the file
  (hash-checking mode would reject the new version without its hashes) is refused;
- ``pyproject.toml``: one PEP 508 string ``"name==X"`` (extras and marker kept) in the file;
- ``package.json``: one exact version (``"name": "1.2.3"``) under ``dependencies``,
  ``devDependencies``, ``optionalDependencies`` or ``peerDependencies``; ``^``/``~`` ranges,
  tags, URLs and workspace references are refused.

After the rewrite the file is parsed again (``package.json``, ``pyproject.toml``) and compared
with the original: only that one value may differ.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePosixPath
from typing import Any

from tools.errors import ToolError

_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+!-]{0,63}$")
_NPM_VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_NPM_NAME = re.compile(r"^(?:@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]{0,213}$")
_PY_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?$")
_NPM_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


class BumpRefused(ToolError):
    """The manifest cannot be rewritten with certainty; the message says why."""


@dataclass(frozen=True)
class Bump:
    path: str
    package: str
    from_version: str
    to_version: str
    text: str
    """The whole rewritten file."""


def _normalise(name: str) -> str:
    """PEP 503: names compare case-insensitively with runs of ``-_.`` as one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


_REQ = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\s*\[[^\]]*\])?\s*"
    r"(?P<spec>[<>=!~*][^;#]*?)?\s*(?P<rest>(?:;[^#]*)?(?:\s+#.*)?)$"
)
"""``name[extras] <spec> ; marker  # comment``: one requirement line or string."""


def bump_requirements(path: str, text: str, package: str, version: str) -> Bump:
    if "--hash" in text:
        raise BumpRefused(
            f"{path} uses hash-checking mode (--hash); the new version needs its hashes, which a "
            "text rewrite cannot know"
        )
    wanted = _normalise(package)
    lines = text.splitlines(keepends=True)
    hits: list[tuple[int, re.Match[str]]] = []
    for index, line in enumerate(lines):
        body = line.rstrip("\r\n")
        stripped = body.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if body.rstrip().endswith("\\"):
            if _mentions(stripped, wanted):
                raise BumpRefused(f"{path}:{index + 1}: a continued line; not rewriting it")
            continue
        if (
            stripped.startswith(("-", "git+", "http:", "https:", "file:"))
            or "@" in stripped.split(";")[0]
        ):
            if _mentions(stripped, wanted):
                raise BumpRefused(f"{path}:{index + 1}: an option, URL or editable requirement")
            continue
        match = _REQ.match(body)
        if match and _normalise(match["name"]) == wanted:
            hits.append((index, match))
    if not hits:
        raise BumpRefused(f"{path} does not list {package}")
    if len(hits) > 1:
        lines_at = ", ".join(str(index + 1) for index, _ in hits)
        raise BumpRefused(f"{path} lists {package} more than once (lines {lines_at})")
    index, match = hits[0]
    current = _exact_pin(match["spec"], path, index)
    _differs(path, package, current, version)
    line = lines[index]
    start, end = match.span("spec")
    version_at = line.index(current, start)
    new_line = line[:version_at] + version + line[version_at + len(current) :]
    assert end >= version_at + len(current)
    lines[index] = new_line
    return Bump(path, package, current, version, "".join(lines))


def _differs(path: str, package: str, current: str, version: str) -> None:
    if current == version:
        raise BumpRefused(f"{path} already pins {package} to {version}")


def _mentions(text: str, wanted: str) -> bool:
    return wanted in _normalise(text)


def _exact_pin(spec: str | None, path: str, index: int) -> str:
    where = f"{path}:{index + 1}"
    if spec is None:
        raise BumpRefused(f"{where}: not pinned (no version); a fix PR would change its meaning")
    spec = spec.strip()
    match = re.fullmatch(r"==\s*([^\s,;*]+)", spec)
    if match is None or not _VERSION.match(match.group(1)):
        raise BumpRefused(f"{where}: {spec!r} is not one exact '==' pin; ranges are left alone")
    return match.group(1)


_QUOTED = re.compile(r"\"(?P<req>[^\"\n]*)\"|'(?P<single>[^'\n]*)'")


def bump_pyproject(path: str, text: str, package: str, version: str) -> Bump:
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BumpRefused(f"{path} is not valid TOML: {exc}") from exc
    wanted = _normalise(package)
    hits = []
    for quoted in _QUOTED.finditer(text):
        group = "req" if quoted["req"] is not None else "single"
        match = _REQ.match(quoted[group])
        if match and _normalise(match["name"]) == wanted:
            hits.append((quoted, group, match))
    if not hits:
        raise BumpRefused(f"{path} has no requirement string for {package}")
    if len(hits) > 1:
        raise BumpRefused(f"{path} names {package} in more than one requirement string")
    quoted, group, match = hits[0]
    line = text.count("\n", 0, quoted.start())
    current = _exact_pin(match["spec"], path, line)
    _differs(path, package, current, version)
    version_at = quoted.start(group) + quoted[group].index(current, match.start("spec"))
    new = text[:version_at] + version + text[version_at + len(current) :]
    after = tomllib.loads(new)
    _only_change(before, after, path)
    return Bump(path, package, current, version, new)


def bump_package_json(path: str, text: str, package: str, version: str) -> Bump:
    if not _NPM_NAME.match(package):
        raise BumpRefused(f"{package!r} is not an npm package name")
    if not _NPM_VERSION.match(version):
        raise BumpRefused(f"{version!r} is not an exact npm version")
    try:
        before = json.loads(text)
    except ValueError as exc:
        raise BumpRefused(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(before, dict):
        raise BumpRefused(f"{path} is not a JSON object")
    sections = [
        s for s in _NPM_SECTIONS if isinstance(before.get(s), dict) and package in before[s]
    ]
    if len(sections) != 1:
        raise BumpRefused(
            f"{path} lists {package} in {len(sections)} dependency sections; exactly one expected"
        )
    current = before[sections[0]][package]
    if not isinstance(current, str) or not _NPM_VERSION.match(current):
        raise BumpRefused(
            f"{path}: {package} is {current!r}, not one exact version; ranges are left alone"
        )
    _differs(path, package, current, version)
    pattern = re.compile(r'"' + re.escape(package) + r'"(\s*:\s*)"' + re.escape(current) + '"')
    hits = list(pattern.finditer(text))
    if len(hits) != 1:
        raise BumpRefused(f"{path} has {package!r}: {current!r} {len(hits)} times; expected once")
    hit = hits[0]
    new = text[: hit.start()] + f'"{package}"{hit.group(1)}"{version}"' + text[hit.end() :]
    after = json.loads(new)
    expected = json.loads(text)
    expected[sections[0]][package] = version
    if after != expected:
        raise BumpRefused(f"{path}: the rewrite changed more than {package}'s version")
    return Bump(path, package, current, version, new)


def _only_change(before: Any, after: Any, where: str) -> None:
    """Exactly one string differs between ``before`` and ``after`` (the version's requirement)."""
    differences: list[str] = []

    def walk(a: Any, b: Any, at: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            if a.keys() != b.keys():
                differences.append(at)
                return
            for key in a:
                walk(a[key], b[key], f"{at}.{key}")
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, f"{at}[{i}]")
        elif a != b:
            differences.append(at)

    walk(before, after, where)
    if len(differences) != 1:
        raise BumpRefused(f"{where}: the rewrite changed {len(differences)} values, not one")


Rewriter = Callable[[str, str, str, str], Bump]

MANIFESTS: tuple[tuple[str, str, Rewriter], ...] = (
    ("requirements*.txt", "PyPI", bump_requirements),
    ("pyproject.toml", "PyPI", bump_pyproject),
    ("package.json", "npm", bump_package_json),
)
"""File name pattern, the ecosystem whose packages it lists, and its rewriter."""


def bump_manifest(path: str, text: str, *, ecosystem: str, package: str, version: str) -> Bump:
    """Rewrite ``text`` (the file at ``path``) so ``package`` is pinned to ``version``."""
    name = PurePosixPath(path).name
    for pattern, manifest_ecosystem, rewrite in MANIFESTS:
        if fnmatchcase(name, pattern):
            if ecosystem != manifest_ecosystem:
                raise BumpRefused(f"{path} lists {manifest_ecosystem} packages, not {ecosystem}")
            if manifest_ecosystem == "PyPI" and not _PY_NAME.match(package):
                raise BumpRefused(f"{package!r} is not a Python package name")
            if not _VERSION.match(version):
                raise BumpRefused(f"{version!r} is not a version")
            return rewrite(path, text, package, version)
    raise BumpRefused(
        f"{path}: not a manifest this tool rewrites (requirements*.txt, "
        "pyproject.toml, package.json)"
    )
