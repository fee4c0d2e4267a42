"""``yarn.lock``, classic (v1) and Berry (v2+), read line by line without a YAML library.

An entry starts with an unindented header line ending in ``:`` that lists the requested
descriptors, comma-separated and optionally quoted (``"lodash@^4.17.0", lodash@^4.17.21:``; Berry:
``"lodash@npm:^4.17.0, lodash@npm:^4.17.21":``). The name is everything before the ``@`` that
follows the first character (so ``@scope/name@range`` splits correctly). The entry's ``version``
is the two-space-indented ``version "x"`` (v1) or ``version: x`` (Berry) line. ``workspace:``
entries are the project itself and are skipped. yarn.lock records neither dev nor direct: both come
from the package.json beside it.
"""

from __future__ import annotations

import re

from tools.repo.dependencies.common import Hit, ManifestError, Parsed, clip, read
from tools.repo.reader import RepoReader

MAX_LINE_NOTES = 3
_VERSION = re.compile(r"^  version:?\s+\"?([^\"\s]+)\"?\s*$")


def split_descriptor(descriptor: str) -> tuple[str, str] | None:
    """``name@range`` -> (name, range); None without a name or range."""
    descriptor = descriptor.strip().strip('"').strip("'")
    at = descriptor.find("@", 1)
    if at <= 0:
        return None
    return descriptor[:at], descriptor[at + 1 :]


def parse_yarn_lock(reader: RepoReader, path: str, name: str) -> Parsed:
    text = read(reader, path)
    hits: list[Hit] = []
    notes: list[str] = []
    bad = 0
    headers = 0
    current: tuple[int, tuple[str, ...]] | None = None  # (header line, ranges) when it is ours
    version_seen = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            if current is not None and not version_seen:
                notes.append(f"{path}:{current[0]}: entry without a version")
            current, version_seen = None, False
            if not line.rstrip().endswith(":"):
                bad += 1
                if bad <= MAX_LINE_NOTES:
                    notes.append(f"{path}:{number}: not an entry header; skipped")
                continue
            headers += 1
            ranges = []
            for descriptor in line.rstrip()[:-1].split(","):
                parts = split_descriptor(descriptor)
                if parts and parts[0] == name and not parts[1].startswith("workspace:"):
                    ranges.append(parts[1])
            if ranges:
                current = (number, tuple(clip(r, 120) for r in ranges))
            continue
        if current is None or version_seen:
            continue
        match = _VERSION.match(line)
        if match:
            version_seen = True
            hits.append(
                Hit(
                    manifest=path,
                    where=f"{path}:{current[0]}",
                    declares=False,
                    direct=None,
                    direct_why=f"{path} does not record which packages are direct",
                    scope=None,
                    scope_why=f"{path} does not record dev dependencies",
                    version=clip(match.group(1)),
                    ranges=current[1],
                )
            )
    if current is not None and not version_seen:
        notes.append(f"{path}:{current[0]}: entry without a version")
    if bad > MAX_LINE_NOTES:
        notes.append(f"{path}: {bad - MAX_LINE_NOTES} more lines were not understood")
    if headers == 0 and bad > 0:
        raise ManifestError(f"{path}: no yarn.lock entries found")
    return Parsed(hits=tuple(hits), notes=tuple(notes))
