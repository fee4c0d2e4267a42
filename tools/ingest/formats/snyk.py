"""Snyk Open Source and Snyk Container JSON (``snyk test --json``, ``snyk container test --json``).

One project is an object with ``vulnerabilities[]``; ``--all-projects`` writes an array of them,
and a container scan nests the image's application projects under ``applications``. Every
``vulnerabilities[]`` entry is one result: Snyk repeats a vulnerability once per dependency path
(``from``), so entries of the same installed package and issue in one project merge into one
finding. Snyk's ``filtered.ignore``/``filtered.patch`` entries are counted as ignored results.

A project Snyk could not test is written as ``{"ok": false, "error", "path"}``: beside other
projects it marks the report incomplete; alone it is refused with Snyk's message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity, from_word
from tools.ingest.draft import Draft, build_report, cwe_ids
from tools.ingest.errors import ReportRejected
from tools.ingest.formats._advisories import (
    advisory_ids,
    cvss_score,
    one_line,
    osv_ecosystem,
    paragraphs,
    strings,
)
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "snyk"
TOOL = "Snyk"
_ERROR_KEYS = {"ok", "error", "path"}


def looks_like(document: Any) -> bool:
    if isinstance(document, dict):
        return _is_project(document) or (_is_error(document) and set(document) <= _ERROR_KEYS)
    return (
        isinstance(document, list)
        and bool(document)
        and all(_is_project(p) or _is_error(p) for p in document)
    )


def _is_project(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("vulnerabilities"), list)
        and isinstance(value.get("ok"), bool)
        and ("packageManager" in value or "dependencyCount" in value)
    )


def _is_error(value: Any) -> bool:
    # "path" too: a bare {"ok": false, "error": ...} is what many web APIs answer.
    return (
        isinstance(value, dict)
        and value.get("ok") is False
        and isinstance(value.get("error"), str)
        and isinstance(value.get("path"), str)
        and "vulnerabilities" not in value
    )


@dataclass(frozen=True)
class _Project:
    raw: JsonObject
    where: str
    """JSON path prefix of the project, "" for a single-project report."""
    manifest: str | None
    image: str | None


def parse(document: Any, context: ParseContext) -> ParsedReport:
    several = isinstance(document, list)
    tops = document if several else [obj(document, "report")]
    projects: list[_Project] = []
    errors: list[str] = []
    for index, raw in enumerate(tops):
        where = f"[{index}]" if several else ""
        top = obj(raw, where or "report")
        if "vulnerabilities" not in top and isinstance(top.get("error"), str):
            errors.append(top["error"])
            continue
        projects.extend(_projects(top, where))
    if not projects:
        reason = errors[0] if errors else "no project with a 'vulnerabilities' array"
        raise ReportRejected(f"snyk did not test anything: {one_line(reason)}")
    entries: list[tuple[_Project, JsonObject, str]] = []
    ignored = 0
    for project in projects:
        list_where = _member(project.where, "vulnerabilities")
        for index, vuln in enumerate(
            opt_arr(project.raw, "vulnerabilities", project.where or "report")
        ):
            entries.append((project, obj(vuln, f"{list_where}[{index}]"), f"{list_where}[{index}]"))
        filtered = opt_obj(project.raw, "filtered", project.where or "report") or {}
        ignored += len(opt_arr(filtered, "ignore", _member(project.where, "filtered")))
        ignored += len(opt_arr(filtered, "patch", _member(project.where, "filtered")))
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(entries) + ignored,
        ignored=ignored,
        drafts=_drafts(entries),
        context=context,
        complete=not errors,
    )


def _projects(project: JsonObject, where: str) -> list[_Project]:
    """The project and, for a container image, the application projects found inside it."""
    at = where or "report"
    if not isinstance(project.get("vulnerabilities"), list):
        raise ReportRejected(f"{at}: the 'vulnerabilities' array is missing")
    manifest = opt_str(project, "displayTargetFile", at) or opt_str(project, "targetFile", at)
    # An image's OS packages come from no file: the image name is where they were found.
    image = opt_str(project, "path", at) if "docker" in project and not manifest else None
    found = [_Project(project, where, manifest, image)]
    for index, raw in enumerate(opt_arr(project, "applications", at)):
        app_where = _member(where, f"applications[{index}]")
        found.extend(_projects(obj(raw, app_where), app_where))
    return found


def _member(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _drafts(entries: list[tuple[_Project, JsonObject, str]]) -> Iterator[Draft]:
    for project, vuln, where in entries:
        yield _draft(project, vuln, where)


def _draft(project: _Project, vuln: JsonObject, where: str) -> Draft:
    issue_id = opt_str(vuln, "id", where)
    if not issue_id:
        raise ReportRejected(f"{where}: the required 'id' property is missing")
    # packageName is the package the advisory names (a Debian source package, "gcc-10"); name is
    # the installed one ("gcc-10/libgcc-s1"), which keeps two installed packages apart.
    package = opt_str(vuln, "packageName", where) or opt_str(vuln, "name", where)
    if not package:
        raise ReportRejected(f"{where}: the required 'packageName' property is missing")
    installed = opt_str(vuln, "name", where) or package
    version = opt_str(vuln, "version", where)
    identifiers = opt_obj(vuln, "identifiers", where) or {}
    vector = opt_str(vuln, "CVSSv3", where)
    title = (opt_str(vuln, "title", where) or "").strip() or None
    manager = opt_str(vuln, "packageManager", where) or opt_str(
        project.raw, "packageManager", project.where or "report"
    )
    return Draft(
        tool=TOOL,
        rule_id=issue_id,
        rule_name=title,
        message=paragraphs(title, opt_str(vuln, "description", where)) or issue_id,
        severity=from_word(opt_str(vuln, "severity", where) or "") or Severity.MEDIUM,
        where=where,
        kind=FindingKind.SCA,
        cwe_ids=cwe_ids(identifiers.get("CWE")),
        path=project.manifest,
        identity=f"{installed}@{version}:{issue_id}",
        details=ScaDetails(
            ecosystem=osv_ecosystem(manager),
            package=package[:500],
            version=version[:500] if version else None,
            fixed_versions=tuple(v[:500] for v in strings(vuln.get("fixedIn"))),
            advisory_ids=advisory_ids(identifiers.get("CVE"), identifiers.get("GHSA"), issue_id),
            cvss_score=cvss_score(vuln.get("cvssScore")),
            cvss_vector=vector[:500] if vector else None,
            location=project.image[:2000] if project.image else None,
        ),
    )
