"""Helpers the dependency-scanner formats share: advisory id order, purl ecosystems, CVSS scores.

Trivy, Grype, OSV-Scanner and CycloneDX describe the same things (a package, its advisories, a
CVSS vector) in different words; these functions give one answer for all of them, so the same
vulnerability reads the same whichever scanner found it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from urllib.parse import unquote

from tools.findings.finding import ScaDetails

_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$", re.IGNORECASE)
_GHSA = re.compile(r"^GHSA(?:-[0-9a-z]{4}){3}$", re.IGNORECASE)

# purl types → OSV ecosystem names (https://ossf.github.io/osv-schema/#affectedpackage-field).
_PURL_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "maven": "Maven",
    "golang": "Go",
    "cargo": "crates.io",
    "gem": "RubyGems",
    "nuget": "NuGet",
    "composer": "Packagist",
    "hex": "Hex",
    "pub": "Pub",
    "swift": "SwiftURL",
    "conan": "ConanCenter",
    "hackage": "Hackage",
    "cran": "CRAN",
    "bitnami": "Bitnami",
}
# OS package purls name the distribution in their namespace (pkg:deb/debian/…).
_DISTRIBUTIONS = {
    "debian": "Debian",
    "ubuntu": "Ubuntu",
    "alpine": "Alpine",
    "redhat": "Red Hat",
    "rhel": "Red Hat",
    "rocky": "Rocky Linux",
    "almalinux": "AlmaLinux",
    "alma": "AlmaLinux",
    "wolfi": "Wolfi",
    "chainguard": "Chainguard",
    "photon": "Photon OS",
    "opensuse": "openSUSE",
    "suse": "SUSE",
    "sles": "SUSE",
    "mageia": "Mageia",
}
_OS_PURL_TYPES = frozenset({"deb", "apk", "rpm", "alpm"})

# CVSS v3.x base metric weights (FIRST CVSS v3.1 specification, section 7.4).
_AV = {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
_AC = {"L": 0.77, "H": 0.44}
_PR_UNCHANGED = {"N": 0.85, "L": 0.62, "H": 0.27}
_PR_CHANGED = {"N": 0.85, "L": 0.68, "H": 0.5}
_UI = {"N": 0.85, "R": 0.62}
_CIA = {"H": 0.56, "L": 0.22, "N": 0.0}
_CVSS3_PREFIX = re.compile(r"^CVSS:3\.[01]/")
_SHORT = 500
_LOCATION = 2000


def ordered_advisories(ids: Iterable[object]) -> tuple[str, ...]:
    """Distinct advisory ids, CVEs first, then GHSAs, then the rest, each group in report order."""
    seen: dict[str, str] = {}
    for value in ids:
        if isinstance(value, str) and value.strip():
            text = value.strip()
            canonical = text.upper() if _CVE.match(text) else text
            seen.setdefault(canonical.upper(), canonical)
    found = list(seen.values())
    cves = [i for i in found if _CVE.match(i)]
    ghsas = [i for i in found if _GHSA.match(i)]
    others = [i for i in found if not _CVE.match(i) and not _GHSA.match(i)]
    return (*cves, *ghsas, *others)


def ecosystem_from_purl(purl: str | None) -> str | None:
    """The OSV ecosystem a package URL names; None when it is not a purl we recognise."""
    if not purl or not purl.startswith("pkg:"):
        return None
    body = purl[4:].lstrip("/").split("?", 1)[0].split("#", 1)[0]
    kind, _, rest = body.partition("/")
    kind = kind.lower()
    if kind in _OS_PURL_TYPES:
        namespace = unquote(rest.split("/", 1)[0]).lower() if "/" in rest else ""
        return _DISTRIBUTIONS.get(namespace)
    return _PURL_ECOSYSTEMS.get(kind)


def cvss3_base_score(vector: str | None) -> float | None:
    """The CVSS v3.0/v3.1 base score of ``vector``; None for any other or malformed vector.

    Some reports (OSV) give only the vector; the score is a fixed function of it, so computing it
    adds no judgement of ours.
    """
    if not vector:
        return None
    metrics: dict[str, str] = {}
    for part in _CVSS3_PREFIX.sub("", vector.strip()).split("/"):
        name, _, value = part.partition(":")
        metrics[name] = value
    try:
        changed = {"U": False, "C": True}[metrics["S"]]
        privileges = (_PR_CHANGED if changed else _PR_UNCHANGED)[metrics["PR"]]
        exploitability = (
            8.22 * _AV[metrics["AV"]] * _AC[metrics["AC"]] * privileges * _UI[metrics["UI"]]
        )
        c, i, a = _CIA[metrics["C"]], _CIA[metrics["I"]], _CIA[metrics["A"]]
    except KeyError:
        return None
    base = 1 - (1 - c) * (1 - i) * (1 - a)
    scope_changed_impact = 7.52 * (base - 0.029) - 3.25 * (base - 0.02) ** 15
    impact = scope_changed_impact if changed else 6.42 * base
    if impact <= 0:
        return 0.0
    total = (impact + exploitability) * (1.08 if changed else 1.0)
    return _round_up(min(total, 10.0))


def _round_up(value: float) -> float:
    """CVSS v3.1 Roundup: the smallest one-decimal number >= value, immune to float noise."""
    scaled = round(value * 100_000)
    if scaled % 10_000 == 0:
        return scaled / 100_000
    return (math.floor(scaled / 10_000) + 1) / 10.0


def cvss_number(value: object) -> float | None:
    """A 0-10 score from a JSON number or numeric string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value) and 0.0 <= value <= 10.0:
        return float(value)
    return None


def sca_details(
    *,
    package: str | None,
    version: str | None,
    ecosystem: str | None = None,
    fixed_versions: Iterable[str] = (),
    advisory_ids: Iterable[str] = (),
    cvss_score: float | None = None,
    cvss_vector: str | None = None,
    location: str | None = None,
) -> ScaDetails | None:
    """ScaDetails cut to the model's limits, or None without a package name.

    The details are built in the parser, before build_report validates a draft and can quarantine
    it, so an overlong field in a hostile report must not get as far as raising here.
    """
    if not package:
        return None
    return ScaDetails(
        package=package[:_SHORT],
        version=version[:_SHORT] if version else None,
        ecosystem=ecosystem[:_SHORT] if ecosystem else None,
        fixed_versions=tuple(dict.fromkeys(v[:_SHORT] for v in fixed_versions if v)),
        advisory_ids=tuple(dict.fromkeys(a[:_SHORT] for a in advisory_ids if a)),
        cvss_score=cvss_score,
        cvss_vector=cvss_vector[:_SHORT] if cvss_vector else None,
        location=location[:_LOCATION] if location else None,
    )
