"""Does the repository's own code load a given model file with an unpickling loader, and where.

A pickle-based model file runs the code it carries only when something loads it. This module
answers that for a model-file finding, deterministically, from the Python sources (``.py``):

* a **loader** is a call to ``pickle.load`` / ``pickle.Unpickler`` (also ``_pickle``, ``cPickle``,
  ``dill``, ``cloudpickle``), ``joblib.load``, ``torch.load``, ``pandas.read_pickle`` or
  ``numpy.load(…, allow_pickle=True)``, with ``import … as …`` aliases resolved;
* it **loads the file** when one of its arguments, or a name assigned from an expression that
  holds one (``MODEL = "models/model.pt"``, ``with open(MODEL, "rb") as f``), contains a string
  naming the file: the same last path component, and one path a suffix of the other, so
  ``"/srv/app/models/model.pt"``, ``"model.pt"`` and ``f"{ROOT}/models/model.pt"`` match
  ``models/model.pt`` but ``"other/model.pt"`` does not. Names are tracked per file, not per scope;
* ``torch.load(…, weights_only=True)`` is an allowlisting unpickler: such a load is listed but does
  not count as loading the unsafe operator.

The answer is ``loaded_in_production``: True when non-test code (file_role production) loads the
file; False when the scan was complete and found no such load; None (unknown) when the scan was
cut short, or production code calls a loader on a path computed at run time (an environment
variable, a config value), which may be this file. Test, example and vendored code never count.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from tools.repo.dependencies.imports import role_of
from tools.repo.dependencies.walk import MAX_SOURCE_BYTES, MAX_SOURCE_DEPTH, MAX_SOURCE_FILES, walk
from tools.repo.file_role import FileRole
from tools.repo.reader import RepoReader, RepoReadError

MAX_SITES = 20
_PICKLE_MODULES = ("pickle", "_pickle", "cPickle", "dill", "cloudpickle")
LOADERS = frozenset(
    {
        *(f"{module}.load" for module in _PICKLE_MODULES),
        *(f"{module}.Unpickler" for module in _PICKLE_MODULES),
        "joblib.load",
        "sklearn.externals.joblib.load",
        "torch.load",
        "pandas.read_pickle",
        "numpy.load",
    }
)
"""Qualified names of calls that unpickle what they are given."""
_HINTS = ("load", "Unpickler", "read_pickle")
"""A file without any of these cannot call a loader: it is not parsed."""

Site = Annotated[str, Field(max_length=2200)]


class ModelLoadContext(BaseModel):
    """Whether and where the repository's code loads one model file. JSON-native (checkpoints).

    The site strings hold repository paths: untrusted text, escaped on the way out.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_file: Annotated[str, Field(max_length=2000)]
    loaded_in_production: bool | None
    sites: tuple[Site, ...] = ()
    """``path:line (role, loader)`` of the loads found, production code first, at most MAX_SITES."""
    note: Annotated[str, Field(max_length=2000)]
    """How the answer was reached, for the rationale. Our words only (counts, roles, loader
    names from LOADERS), never a repository path, so it can be shown without escaping."""


@dataclass(frozen=True)
class _Load:
    path: str
    line: int
    role: FileRole
    loader: str
    guarded: bool
    """Loaded through an allowlisting unpickler (``torch.load(weights_only=True)``)."""
    dynamic: bool = False
    """The path is computed at run time: this may or may not be the file."""

    def describe(self) -> str:
        guard = ", weights_only=True" if self.guarded else ""
        dynamic = ", path computed at run time" if self.dynamic else ""
        return f"{self.path}:{self.line} ({self.role.value}, {self.loader}{guard}{dynamic})"


@dataclass
class _Scan:
    loads: list[_Load]
    dynamic: list[_Load]
    """Production loader calls on a path no literal names: possibly this file."""
    files: int = 0
    unreadable: int = 0
    truncated: str | None = None


def model_load_context(reader: RepoReader, model_file: str) -> ModelLoadContext:
    """Whether non-test code of the repository under ``reader`` loads ``model_file``."""
    target = _components(model_file)
    scan = _scan(reader, target)
    production = [
        load for load in scan.loads if load.role in (FileRole.PRODUCTION, FileRole.UNKNOWN)
    ]
    unsafe = [load for load in production if not load.guarded]
    ordered = sorted(scan.loads, key=lambda load: (load not in production, load.path, load.line))
    sites = tuple(load.describe()[:2200] for load in [*ordered, *scan.dynamic][:MAX_SITES])
    searched = f"{scan.files} Python file(s) searched"
    if unsafe:
        loaders = ", ".join(sorted({load.loader for load in unsafe}))
        return ModelLoadContext(
            model_file=model_file,
            loaded_in_production=True,
            sites=sites,
            note=f"production code loads it with {loaders} at {len(unsafe)} place(s) ({searched})",
        )
    gaps = _gaps(scan)
    if gaps:
        return ModelLoadContext(
            model_file=model_file,
            loaded_in_production=None,
            sites=sites,
            note=f"unknown: no production load of it found in {searched}, but {gaps}"[:2000],
        )
    if production:
        note = f"production code loads it only with weights_only=True ({searched})"
    elif scan.loads:
        roles = ", ".join(sorted({load.role.value for load in scan.loads}))
        note = f"loaded only from {roles} code ({searched})"
    else:
        note = f"no code loads it ({searched})"
    return ModelLoadContext(
        model_file=model_file, loaded_in_production=False, sites=sites, note=note
    )


def _gaps(scan: _Scan) -> str:
    """Why "not found" is not proof here, or "" when it is."""
    gaps = []
    if scan.truncated:
        gaps.append(f"the search {scan.truncated}")
    if scan.unreadable:
        gaps.append(f"{scan.unreadable} file(s) could not be read")
    if scan.dynamic:
        loaders = ", ".join(sorted({load.loader for load in scan.dynamic}))
        gaps.append(
            f"production code calls {loaders} on a path computed at run time "
            f"at {len(scan.dynamic)} place(s), which may be this file"
        )
    return "; ".join(gaps)


def _scan(reader: RepoReader, target: tuple[str, ...]) -> _Scan:
    listing = walk(
        reader,
        lambda path: path.lower().endswith(".py"),
        max_files=MAX_SOURCE_FILES,
        max_depth=MAX_SOURCE_DEPTH,
    )
    scan = _Scan(loads=[], dynamic=[], truncated=listing.truncated)
    budget = MAX_SOURCE_BYTES
    for path in listing.files:
        try:
            text = reader.read_text(path)
        except RepoReadError:
            scan.unreadable += 1
            continue
        budget -= len(text)
        if budget < 0:
            scan.truncated = f"stopped after reading {MAX_SOURCE_BYTES:,} bytes of source"
            break
        scan.files += 1
        if not any(hint in text for hint in _HINTS):
            continue
        tree = _parse(text)
        if tree is None:
            scan.unreadable += 1  # not Python we can read: a load in it would be missed
            continue
        role = role_of(path)
        for call, loader, names_target, dynamic in _loader_calls(tree, target):
            load = _Load(path, call.lineno, role, loader, _guarded(call, loader), dynamic)
            if names_target:
                scan.loads.append(load)
            elif dynamic and role in (FileRole.PRODUCTION, FileRole.UNKNOWN):
                scan.dynamic.append(load)
    if scan.truncated is None and listing.depth_limited:
        scan.truncated = f"did not enter directories deeper than {MAX_SOURCE_DEPTH}"
    return scan


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in someone's code are not ours
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _components(path: str) -> tuple[str, ...]:
    """Path components without ``.`` and empty parts, ``\\`` counted as a separator."""
    return tuple(
        part for part in PurePosixPath(path.replace("\\", "/")).parts if part not in ("/", ".")
    )


def _names_file(value: str, target: tuple[str, ...]) -> bool:
    """``value`` names the target file: same last component, one path a suffix of the other."""
    parts = _components(value)
    if not parts or not target or parts[-1] != target[-1]:
        return False
    shorter, longer = sorted((parts, target), key=len)
    return longer[len(longer) - len(shorter) :] == shorter


def _loader_calls(
    tree: ast.Module, target: tuple[str, ...]
) -> Iterator[tuple[ast.Call, str, bool, bool]]:
    """Each loader call: (call, qualified loader, names the target, path computed at run time)."""
    aliases = _aliases(tree)
    bindings = _bindings(tree)
    naming_target = _bound(bindings, lambda node, names: _mentions(node, target, names))
    from_literal = _bound(bindings, _has_literal)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        loader = _qualified(node.func, aliases)
        if loader not in LOADERS:
            continue
        if loader == "numpy.load" and not _keyword_true(node, "allow_pickle"):
            continue  # numpy refuses pickled objects unless told otherwise
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        names_target = any(_mentions(a, target, naming_target) for a in arguments)
        dynamic = not names_target and not any(_has_literal(a, from_literal) for a in arguments)
        yield node, loader, names_target, dynamic


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name → qualified name, from ``import a.b as c`` and ``from a import b as c``."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _qualified(func: ast.expr, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    head = aliases.get(func.id, func.id)
    return ".".join([head, *reversed(parts)])


def _bindings(tree: ast.Module) -> list[tuple[str, ast.expr]]:
    """(name, value) of every ``name = value``, ``name: T = value``, ``with value as name``."""
    pairs: list[tuple[ast.expr, ast.expr]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            pairs.extend((t, node.value) for t in node.targets)
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
            pairs.append((node.target, node.value))
        elif isinstance(node, ast.With | ast.AsyncWith):
            pairs.extend(
                (item.optional_vars, item.context_expr)
                for item in node.items
                if item.optional_vars is not None
            )
    return [(bound.id, value) for bound, value in pairs if isinstance(bound, ast.Name)]


def _bound(
    bindings: list[tuple[str, ast.expr]],
    holds: Callable[[ast.expr, frozenset[str]], bool],
) -> frozenset[str]:
    """Names bound to a value ``holds`` accepts, given the names found so far; to a fixed point.

    Per file, not per scope: a name is taken to hold what any of its assignments holds.
    """
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, value in bindings:
            if name not in found and holds(value, frozenset(found)):
                found.add(name)
                changed = True
    return frozenset(found)


def _mentions(node: ast.expr, target: tuple[str, ...], names: frozenset[str]) -> bool:
    """A string in ``node``, or a name in ``names`` it uses, names the target file."""
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            if _names_file(child.value, target):
                return True
        elif isinstance(child, ast.Name) and child.id in names:
            return True
    return False


def _has_literal(node: ast.expr, names: frozenset[str]) -> bool:
    """A file-name string, or a name bound to one, feeds ``node``: its path is written down.

    Only strings shaped like a file name count (a ``/``, ``\\`` or ``.``): ``open(path, "rb")``
    and ``os.environ["MODEL"]`` still load a path computed at run time.
    """
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and _file_name_like(child.value):
            return True
        if isinstance(child, ast.Name) and child.id in names:
            return True
    return False


def _file_name_like(value: object) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= 4096
        and "\n" not in value
        and any(mark in value for mark in ("/", "\\", "."))
    )


def _keyword_true(call: ast.Call, name: str) -> bool:
    return any(
        keyword.arg == name
        and isinstance(keyword.value, ast.Constant)
        and keyword.value.value is True
        for keyword in call.keywords
    )


def _guarded(call: ast.Call, loader: str) -> bool:
    return loader == "torch.load" and _keyword_true(call, "weights_only")
