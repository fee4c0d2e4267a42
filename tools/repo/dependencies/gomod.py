"""``go.mod``: ``require`` lines and blocks, ``// indirect`` markers, and ``replace``.

A required module is direct unless its line carries ``// indirect``. Since Go 1.17 go.mod lists
every module the build needs at the version minimal version selection picked, so the version on
the line is also the selected (locked) one. A ``replace`` of the module is reported as a note and,
when it names a module version, becomes the locked version. go.mod has no dev scope: Go's tests
share the module graph, so scope stays unknown (the import scan tells test-only use apart).
"""

from __future__ import annotations

import re
from dataclasses import replace

from tools.repo.dependencies.common import Hit, ManifestError, Parsed, clip, read
from tools.repo.reader import RepoReader

MAX_LINE_NOTES = 3
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|\S+')


def _tokens(text: str) -> list[str]:
    return [t.strip('"`') for t in _TOKEN.findall(text)]


def parse_go_mod(reader: RepoReader, path: str, name: str) -> Parsed:
    text = read(reader, path)
    hits: list[Hit] = []
    notes: list[str] = []
    replaced: tuple[int, list[str]] | None = None
    block: str | None = None
    bad = 0
    saw_module = False
    for number, raw in enumerate(text.splitlines(), start=1):
        code, _, comment = raw.partition("//")
        tokens = _tokens(code)
        if not tokens:
            continue
        if block is None:
            verb, rest = tokens[0], tokens[1:]
            if rest == ["("]:
                block = verb
                continue
            if rest[:1] == ["("] and rest[-1:] == [")"]:
                continue  # an empty one-line block
        elif tokens == [")"]:
            block = None
            continue
        else:
            verb, rest = block, tokens
        if verb == "module":
            saw_module = True
        elif verb == "require":
            if len(rest) != 2:
                bad += 1
                if bad <= MAX_LINE_NOTES:
                    notes.append(f"{path}:{number}: not a 'module version' requirement; skipped")
                continue
            if rest[0] != name:
                continue
            indirect = comment.strip().startswith("indirect")
            where = f"{path}:{number}"
            hits.append(
                Hit(
                    manifest=path,
                    where=where,
                    declares=not indirect,
                    direct=not indirect,
                    direct_why=f"{where} requires it" + (" (// indirect)" if indirect else ""),
                    scope=None,
                    scope_why=f"{path}: go.mod does not distinguish dev dependencies",
                    spec=None if indirect else clip(rest[1]),
                    version=clip(rest[1]),
                    primary=True,
                )
            )
        elif verb == "replace" and "=>" in rest:
            arrow = rest.index("=>")
            if rest[0] == name:
                replaced = (number, rest[arrow + 1 :])
    if block is not None:
        notes.append(f"{path}: a '{clip(block, 20)} (' block is never closed")
    if not saw_module and not hits:
        raise ManifestError(f"{path}: no module directive")
    if bad > MAX_LINE_NOTES:
        notes.append(f"{path}: {bad - MAX_LINE_NOTES} more lines were not understood")
    if replaced is not None:
        number, target = replaced
        shown = clip(" ".join(target), 200)
        notes.append(f"{path}:{number}: replaced by {shown}")
        if len(target) == 2 and not target[0].startswith((".", "/")):
            note = f"{path}:{number}: the version built is the replacement's, {shown}"
            hits = [replace(h, version=clip(target[1]), notes=(note,)) for h in hits]
    return Parsed(hits=tuple(hits), notes=tuple(notes))
