"""MITRE's Common Weakness Enumeration: does a CWE id exist, and what is it called?

The snapshot (``snapshots/cwe.json``) keeps, for every weakness, category and view of one CWE
release, its number, kind, status and name; nothing else. It is built from MITRE's XML catalogue
by ``tests/support/build_cwe_snapshot.py`` (see ``snapshots/SOURCE.md``; terms of use in
``snapshots/CWE-TERMS-OF-USE``).

Deprecated and obsolete entries are kept: their ids are real (scanners still emit some), and the
status says they should not be cited any more.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tools.intel.kev import IntelError

DEFAULT_CWE_SNAPSHOT = Path(__file__).with_name("snapshots") / "cwe.json"

CweKind = Literal["weakness", "category", "view"]
_KINDS: frozenset[str] = frozenset({"weakness", "category", "view"})
_ID = re.compile(r"(?:CWE[-_ ]?)?(\d{1,6})", re.IGNORECASE | re.ASCII)


@dataclass(frozen=True)
class CweEntry:
    number: int
    kind: CweKind
    status: str
    """MITRE's status: Stable, Draft, Incomplete, Obsolete or Deprecated."""
    name: str

    @property
    def id(self) -> str:
        return f"CWE-{self.number}"

    @property
    def deprecated(self) -> bool:
        return self.status in {"Deprecated", "Obsolete"}


@dataclass(frozen=True)
class CweCatalog:
    version: str
    """The CWE release, e.g. ``4.14``."""
    date: str
    entries: Mapping[int, CweEntry]

    def lookup(self, cwe_id: str | int) -> CweEntry | None:
        """The entry for ``CWE-79``, ``cwe_79``, ``79`` or 79; None when there is none."""
        number = parse_cwe_number(cwe_id)
        return None if number is None else self.entries.get(number)

    def exists(self, cwe_id: str | int) -> bool:
        """True when ``cwe_id`` names an entry of this release (deprecated ones included)."""
        return self.lookup(cwe_id) is not None

    def name(self, cwe_id: str | int) -> str | None:
        entry = self.lookup(cwe_id)
        return None if entry is None else entry.name

    @property
    def provenance(self) -> str:
        return f"MITRE CWE {self.version} ({self.date})"


def parse_cwe_number(cwe_id: str | int) -> int | None:
    """The number in a CWE id as scanners spell it, or None when it is not one."""
    if isinstance(cwe_id, bool):
        return None
    if isinstance(cwe_id, int):
        return cwe_id if cwe_id >= 0 else None
    match = _ID.fullmatch(cwe_id.strip())
    return int(match.group(1)) if match else None


def load_cwe(path: Path = DEFAULT_CWE_SNAPSHOT) -> CweCatalog:
    """Read a snapshot written by the build script: ``{"version", "date", "entries": [...]}``.

    Each entry is ``[number, kind, status, name]``.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries: dict[int, CweEntry] = {}
        for number, kind, status, name in data["entries"]:
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise ValueError(f"bad CWE number {number!r}")
            if kind not in _KINDS:
                raise ValueError(f"CWE-{number}: unknown kind {kind!r}")
            if number in entries:
                raise ValueError(f"CWE-{number} is listed twice")
            entries[number] = CweEntry(number, kind, str(status), str(name))
        return CweCatalog(version=str(data["version"]), date=str(data["date"]), entries=entries)
    except OSError as exc:
        raise IntelError(f"cannot read CWE snapshot {path}: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise IntelError(f"malformed CWE snapshot {path}: {exc}") from exc
