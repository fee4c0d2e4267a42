"""Is a package imported anywhere in the repository's code, and where.

* Python (``.py`` only: stubs and notebooks are not code that runs), via ``ast``: ``import m``,
  ``from m import x`` (absolute only), ``importlib.import_module("m")`` and ``__import__("m")``
  with a literal; a file that does not parse falls back to a line regex for ``import``/``from``
  statements. A module matches when it is one of the distribution's import names (see
  names.PYTHON_IMPORT_NAMES) or below one.
* JavaScript/TypeScript (``.js .jsx .mjs .cjs .ts .tsx .mts .cts``): a regex for
  ``require('x')``, ``import … from 'x'``, ``export … from 'x'``, ``import 'x'`` and
  ``import('x')``; ``x`` and its subpaths ``x/…`` match. Comments are not stripped (a
  commented-out import counts).
* Go: ``import "m"`` and ``import ( … )`` blocks; the module path and the packages below it match.

The walk is bounded (walk.MAX_SOURCE_FILES files, MAX_SOURCE_DEPTH directories, the reader's
size cap per file, MAX_SOURCE_BYTES in total). When a bound stops it, or a file cannot be read,
"not found" is not proof: the caller reports ``imported`` as unknown.
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

from tools.repo.dependencies.common import Ecosystem
from tools.repo.dependencies.names import python_import_names
from tools.repo.dependencies.walk import MAX_SOURCE_BYTES, MAX_SOURCE_DEPTH, MAX_SOURCE_FILES, walk
from tools.repo.file_role import FileRole, classify
from tools.repo.reader import RepoReader, RepoReadError

SUFFIXES: dict[Ecosystem, tuple[str, ...]] = {
    "PyPI": (".py",),
    "npm": (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"),
    "Go": (".go",),
}
MAX_SITES_KEPT = 1_000
_TEST_SUFFIXES = (
    "_test.go",
    ".test.jsx",
    ".spec.jsx",
    ".test.tsx",
    ".spec.tsx",
    ".test.mjs",
    ".spec.mjs",
    ".test.cjs",
    ".spec.cjs",
)
_JS_IMPORT = re.compile(
    r"""(?:\bfrom|\bimport|\brequire\s*\(|\bimport\s*\()\s*(['"`])([^'"`\s]{1,300})\1"""
)
_PY_LINE = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import|import[ \t]+([\w., \t]+))", re.M)
_GO_SPEC = re.compile(r'^\s*(?:[\w.]+\s+)?(?:"([^"\n]+)"|`([^`\n]+)`)')


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    role: FileRole


@dataclass(frozen=True)
class ImportScan:
    sites: tuple[Site, ...]
    """In walk order, at most MAX_SITES_KEPT."""
    files_scanned: int
    unreadable: int
    truncated: str | None
    looked_for: tuple[str, ...]
    """The module names or specifiers searched for."""
    guessed: bool
    """For Python: the import names were guessed from the distribution name."""


def role_of(path: str) -> FileRole:
    """file_role.classify, plus the test-file spellings it does not know (Go, JSX/TSX, ESM)."""
    role = classify(path)
    if role is FileRole.PRODUCTION and PurePosixPath(path.lower()).name.endswith(_TEST_SUFFIXES):
        return FileRole.TEST
    return role


def scan_imports(reader: RepoReader, ecosystem: Ecosystem, package: str) -> ImportScan:
    suffixes = SUFFIXES[ecosystem]
    if ecosystem == "PyPI":
        names, known = python_import_names(package)
        looked_for, guessed = names, not known
    else:
        looked_for, guessed = (package,), False
    listing = walk(
        reader,
        lambda path: path.lower().endswith(suffixes),
        max_files=MAX_SOURCE_FILES,
        max_depth=MAX_SOURCE_DEPTH,
    )
    sites: list[Site] = []
    unreadable = 0
    scanned = 0
    budget = MAX_SOURCE_BYTES
    truncated = listing.truncated
    for path in listing.files:
        try:
            text = reader.read_text(path)
        except RepoReadError:
            unreadable += 1
            continue
        budget -= len(text)
        if budget < 0:
            truncated = f"stopped after reading {MAX_SOURCE_BYTES:,} bytes of source"
            break
        scanned += 1
        if ecosystem == "PyPI":
            lines = _python_lines(text, looked_for)
        elif ecosystem == "npm":
            lines = _js_lines(text, package)
        else:
            lines = _go_lines(text, package)
        role = role_of(path)
        for line in sorted(set(lines)):
            if len(sites) < MAX_SITES_KEPT:
                sites.append(Site(path, line, role))
    if truncated is None and listing.depth_limited:
        truncated = f"directories deeper than {MAX_SOURCE_DEPTH} were not entered"
    return ImportScan(
        sites=tuple(sites),
        files_scanned=scanned,
        unreadable=unreadable,
        truncated=truncated,
        looked_for=looked_for,
        guessed=guessed,
    )


def _module_matches(module: str, names: tuple[str, ...]) -> bool:
    lowered = module.lower()
    return any(lowered == n.lower() or lowered.startswith(n.lower() + ".") for n in names)


def _python_lines(text: str, names: tuple[str, ...]) -> list[int]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in someone's code are not ours
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _python_regex_lines(text, names)
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(_module_matches(alias.name, names) for alias in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level or not node.module:
                continue
            candidates = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            if any(_module_matches(c, names) for c in candidates):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            first = node.args[0]
            if (
                called in {"import_module", "__import__"}
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and _module_matches(first.value, names)
            ):
                lines.append(node.lineno)
    return lines


def _python_regex_lines(text: str, names: tuple[str, ...]) -> list[int]:
    starts = _line_starts(text)
    lines = []
    for match in _PY_LINE.finditer(text):
        if match.group(1) is not None:
            modules = [match.group(1)]
        else:
            modules = [m.split()[0] for m in match.group(2).split(",") if m.split()]
        if any(_module_matches(m, names) for m in modules):
            lines.append(bisect.bisect_right(starts, match.start()))
    return lines


def _js_lines(text: str, package: str) -> list[int]:
    starts = _line_starts(text)
    lines = []
    for match in _JS_IMPORT.finditer(text):
        spec = match.group(2)
        if spec == package or spec.startswith(package + "/"):
            lines.append(bisect.bisect_right(starts, match.start()))
    return lines


def _go_lines(text: str, module: str) -> list[int]:
    lines = []
    in_block = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("//", 1)[0].strip()
        if in_block:
            if line.startswith(")"):
                in_block = False
                continue
            spec = _GO_SPEC.match(line)
        elif line.startswith("import"):
            rest = line[len("import") :].strip()
            if rest.startswith("("):
                in_block = True
                rest = rest[1:].strip()
                if not rest:
                    continue
            spec = _GO_SPEC.match(rest)
        else:
            continue
        if spec:
            path = spec.group(1) or spec.group(2)
            if path == module or path.startswith(module + "/"):
                lines.append(number)
    return lines


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(match.end() for match in re.finditer("\n", text))
    return starts
