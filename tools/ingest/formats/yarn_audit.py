"""yarn's audit reports → SCA Findings.

Two outputs, both JSON Lines:

- yarn 1 (``yarn audit --json``): ``{"type", "data"}`` lines. Each ``auditAdvisory`` line is one
  result: an npm advisory plus the one dependency path it resolves (``data.resolution``). yarn
  repeats the advisory for every path, so lines of the same installed version merge.
  An ``error`` line without any audit line means the audit did not run: the report is refused
  with yarn's message. An error beside audit lines marks the report incomplete.
- yarn 2+ (``yarn npm audit --json``): ``{"value": package, "children": {...}}`` lines, one result
  each. A deprecation notice (``"ID": "<package> (deprecation)"``) is not a vulnerability: it is
  counted as ignored.

A single-line report is read by the loader as one object rather than a list; both are accepted.
"""

from __future__ import annotations

from typing import Any

from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity, from_word
from tools.ingest.draft import Draft, build_report
from tools.ingest.errors import ReportRejected
from tools.ingest.formats._advisories import advisory_ids, ghsa_in, location, one_line, strings
from tools.ingest.formats.npm_audit import advisory_draft
from tools.ingest.json_access import JsonObject, obj, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "yarn-audit"
TOOL = "yarn audit"
_CLASSIC_KEYS = {"type", "data"}
_BERRY_KEYS = {"value", "children"}
_AUDIT_TYPES = {"auditAdvisory", "auditSummary", "auditAction"}


def looks_like(document: Any) -> bool:
    lines = _lines(document)
    if not lines:
        return False
    if all(_is_classic(line) for line in lines):
        # yarn prints {"type", "data"} lines for every command; only audit lines (or the error
        # that replaced them) make this an audit report.
        return any(line["type"] in _AUDIT_TYPES or line["type"] == "error" for line in lines)
    return all(_is_berry(line) for line in lines)


def _lines(document: Any) -> list[Any]:
    if isinstance(document, dict):
        return [document]
    return document if isinstance(document, list) else []


def _is_classic(line: Any) -> bool:
    return isinstance(line, dict) and set(line) == _CLASSIC_KEYS and isinstance(line["type"], str)


def _is_berry(line: Any) -> bool:
    return (
        isinstance(line, dict)
        and set(line) == _BERRY_KEYS
        and isinstance(line["value"], str)
        and isinstance(line["children"], dict)
        and "ID" in line["children"]
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    lines = [obj(line, f"[{i}]") for i, line in enumerate(_lines(document))]
    if lines and all(set(line) >= _BERRY_KEYS for line in lines):
        return _parse_berry(lines, context)
    return _parse_classic(lines, context)


def _parse_classic(lines: list[JsonObject], context: ParseContext) -> ParsedReport:
    types = [opt_str(line, "type", f"[{i}]") for i, line in enumerate(lines)]
    errors = [line.get("data") for line, kind in zip(lines, types, strict=True) if kind == "error"]
    if not any(kind in _AUDIT_TYPES for kind in types):
        reason = next(
            (e for e in errors if isinstance(e, str)), "no auditAdvisory/auditSummary line"
        )
        raise ReportRejected(f"yarn audit did not run: {one_line(reason)}")
    advisories = [i for i, kind in enumerate(types) if kind == "auditAdvisory"]
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(advisories),
        drafts=(_classic_draft(lines[i], f"[{i}]") for i in advisories),
        context=context,
        # An error line means yarn gave up part-way: the absent advisories prove nothing.
        complete=not errors,
    )


def _classic_draft(line: JsonObject, where: str) -> Draft:
    data = obj(line.get("data"), f"{where}.data")
    advisory = obj(data.get("advisory"), f"{where}.data.advisory")
    resolution = opt_obj(data, "resolution", f"{where}.data") or {}
    path = opt_str(resolution, "path", f"{where}.data.resolution")
    return advisory_draft(
        advisory,
        _installed_version(advisory, path),
        [path] if path else [],
        f"{where}.data.advisory",
        tool=TOOL,
    )


def _installed_version(advisory: JsonObject, path: str | None) -> str | None:
    """The version installed at the line's dependency path, from the advisory's findings."""
    versions: list[str] = []
    findings = advisory.get("findings")
    for finding in findings if isinstance(findings, list) else []:
        if not isinstance(finding, dict) or not isinstance(finding.get("version"), str):
            continue
        if path is not None and path in strings(finding.get("paths")):
            return str(finding["version"])
        versions.append(finding["version"])
    distinct = set(versions)
    return distinct.pop() if len(distinct) == 1 else None


def _parse_berry(lines: list[JsonObject], context: ParseContext) -> ParsedReport:
    vulnerabilities: list[int] = []
    for index, line in enumerate(lines):
        children = obj(line.get("children"), f"[{index}].children")
        identifier = children.get("ID")
        if isinstance(identifier, str) and identifier.endswith("(deprecation)"):
            continue
        vulnerabilities.append(index)
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(lines),
        ignored=len(lines) - len(vulnerabilities),
        drafts=(_berry_draft(lines[i], f"[{i}]") for i in vulnerabilities),
        context=context,
    )


def _berry_draft(line: JsonObject, where: str) -> Draft:
    package = opt_str(line, "value", where)
    if not package:
        raise ReportRejected(f"{where}: the required 'value' (package name) is missing")
    children = obj(line.get("children"), f"{where}.children")
    url = opt_str(children, "URL", f"{where}.children")
    identifier = children.get("ID")
    ghsa = ghsa_in(url)
    rule_id = ghsa or (str(identifier) if isinstance(identifier, int | str) else "")
    if not rule_id:
        raise ReportRejected(f"{where}.children: the advisory has no 'ID' or advisory URL")
    versions = strings(children.get("Tree Versions"))
    version = ", ".join(versions)[:500] or None
    issue = (opt_str(children, "Issue", f"{where}.children") or "").strip() or None
    return Draft(
        tool=TOOL,
        rule_id=rule_id,
        rule_name=issue,
        message=issue or f"{package} is affected by {rule_id}",
        severity=from_word(opt_str(children, "Severity", f"{where}.children") or "")
        or Severity.MEDIUM,
        where=where,
        kind=FindingKind.SCA,
        identity=f"{package}@{version}:{rule_id}",
        details=ScaDetails(
            ecosystem="npm",
            package=package[:500],
            version=version,
            advisory_ids=advisory_ids(ghsa),
            # The packages that pull it in, e.g. "jscodeshift@npm:0.14.0".
            location=location(strings(children.get("Dependents"))),
        ),
    )
