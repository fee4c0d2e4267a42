"""CWE families for cross-tool deduplication, read from ``cwe_families.toml``."""

from __future__ import annotations

import tomllib
from pathlib import Path

DEFAULT_CWE_FAMILIES = Path(__file__).with_name("cwe_families.toml")


class CweFamiliesError(Exception):
    """The CWE families file is missing or invalid."""


def load_cwe_families(path: Path = DEFAULT_CWE_FAMILIES) -> dict[str, str]:
    """``{"CWE-78": "command-injection", …}``; a CWE may belong to one family only."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CweFamiliesError(f"cannot read CWE families {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CweFamiliesError(f"invalid CWE families {path}: {exc}") from exc
    families = data.get("families")
    if not isinstance(families, dict):
        raise CweFamiliesError(f"{path}: a [families] table is required")
    by_cwe: dict[str, str] = {}
    for family, members in families.items():
        if not isinstance(members, list) or not all(isinstance(m, int) for m in members):
            raise CweFamiliesError(f"{path}: family {family!r} must list CWE numbers")
        for number in members:
            cwe = f"CWE-{number}"
            if cwe in by_cwe:
                raise CweFamiliesError(f"{path}: {cwe} is in both {by_cwe[cwe]!r} and {family!r}")
            by_cwe[cwe] = family
    return by_cwe
