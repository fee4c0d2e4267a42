"""Helpers the npm-family, pip-audit, Snyk and Dependabot formats share.

Advisory id order comes from :mod:`tools.ingest.formats._sca`, so an advisory reads the same
whichever scanner reported it.
"""

from __future__ import annotations

import re
from typing import Any

from tools.ingest.formats._sca import ordered_advisories

_GHSA = re.compile(r"GHSA(?:-[0-9a-z]{4}){3}", re.IGNORECASE)
_ID_LIMIT = 500  # ScaDetails caps each advisory id at this length
_LOCATION_LIMIT = 2000  # ScaDetails.location's cap: a longer value would quarantine the finding

# Package managers' and GitHub's ecosystem names → OSV's spelling (what ScaDetails documents).
# A name missing here is kept as the report wrote it rather than guessed.
OSV_ECOSYSTEMS = {
    "actions": "GitHub Actions",
    "cargo": "crates.io",
    "cocoapods": "CocoaPods",
    "composer": "Packagist",
    "erlang": "Hex",
    "go": "Go",
    "golang": "Go",
    "golangdep": "Go",
    "gomodules": "Go",
    "govendor": "Go",
    "gradle": "Maven",
    "hex": "Hex",
    "maven": "Maven",
    "npm": "npm",
    "nuget": "NuGet",
    "paket": "NuGet",
    "pip": "PyPI",
    "pipenv": "PyPI",
    "pnpm": "npm",
    "poetry": "PyPI",
    "pub": "Pub",
    "pypi": "PyPI",
    "rubygems": "RubyGems",
    "rust": "crates.io",
    "sbt": "Maven",
    "swift": "SwiftURL",
    "yarn": "npm",
}
# Snyk Container names an OS package's manager "debian:11", "alpine:3.18", …
_DISTRIBUTIONS = {
    "alpine": "Alpine",
    "debian": "Debian",
    "rhel": "Red Hat",
    "rocky": "Rocky Linux",
    "ubuntu": "Ubuntu",
    "wolfi": "Wolfi",
}


def osv_ecosystem(name: str | None) -> str | None:
    if not name or not name.strip():
        return None
    key = name.strip().lower()
    distribution = _DISTRIBUTIONS.get(key.split(":", 1)[0]) if ":" in key else None
    return distribution or OSV_ECOSYSTEMS.get(key, name.strip()[:_ID_LIMIT])


def ghsa_in(text: str | None) -> str | None:
    """The GHSA id in an advisory URL such as ``https://github.com/advisories/GHSA-…``."""
    match = _GHSA.search(text or "")
    return "GHSA" + match.group(0)[4:].lower() if match else None


def strings(value: Any) -> list[str]:
    """The non-empty strings of a value that should be a list of strings; anything else is dropped.

    Optional lists (aliases, CVEs, fixed versions) are read leniently: one odd element is no
    reason to refuse a whole report.
    """
    items = value if isinstance(value, list) else [value]
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def advisory_ids(*values: Any) -> tuple[str, ...]:
    """Advisory ids once each, CVEs first, then GHSAs, then the rest, otherwise in report order.

    Each value may be one id or a list of them; non-strings are dropped.
    """
    return ordered_advisories(item[:_ID_LIMIT] for value in values for item in strings(value))


def cvss_score(value: Any) -> float | None:
    """A CVSS base score, or None when absent or not a 0-10 number (0 means "not scored")."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0.0 < value <= 10.0 else None


def location(parts: list[str], separator: str = ", ") -> str | None:
    """Dependency paths joined for ScaDetails.location, cut to the length it accepts."""
    joined = separator.join(parts)
    return joined[:_LOCATION_LIMIT] or None


def one_line(text: str, limit: int = 300) -> str:
    """A scanner's error text fit for a one-line ReportRejected reason."""
    return " ".join(text.split())[:limit]


def paragraphs(*parts: str | None) -> str:
    return "\n\n".join(part.strip() for part in parts if part and part.strip())
