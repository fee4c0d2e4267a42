"""GitLab dependency-scanning report (``gl-dependency-scanning-report.json``) → SCA Findings.

The same security-report schema as GitLab SAST (see :mod:`gitlab_sast`), with one vulnerable
package version per entry in ``location.dependency``. The schema has no fixed-version field: the
fix is read from Gemnasium's ``solution`` sentence ("Upgrade to version 2.2.3 or above."), and the
ecosystem from the package manager that ``dependency_files`` gives for the manifest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tools.findings.finding import FindingKind, ScaDetails
from tools.ingest.draft import Draft, build_report
from tools.ingest.formats._advisories import osv_ecosystem
from tools.ingest.formats._sca import ordered_advisories
from tools.ingest.formats.gitlab_sast import (
    ReportScanner,
    entry_tool,
    entry_tools,
    identifiers,
    is_security_report,
    severity,
)
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "gitlab-dependency-scanning"
_SCAN_TYPE = "dependency_scanning"
# GitLab's package_manager names that the shared table does not know, in OSV spelling.
_ECOSYSTEMS = {"bundler": "RubyGems", "conan": "ConanCenter", "setuptools": "PyPI", "uv": "PyPI"}
_UPGRADE = re.compile(r"^\s*Upgrade to versions? (.+?) or above\.?\s*$", re.IGNORECASE)


def looks_like(document: Any) -> bool:
    return is_security_report(document, _SCAN_TYPE)


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = obj(document, "report")
    scanner = ReportScanner.read(report)
    vulnerabilities = opt_arr(report, "vulnerabilities", "report")
    return build_report(
        format_name=FORMAT,
        tools=list(entry_tools(vulnerabilities, scanner)) or [scanner.name],
        results=len(vulnerabilities),
        drafts=_drafts(vulnerabilities, scanner, _package_managers(report)),
        context=context,
        complete=scanner.complete,
    )


def _package_managers(report: JsonObject) -> dict[str, str]:
    """Manifest path → package manager, from ``dependency_files``."""
    managers: dict[str, str] = {}
    for index, raw in enumerate(opt_arr(report, "dependency_files", "report")):
        where = f"dependency_files[{index}]"
        entry = obj(raw, where)
        path = opt_str(entry, "path", where)
        manager = opt_str(entry, "package_manager", where)
        if path and manager:
            managers[path] = manager
    return managers


def _drafts(
    vulnerabilities: list[Any], scanner: ReportScanner, managers: dict[str, str]
) -> Iterator[Draft]:
    for index, raw in enumerate(vulnerabilities):
        where = f"vulnerabilities[{index}]"
        yield _draft(obj(raw, where), where, scanner, managers)


def _draft(
    vulnerability: JsonObject, where: str, scanner: ReportScanner, managers: dict[str, str]
) -> Draft:
    tool, tool_version, _scanner_id = entry_tool(vulnerability, where, scanner)
    rule_id, rule_name, cwes = identifiers(vulnerability, where)
    location = opt_obj(vulnerability, "location", where) or {}
    lwhere = f"{where}.location"
    path = opt_str(location, "file", lwhere)
    dependency = opt_obj(location, "dependency", lwhere) or {}
    package_obj = opt_obj(dependency, "package", f"{lwhere}.dependency") or {}
    version = opt_str(dependency, "version", f"{lwhere}.dependency")
    package = opt_str(package_obj, "name", f"{lwhere}.dependency.package") or _package_from_key(
        opt_str(vulnerability, "cve", where), path
    )
    advisories = _advisory_ids(vulnerability, where)
    primary = advisories[0] if advisories else rule_id
    name = opt_str(vulnerability, "name", where)
    manager = managers.get(path or "")
    return Draft(
        tool=tool,
        tool_version=tool_version,
        rule_id=rule_id,
        rule_name=name or rule_name,
        message=opt_str(vulnerability, "description", where)
        or opt_str(vulnerability, "message", where)
        or name
        or rule_id,
        severity=severity(vulnerability, where),
        where=where,
        kind=FindingKind.SCA,
        cwe_ids=cwes,
        path=path,
        identity=f"{package or ''}@{version or ''}:{primary}",
        details=ScaDetails(
            package=package[:500],
            version=version[:500] if version else None,
            ecosystem=(_ECOSYSTEMS.get(manager.lower()) or osv_ecosystem(manager))
            if manager
            else None,
            fixed_versions=_fixed_versions(opt_str(vulnerability, "solution", where)),
            advisory_ids=advisories,
            cvss_vector=_cvss_vector(vulnerability, where),
        )
        # Without a package name there is nothing to put in the details; the finding still
        # names the advisory and the manifest.
        if package
        else None,
    )


def _package_from_key(compare_key: str | None, path: str | None) -> str | None:
    """The package from Gemnasium's compare key ``<file>:<package>:<analyzer>:<advisory>``.

    Used only when ``location.dependency.package`` is empty; a Maven name keeps its own colon.
    """
    if not compare_key or not path or not compare_key.startswith(path + ":"):
        return None
    parts = compare_key[len(path) + 1 :].rsplit(":", 2)
    return parts[0] if len(parts) == 3 and parts[0] else None


def _advisory_ids(vulnerability: JsonObject, where: str) -> tuple[str, ...]:
    """Every non-CWE identifier value: CVEs first, then GHSA ids, then the analyzer's own."""
    found: list[str] = []
    for index, raw in enumerate(opt_arr(vulnerability, "identifiers", where)):
        entry = obj(raw, f"{where}.identifiers[{index}]")
        value = entry.get("value")
        if str(entry.get("type", "")).lower() != "cwe" and isinstance(value, str) and value:
            found.append(value[:500])
    return ordered_advisories(found)


def _fixed_versions(solution: str | None) -> tuple[str, ...]:
    match = _UPGRADE.match(solution or "")
    if match is None:
        return ()
    return tuple(v.strip()[:500] for v in match.group(1).split(",") if v.strip())


def _cvss_vector(vulnerability: JsonObject, where: str) -> str | None:
    """The first CVSS vector the report gives (``cvss_vectors``, schema 15), if any."""
    for index, raw in enumerate(opt_arr(vulnerability, "cvss_vectors", where)):
        entry = obj(raw, f"{where}.cvss_vectors[{index}]")
        vector = opt_str(entry, "vector", f"{where}.cvss_vectors[{index}]")
        if vector:
            return vector[:500]
    return None
