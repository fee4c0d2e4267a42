"""npm audit's JSON report from npm 7 and later (``auditReportVersion: 2``) → SCA Findings.

``vulnerabilities`` maps each vulnerable package to an entry whose ``via`` mixes two things: an
object is an advisory against that package (one result), a string names another vulnerable
package this one depends on. The strings only repeat, one level up the tree, advisories that
are already reported on their own package, so they are neither results nor findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity, from_word
from tools.ingest.draft import Draft, build_report, cwe_ids
from tools.ingest.errors import ReportRejected
from tools.ingest.formats._advisories import (
    advisory_ids,
    cvss_score,
    ghsa_in,
    location,
    paragraphs,
    strings,
)
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "npm-audit-v7"
TOOL = "npm audit"


def looks_like(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and document.get("auditReportVersion") == 2
        and isinstance(document.get("vulnerabilities"), dict)
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = obj(document, "report")
    if "vulnerabilities" not in report:
        raise ReportRejected("report: the required 'vulnerabilities' property is missing")
    entries: list[tuple[JsonObject, JsonObject, str]] = []
    for name, raw in obj(report["vulnerabilities"], "vulnerabilities").items():
        where = f"vulnerabilities.{name[:200]}"
        package = obj(raw, where)
        for index, via in enumerate(opt_arr(package, "via", where)):
            if isinstance(via, str):
                continue  # a dependency that carries the advisory, reported on its own entry
            entries.append((package, obj(via, f"{where}.via[{index}]"), f"{where}.via[{index}]"))
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(entries),
        drafts=_drafts(entries),
        context=context,
    )


def _drafts(entries: list[tuple[JsonObject, JsonObject, str]]) -> Iterator[Draft]:
    for package, via, where in entries:
        yield _draft(package, via, where)


def _draft(package: JsonObject, via: JsonObject, where: str) -> Draft:
    name = opt_str(via, "name", where) or opt_str(package, "name", where)
    if not name:
        raise ReportRejected(f"{where}: the required 'name' property is missing")
    url = opt_str(via, "url", where)
    source = via.get("source")
    ghsa = ghsa_in(url)
    # GHSA ids (in the advisory URL since 2021) are stable; npm's numeric source id is not.
    rule_id = ghsa or (str(source) if isinstance(source, int | str) and source != "" else None)
    if not rule_id:
        raise ReportRejected(f"{where}: the advisory has no 'source' id or advisory URL")
    cvss = opt_obj(via, "cvss", where) or {}
    vector = cvss.get("vectorString")
    title = (opt_str(via, "title", where) or "").strip() or None
    return Draft(
        tool=TOOL,
        rule_id=rule_id,
        rule_name=title,
        message=paragraphs(title, _fix_hint(package, name)) or f"{name} is affected by {rule_id}",
        # The advisory's own severity; the entry's severity is the worst over all its "via".
        severity=from_word(opt_str(via, "severity", where) or "") or Severity.MEDIUM,
        where=where,
        kind=FindingKind.SCA,
        cwe_ids=cwe_ids(via.get("cwe")),
        # npm 7+ does not say which version is installed, only the vulnerable range.
        identity=f"{name}:{rule_id}",
        details=ScaDetails(
            ecosystem="npm",
            package=name[:500],
            fixed_versions=_fixed_versions(package, name),
            advisory_ids=advisory_ids(ghsa),
            cvss_score=cvss_score(cvss.get("score")),
            cvss_vector=vector[:500] if isinstance(vector, str) and vector else None,
            location=location(strings(package.get("nodes"))),
        ),
    )


def _fixed_versions(package: JsonObject, name: str) -> tuple[str, ...]:
    """The fix npm names, when it is a version of this package and not of a parent."""
    fix = package.get("fixAvailable")
    if isinstance(fix, dict) and fix.get("name") == name and isinstance(fix.get("version"), str):
        return (fix["version"][:500],)
    return ()


def _fix_hint(package: JsonObject, name: str) -> str | None:
    fix = package.get("fixAvailable")
    if not isinstance(fix, dict) or fix.get("name") == name:
        return None
    parent, version = fix.get("name"), fix.get("version")
    if not isinstance(parent, str) or not isinstance(version, str):
        return None
    major = " (a semver-major upgrade)" if fix.get("isSemVerMajor") is True else ""
    return f"npm's fix: upgrade {parent[:200]} to {version[:100]}{major}."
