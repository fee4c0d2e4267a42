"""npm audit's JSON report from npm 6 and earlier (``npm audit --json``) → SCA Findings.

The report is ``{actions, advisories: {id: advisory}, muted, metadata}``. An advisory lists under
``findings`` each installed version of the package it affects; each such entry is one result, so
two installed versions are two findings. npm 7+ writes another layout (``npm-audit-v7``).

When npm cannot audit it prints only ``{"error": {code, summary, detail}}``; that is detected here
and refused with npm's own summary, rather than read as a clean report.
"""

from __future__ import annotations

import re
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
    one_line,
    paragraphs,
    strings,
)
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "npm-audit"
TOOL = "npm audit"
_NO_FIX = "<0.0.0"  # npm's patched_versions when no version is patched
_CWE = re.compile(r"CWE-[0-9]+", re.IGNORECASE)


def looks_like(document: Any) -> bool:
    return isinstance(document, dict) and (
        (
            isinstance(document.get("advisories"), dict)
            and isinstance(document.get("actions"), list)
            and isinstance(document.get("metadata"), dict)
        )
        or _is_error(document)
    )


def _is_error(document: dict[str, Any]) -> bool:
    error = document.get("error")
    return (
        set(document) == {"error"}
        and isinstance(error, dict)
        and isinstance(error.get("code"), str)
        and isinstance(error.get("summary"), str)
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = obj(document, "report")
    if _is_error(report):
        error = report["error"]
        raise ReportRejected(
            f"error: npm audit failed ({one_line(error['code'], 50)}): {one_line(error['summary'])}"
        )
    if "advisories" not in report:
        raise ReportRejected("report: the required 'advisories' property is missing")
    advisories = obj(report["advisories"], "advisories")
    entries: list[tuple[JsonObject, JsonObject | None, str]] = []
    for key, raw in advisories.items():
        where = f"advisories.{key[:100]}"
        advisory = obj(raw, where)
        installed = opt_arr(advisory, "findings", where)
        entries.extend(
            (advisory, obj(finding, f"{where}.findings[{i}]"), f"{where}.findings[{i}]")
            for i, finding in enumerate(installed)
        )
        if not installed:
            entries.append((advisory, None, where))
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(entries),
        drafts=_drafts(entries),
        context=context,
    )


def _drafts(entries: list[tuple[JsonObject, JsonObject | None, str]]) -> Iterator[Draft]:
    for advisory, installed, where in entries:
        version = opt_str(installed, "version", where) if installed else None
        paths = strings(installed.get("paths")) if installed else []
        yield advisory_draft(advisory, version, paths, where, tool=TOOL)


def advisory_draft(
    advisory: JsonObject, version: str | None, paths: list[str], where: str, *, tool: str
) -> Draft:
    """A Draft from one npm registry advisory object, as npm 6 and yarn 1 both print it."""
    package = opt_str(advisory, "module_name", where)
    if not package:
        raise ReportRejected(f"{where}: the required 'module_name' property is missing")
    npm_id = advisory.get("id")
    ghsa = opt_str(advisory, "github_advisory_id", where) or ghsa_in(
        opt_str(advisory, "url", where)
    )
    # The GHSA id where the report has one: npm renumbered its advisories in 2021, GHSA ids stay.
    rule_id = ghsa or (str(npm_id) if isinstance(npm_id, int | str) and npm_id != "" else None)
    if not rule_id:
        raise ReportRejected(f"{where}: the advisory has no 'id'")
    cvss = opt_obj(advisory, "cvss", where) or {}
    vector = cvss.get("vectorString")
    patched = opt_str(advisory, "patched_versions", where)
    title = (opt_str(advisory, "title", where) or "").strip() or None
    return Draft(
        tool=tool,
        rule_id=rule_id,
        rule_name=title,
        message=paragraphs(
            title,
            opt_str(advisory, "overview", where),
            opt_str(advisory, "recommendation", where),
        )
        or f"{package} is affected by {rule_id}",
        severity=from_word(opt_str(advisory, "severity", where) or "") or Severity.MEDIUM,
        where=where,
        kind=FindingKind.SCA,
        cwe_ids=cwe_ids(_cwe_list(advisory.get("cwe"))),
        identity=f"{package}@{version}:{rule_id}",
        details=ScaDetails(
            ecosystem="npm",
            package=package[:500],
            version=version[:500] if version else None,
            # npm gives the patched range (">=1.10.2"), not a list of versions.
            fixed_versions=(patched[:500],) if patched and patched != _NO_FIX else (),
            advisory_ids=advisory_ids(advisory.get("cves"), ghsa),
            cvss_score=cvss_score(cvss.get("score")),
            cvss_vector=vector[:500] if isinstance(vector, str) and vector else None,
            # npm names no lock file; the dependency chains ("a>b>growl") say where it is.
            location=location(paths),
        ),
    )


def _cwe_list(value: Any) -> Any:
    """npm's ``cwe``: "CWE-94", a list, or a list JSON-encoded into a string ('["CWE-400"]')."""
    return _CWE.findall(value) if isinstance(value, str) else value
