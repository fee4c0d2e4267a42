"""Anchore Grype's native JSON report (``grype … -o json``) → SCA Findings.

Each entry of ``matches`` is one vulnerability in one package found at one place. Grype scans
images as well as directories: a directory scan names a repository file (``requirements.txt``),
an image scan an absolute path inside the image, which build_report moves to
``details.location``. That place is part of the identity, so a library present twice in an image
stays two findings, as two lock files in a repository do. Very old Grype releases (0.7) wrote the
CVSS and fix under other keys (``cvssV3``, ``fixedInVersion``); both spellings are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tools.findings.finding import FindingKind
from tools.findings.severity import Severity, from_score, from_word
from tools.ingest.draft import Draft, build_report, path_problem
from tools.ingest.formats._sca import (
    cvss3_base_score,
    cvss_number,
    ecosystem_from_purl,
    ordered_advisories,
    sca_details,
)
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "grype"
TOOL = "Grype"

# Grype's words beyond the shared vocabulary: "Negligible" is below Low, "Unknown" is no rating.
_WORDS = {"negligible": Severity.INFO}
# Grype's package types → OSV ecosystems, for matches whose artifact has no purl.
_TYPE_ECOSYSTEMS = {
    "python": "PyPI",
    "npm": "npm",
    "java-archive": "Maven",
    "jenkins-plugin": "Maven",
    "go-module": "Go",
    "gem": "RubyGems",
    "rust-crate": "crates.io",
    "php-composer": "Packagist",
    "dotnet": "NuGet",
    "hex": "Hex",
    "dart-pub": "Pub",
}


def looks_like(document: Any) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("matches"), list):
        return False
    descriptor = document.get("descriptor")
    if isinstance(descriptor, dict) and descriptor.get("name") == "grype":
        return True
    # Some reports are cut down to "matches" alone; then every match must look like Grype's.
    matches = document["matches"]
    return bool(matches) and all(
        isinstance(match, dict) and "vulnerability" in match and "artifact" in match
        for match in matches
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = obj(document, "report")
    matches = opt_arr(report, "matches", "report")
    # Matches the user's Grype configuration ignored: accepted, so counted but not findings.
    ignored = opt_arr(report, "ignoredMatches", "report")
    descriptor = opt_obj(report, "descriptor", "report") or {}
    version = opt_str(descriptor, "version", "descriptor")
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(matches) + len(ignored),
        ignored=len(ignored),
        drafts=_drafts(matches, version),
        context=context,
    )


def _drafts(matches: list[Any], version: str | None) -> Iterator[Draft]:
    for index, raw in enumerate(matches):
        where = f"matches[{index}]"
        yield _draft(obj(raw, where), where, version)


def _draft(match: JsonObject, where: str, tool_version: str | None) -> Draft:
    vulnerability = obj(match.get("vulnerability"), f"{where}.vulnerability")
    artifact = obj(match.get("artifact"), f"{where}.artifact")
    v_where, a_where = f"{where}.vulnerability", f"{where}.artifact"
    related = [
        obj(item, f"{where}.relatedVulnerabilities[{i}]")
        for i, item in enumerate(opt_arr(match, "relatedVulnerabilities", where))
    ]
    # CVSS ratings of Grype's own record first, then of the related (NVD) records.
    ratings = [_ratings(vulnerability, v_where)] + [
        _ratings(record, f"{where}.relatedVulnerabilities[{i}]") for i, record in enumerate(related)
    ]
    vulnerability_id = opt_str(vulnerability, "id", v_where) or ""
    package = opt_str(artifact, "name", a_where)
    version = opt_str(artifact, "version", a_where)
    path = _first_location(artifact, a_where)
    score, vector = _cvss(vulnerability, ratings, v_where)
    # A v2 score only rates a match Grype left "Unknown"; it is not a v3 score to show.
    rating = score if score is not None else _v2_score(vulnerability, ratings, v_where)
    description = opt_str(vulnerability, "description", v_where) or next(
        (d for r in related if (d := r.get("description")) and isinstance(d, str)), None
    )
    # A place outside the repository is not in the fingerprint's path, so it joins the identity.
    place = f" {path}" if path and path_problem(path) else ""
    return Draft(
        tool=TOOL,
        tool_version=tool_version,
        kind=FindingKind.SCA,
        rule_id=vulnerability_id,
        message=description or f"{vulnerability_id} in {package} {version or ''}".strip(),
        severity=_severity(opt_str(vulnerability, "severity", v_where), rating),
        where=where,
        path=path,
        identity=f"{package}@{version}:{vulnerability_id}{place}",
        details=sca_details(
            package=package,
            version=version,
            ecosystem=_ecosystem(artifact, a_where),
            fixed_versions=_fixed_versions(vulnerability, v_where),
            advisory_ids=ordered_advisories([vulnerability_id, *(r.get("id") for r in related)]),
            cvss_score=score,
            cvss_vector=vector,
        ),
    )


def _first_location(artifact: JsonObject, where: str) -> str | None:
    for index, raw in enumerate(opt_arr(artifact, "locations", where)):
        location = obj(raw, f"{where}.locations[{index}]")
        path = opt_str(location, "path", f"{where}.locations[{index}]")
        if path:
            return path
    return None


def _ecosystem(artifact: JsonObject, where: str) -> str | None:
    purl = opt_str(artifact, "purl", where)
    kind = opt_str(artifact, "type", where)
    return ecosystem_from_purl(purl) or _TYPE_ECOSYSTEMS.get(kind or "", kind)


def _fixed_versions(vulnerability: JsonObject, where: str) -> tuple[str, ...]:
    fix = opt_obj(vulnerability, "fix", where) or {}
    versions = [v for v in opt_arr(fix, "versions", f"{where}.fix") if isinstance(v, str) and v]
    legacy = opt_str(vulnerability, "fixedInVersion", where)
    if legacy:
        versions.append(legacy)
    return tuple(dict.fromkeys(versions))


def _ratings(record: JsonObject, where: str) -> list[JsonObject]:
    return [e for e in opt_arr(record, "cvss", where) if isinstance(e, dict)]


def _cvss(
    vulnerability: JsonObject, ratings: list[list[JsonObject]], where: str
) -> tuple[float | None, str | None]:
    """A v3 (else v4) score and vector from the first record that has one."""
    for entries in ratings:
        found = _best_cvss(entries)
        if found != (None, None):
            return found
    legacy = opt_obj(vulnerability, "cvssV3", where)
    if legacy is not None:
        vector = legacy.get("vector")
        return cvss_number(legacy.get("baseScore")), vector if isinstance(vector, str) else None
    return None, None


def _best_cvss(entries: list[JsonObject]) -> tuple[float | None, str | None]:
    for major in ("3", "4"):
        candidates = [e for e in entries if str(e.get("version", "")).startswith(major)]
        # NVD marks its own rating "Primary" and a vendor's "Secondary".
        candidates.sort(key=lambda e: e.get("type") != "Primary")
        for entry in candidates:
            raw_vector = entry.get("vector")
            vector = raw_vector if isinstance(raw_vector, str) else None
            metrics = entry.get("metrics")
            score = cvss_number(metrics.get("baseScore")) if isinstance(metrics, dict) else None
            if score is None and major == "3":
                score = cvss3_base_score(vector)
            if score is not None or vector is not None:
                return score, vector
    return None, None


def _v2_score(
    vulnerability: JsonObject, ratings: list[list[JsonObject]], where: str
) -> float | None:
    for entries in ratings:
        for entry in entries:
            metrics = entry.get("metrics")
            if str(entry.get("version", "")).startswith("2") and isinstance(metrics, dict):
                score = cvss_number(metrics.get("baseScore"))
                if score is not None:
                    return score
    legacy = opt_obj(vulnerability, "cvssV2", where) or {}
    return cvss_number(legacy.get("baseScore"))


def _severity(word: str | None, score: float | None) -> Severity:
    lowered = (word or "").strip().lower()
    return (
        _WORDS.get(lowered)
        or from_word(lowered)
        or (from_score(score) if score is not None else None)
        or Severity.MEDIUM
    )
