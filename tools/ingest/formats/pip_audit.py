"""pip-audit's JSON report (``pip-audit -f json``) → SCA Findings, one per (dependency, advisory).

Two layouts exist: pip-audit before 2.5 wrote a bare array of dependencies; later versions wrap it
as ``{"dependencies": [...], "fixes": [...]}``. Each dependency is ``{name, version, vulns}``, or
``{name, skip_reason}`` when pip-audit could not audit it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity
from tools.ingest.draft import Draft, build_report
from tools.ingest.errors import ReportRejected
from tools.ingest.formats._advisories import advisory_ids, paragraphs, strings
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "pip-audit"
TOOL = "pip-audit"
_WRAPPER_KEYS = {"dependencies", "fixes"}


def looks_like(document: Any) -> bool:
    if isinstance(document, dict):
        dependencies = document.get("dependencies")
        return (
            set(document) <= _WRAPPER_KEYS
            and isinstance(dependencies, list)
            and all(_is_dependency(d) for d in dependencies)
        )
    # A bare "[]" is also an empty old-style report, but it carries no sign of which tool wrote
    # it (Dependabot and Snyk write arrays too): detection leaves it to an explicit format choice.
    return (
        isinstance(document, list) and bool(document) and all(_is_dependency(d) for d in document)
    )


def _is_dependency(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and (isinstance(value.get("vulns"), list) or isinstance(value.get("skip_reason"), str))
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    if isinstance(document, list):
        dependencies, prefix = document, ""
    else:
        report = obj(document, "report")
        if "dependencies" not in report:
            raise ReportRejected("report: the required 'dependencies' property is missing")
        dependencies, prefix = opt_arr(report, "dependencies", "report"), "dependencies"
    entries: list[tuple[JsonObject, JsonObject, str, str]] = []
    skipped = 0
    for index, raw in enumerate(dependencies):
        where = f"{prefix}[{index}]"
        dependency = obj(raw, where)
        if opt_str(dependency, "skip_reason", where) is not None:
            skipped += 1
        for number, vuln in enumerate(opt_arr(dependency, "vulns", where)):
            vuln_where = f"{where}.vulns[{number}]"
            entries.append((dependency, obj(vuln, vuln_where), where, vuln_where))
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(entries),
        drafts=_drafts(entries),
        context=context,
        # A skipped dependency was not audited: its missing findings do not mean it is fixed.
        complete=skipped == 0,
    )


def _drafts(entries: list[tuple[JsonObject, JsonObject, str, str]]) -> Iterator[Draft]:
    for dependency, vuln, dependency_where, where in entries:
        yield _draft(dependency, vuln, dependency_where, where)


def _draft(dependency: JsonObject, vuln: JsonObject, dependency_where: str, where: str) -> Draft:
    name = opt_str(dependency, "name", dependency_where)
    if not name:
        raise ReportRejected(f"{dependency_where}: the required 'name' property is missing")
    vuln_id = opt_str(vuln, "id", where)
    if not vuln_id:
        raise ReportRejected(f"{where}: the required 'id' property is missing")
    version = opt_str(dependency, "version", dependency_where)
    return Draft(
        tool=TOOL,
        rule_id=vuln_id,
        message=paragraphs(opt_str(vuln, "description", where))
        or f"{name} {version or '(version unknown)'} is affected by {vuln_id}",
        # pip-audit reports no severity at all; MEDIUM is the default every parser here uses
        # when a scanner is silent (SARIF's default level "warning" maps to it too).
        severity=Severity.MEDIUM,
        where=where,
        kind=FindingKind.SCA,
        # The scanner's own id, not the first alias: advisories gain CVE aliases after
        # publication, and that must not turn a known finding into a new one.
        identity=f"{name}@{version}:{vuln_id}",
        details=ScaDetails(
            ecosystem="PyPI",
            package=name[:500],
            version=version[:500] if version else None,
            fixed_versions=tuple(v[:500] for v in strings(vuln.get("fix_versions"))),
            advisory_ids=advisory_ids(vuln_id, vuln.get("aliases")),
        ),
    )
