"""Helpers the four JFrog Xray report kinds share: component ids, CVSS strings, one Draft shape.

Xray names a package ``<type>://<coordinates>``: ``pypi://Jinja2:2.11.2``,
``gav://org.yaml:snakeyaml:1.16``, ``deb://debian:stretch:libx11:2:1.6.4-3`` (a Debian version
may itself hold a colon), ``alpine://3.12:openssl:1.1.1k-r0``, ``rpm://7:bash:4.2.46-34.el7``.
The artifact the package sits in (an image, an archive) is the finding's ``details.location``:
Xray scans artifacts in a repository manager, not a source tree, so there is no repository path.
"""

from __future__ import annotations

from collections.abc import Iterable

from tools.findings.finding import FindingKind
from tools.findings.severity import Severity, from_score, from_word
from tools.ingest.draft import Draft, cwe_ids
from tools.ingest.formats._sca import cvss3_base_score, cvss_number, ordered_advisories, sca_details

TOOL = "JFrog Xray"
_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "gav": "Maven",
    "maven": "Maven",
    "go": "Go",
    "nuget": "NuGet",
    "composer": "Packagist",
    "gem": "RubyGems",
    "cargo": "crates.io",
    "alpine": "Alpine",
}
_DISTRIBUTIONS = {"debian": "Debian", "ubuntu": "Ubuntu"}


def component(component_id: str) -> tuple[str | None, str, str | None]:
    """(ecosystem, package, version) of an Xray component id; a bare name is its own package."""
    scheme, sep, rest = component_id.partition("://")
    if not sep:
        return None, component_id, None
    scheme = scheme.lower()
    parts = rest.split(":")
    if scheme == "deb" and len(parts) >= 4:
        distro, _release, package = parts[:3]
        return _DISTRIBUTIONS.get(distro.lower()), package, ":".join(parts[3:])
    if scheme in ("alpine", "rpm", "layer") and len(parts) >= 3:
        return _ECOSYSTEMS.get(scheme), parts[1], ":".join(parts[2:])
    if scheme == "deb" and len(parts) == 3:  # legacy ids without a version: deb://debian:stretch:x
        return _DISTRIBUTIONS.get(parts[0].lower()), parts[2], None
    package, sep, version = rest.rpartition(":")
    if not sep or not package:
        return _ECOSYSTEMS.get(scheme), rest, None
    return _ECOSYSTEMS.get(scheme), package, version


def cvss_pair(value: object) -> tuple[float | None, str | None]:
    """Score and vector from Xray's ``"9.8/CVSS:3.1/AV:N/…"`` (or a bare score, or a vector)."""
    if isinstance(value, int | float):
        return cvss_number(value), None
    if not isinstance(value, str) or not value.strip():
        return None, None
    head, _sep, tail = value.strip().partition("/")
    score = cvss_number(head)
    if score is not None:
        return score, tail or None
    vector = value.strip()
    return cvss3_base_score(vector), vector


def fixed(versions: Iterable[object]) -> tuple[str, ...]:
    """Fixed versions without Xray's decorations (``[1.9.4]``, ``≥ 2:1.6.4-3+deb9u1``)."""
    found: list[str] = []
    for value in versions:
        if isinstance(value, str):
            text = value.strip().strip("[]()").lstrip("≥>= ").strip()
            if text:
                found.append(text)
    return tuple(found)


def sca_draft(
    *,
    where: str,
    component_id: str,
    issue_id: str | None,
    cves: Iterable[str],
    cwes: Iterable[object],
    summary: str | None,
    severity_word: str | None,
    fixed_versions: Iterable[str],
    cvss_score: float | None,
    cvss_vector: str | None,
    location: str | None,
    tool_version: str | None = None,
) -> Draft:
    ecosystem, package, version = component(component_id)
    advisories = ordered_advisories([*cves, issue_id])
    primary = advisories[0] if advisories else "unknown"
    by_score = from_score(cvss_score) if cvss_score is not None else None
    severity = from_word(severity_word or "") or by_score or Severity.MEDIUM
    return Draft(
        tool=TOOL,
        tool_version=tool_version,
        rule_id=primary,
        rule_name=(summary or "")[:200] or None,
        message=summary or f"{package} {version or ''} is affected by {primary}",
        severity=severity,
        where=where,
        kind=FindingKind.SCA,
        cwe_ids=cwe_ids(list(cwes)),
        # The same advisory in two artifacts (two images) is two things to fix.
        identity=f"{package}@{version}:{primary}@{location or ''}",
        details=sca_details(
            package=package,
            version=version,
            ecosystem=ecosystem,
            fixed_versions=fixed_versions,
            advisory_ids=advisories,
            cvss_score=cvss_score,
            cvss_vector=cvss_vector,
            location=location,
        ),
    )
