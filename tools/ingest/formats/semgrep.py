"""Semgrep → Findings: the CLI's native JSON and two Semgrep AppSec Platform API responses.

Three layouts are read, all produced by Semgrep:

- ``semgrep scan --json`` (``results`` + ``errors``): code findings, Supply Chain findings (a
  result with ``extra.sca_info``) and Semgrep Secrets findings;
- the platform's findings API (``{"findings": [...]}``, one object per finding with
  ``rule_name``, ``location.file_path`` and a ``match_based_id``);
- the platform's Supply Chain API (``{"vulns": [...], "hasMore": …}``), one vulnerable dependency
  match per entry.

Semgrep's own ``fingerprint`` / ``match_based_id`` hashes the matched code, not its line, so it is
the identity when present. A Semgrep run without a login writes ``"requires login"`` instead of the
code and the fingerprint: that placeholder is neither a snippet nor an identity.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity, from_word
from tools.ingest.draft import Draft, SecretMaterial, build_report, cwe_ids
from tools.ingest.errors import ReportRejected
from tools.ingest.formats._advisories import ghsa_in, osv_ecosystem, strings
from tools.ingest.formats._sca import ordered_advisories
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_int, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "semgrep"
TOOL = "Semgrep"
_PLACEHOLDER = "requires login"
# Every top-level key `semgrep scan --json` has written (semgrep_output_v1.atd, cli_output); an
# empty report is recognised by having nothing else.
_CLI_KEYS = frozenset(
    {
        "version",
        "results",
        "errors",
        "paths",
        "time",
        "explanations",
        "rules_by_engine",
        "engine_requested",
        "interfile_languages_used",
        "skipped_rules",
        "profiling_results",
        "subproject_stats",
        "mcp_scan_results",
    }
)
_SUPPLY_CHAIN_KEYS = frozenset({"vulns", "hasMore", "cursor"})
# Semgrep's ecosystem names (semgrep_output_v1.atd `ecosystem`) that the shared table does not
# know, in OSV spelling.
_ECOSYSTEMS = {"gem": "RubyGems", "gomod": "Go", "swiftpm": "SwiftURL"}
# Semgrep's rule severities beyond the shared vocabulary: experiment/inventory rules are not
# security findings, so they rank lowest.
_SEVERITIES = {"experiment": Severity.INFO, "inventory": Severity.INFO}
# A triage outcome that closes the finding (platform APIs): it is counted but not a finding.
_CLOSED_STATUSES = frozenset({"fixed", "ignored", "removed", "closed", "muted", "resolved"})
_VALIDATION = {"CONFIRMED_VALID": True, "CONFIRMED_INVALID": False}


def looks_like(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    return _is_cli(document) or _is_platform_findings(document) or _is_supply_chain(document)


def _is_cli(document: JsonObject) -> bool:
    results = document.get("results")
    if not isinstance(results, list) or not isinstance(document.get("errors"), list):
        return False
    if not results:
        return set(document) <= _CLI_KEYS
    first = results[0]
    return (
        isinstance(first, dict)
        and isinstance(first.get("check_id"), str)
        and isinstance(first.get("extra"), dict)
        and isinstance(first.get("start"), dict)
    )


def _is_platform_findings(document: JsonObject) -> bool:
    # An empty {"findings": []} says nothing about its producer (DefectDojo's generic format looks
    # the same), so only a non-empty list with Semgrep's own keys is claimed.
    findings = document.get("findings")
    if not isinstance(findings, list) or not findings or not set(document) <= {"findings"}:
        return False
    first = findings[0]
    return (
        isinstance(first, dict)
        and isinstance(first.get("rule_name"), str)
        and isinstance(first.get("location"), dict)
        and "file_path" in first["location"]
        and ("match_based_id" in first or isinstance(first.get("rule"), dict))
    )


def _is_supply_chain(document: JsonObject) -> bool:
    vulns = document.get("vulns")
    if not isinstance(vulns, list) or "hasMore" not in document:
        return False
    if not set(document) <= _SUPPLY_CHAIN_KEYS:
        return False
    if not vulns:
        return True
    first = vulns[0]
    return isinstance(first, dict) and isinstance(first.get("advisory"), dict)


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = obj(document, "report")
    if "vulns" in report:
        return _parse_supply_chain(report, context)
    if "findings" in report and "results" not in report:
        return _parse_platform_findings(report, context)
    if not isinstance(report.get("results"), list):
        raise ReportRejected("report: the required 'results' array is missing")
    return _parse_cli(report, context)


# --- semgrep scan --json -------------------------------------------------------------------


def _parse_cli(report: JsonObject, context: ParseContext) -> ParsedReport:
    results = opt_arr(report, "results", "report")
    version = opt_str(report, "version", "report")
    ignored = sum(1 for raw in results if _nosemgrep(raw))
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(results),
        ignored=ignored,
        drafts=_cli_drafts(results, version),
        context=context,
        # Any error (a file that did not parse, a timeout, a rule that failed) leaves part of the
        # code unscanned: absent findings there prove nothing.
        complete=not opt_arr(report, "errors", "report"),
    )


def _nosemgrep(raw: Any) -> bool:
    """A result silenced by a ``nosemgrep`` comment: counted, but not a finding."""
    extra = raw.get("extra") if isinstance(raw, dict) else None
    return isinstance(extra, dict) and extra.get("is_ignored") is True


def _cli_drafts(results: list[Any], version: str | None) -> Iterator[Draft]:
    for index, raw in enumerate(results):
        where = f"results[{index}]"
        result = obj(raw, where)
        if not _nosemgrep(result):
            yield _cli_draft(result, where, version)


def _cli_draft(result: JsonObject, where: str, version: str | None) -> Draft:
    check_id = opt_str(result, "check_id", where)
    if not check_id:
        raise ReportRejected(f"{where}: the required 'check_id' property is missing")
    start = opt_obj(result, "start", where) or {}
    end = opt_obj(result, "end", where) or {}
    extra = opt_obj(result, "extra", where) or {}
    metadata = opt_obj(extra, "metadata", f"{where}.extra") or {}
    message = opt_str(extra, "message", f"{where}.extra") or check_id
    lines = _real(opt_str(extra, "lines", f"{where}.extra"))
    fingerprint = _real(opt_str(extra, "fingerprint", f"{where}.extra"))
    severity = _severity(opt_str(extra, "severity", f"{where}.extra"))
    draft = Draft(
        tool=TOOL,
        tool_version=version,
        rule_id=check_id,
        message=message,
        severity=severity,
        where=where,
        cwe_ids=cwe_ids(metadata.get("cwe")),
        path=opt_str(result, "path", where),
        start_line=opt_int(start, "line", f"{where}.start", minimum=0),
        start_column=opt_int(start, "col", f"{where}.start", minimum=0),
        end_line=opt_int(end, "line", f"{where}.end", minimum=0),
        snippet=lines,
        identity=f"semgrep:{fingerprint}" if fingerprint else None,
    )
    sca_info = opt_obj(extra, "sca_info", f"{where}.extra")
    if sca_info is not None:
        return _cli_supply_chain(draft, sca_info, metadata, f"{where}.extra.sca_info")
    if _is_secret_rule(check_id, metadata, extra):
        return _cli_secret(draft, opt_int(end, "col", f"{where}.end", minimum=0), extra, where)
    return draft


def _real(text: str | None) -> str | None:
    """``text`` unless it is empty or the placeholder an unauthenticated run writes."""
    if text is None or not text.strip() or text.strip() == _PLACEHOLDER:
        return None
    return text


def _severity(word: str | None) -> Severity:
    if word is None:
        return Severity.MEDIUM
    return from_word(word) or _SEVERITIES.get(word.strip().lower()) or Severity.MEDIUM


def _is_secret_rule(check_id: str, metadata: JsonObject, extra: JsonObject) -> bool:
    """Whether a result comes from a secrets rule, whose matched lines hold the secret."""
    if metadata.get("product") == "secrets" or extra.get("validation_state") in (
        "CONFIRMED_VALID",
        "CONFIRMED_INVALID",
        "VALIDATION_ERROR",
    ):
        return True
    if "secrets" in check_id.lower().split("."):
        return True
    technology = metadata.get("technology")
    classes = metadata.get("vulnerability_class")
    return (isinstance(technology, list) and "secrets" in technology) or (
        isinstance(classes, list) and "Hard-coded Secrets" in classes
    )


def _cli_secret(draft: Draft, end_column: int | None, extra: JsonObject, where: str) -> Draft:
    # The matched lines and every metavariable's text may hold the secret: all are scrubbed, and
    # the snippet is dropped (see build_report).
    hidden = [draft.snippet] if draft.snippet else []
    for value in (opt_obj(extra, "metavars", f"{where}.extra") or {}).values():
        content = value.get("abstract_content") if isinstance(value, dict) else None
        if isinstance(content, str) and content.strip():
            hidden.append(content)
    state = extra.get("validation_state")
    return draft._replace(
        kind=FindingKind.SECRET,
        snippet=None,
        secret=SecretMaterial(
            secret_type=draft.rule_id,
            value=_matched_text(draft, end_column),
            verified=_VALIDATION.get(state) if isinstance(state, str) else None,
            also_hide=tuple(hidden),
        ),
    )


def _matched_text(draft: Draft, end_column: int | None) -> str | None:
    """The exact text a one-line match covers: for a secrets rule, the secret.

    Semgrep's columns are 1-based and the end column is exclusive. A match over several lines,
    or lines Semgrep did not include, has no reliable span: the value is then unknown.
    """
    line, start, end = draft.snippet, draft.start_column, end_column
    if line is None or "\n" in line.rstrip("\n") or start is None or end is None:
        return None
    if draft.start_line != draft.end_line or not 1 <= start < end <= len(line) + 1:
        return None
    text = line[start - 1 : end - 1]
    return text if text.strip() else None


def _cli_supply_chain(
    draft: Draft, sca_info: JsonObject, metadata: JsonObject, where: str
) -> Draft:
    match = opt_obj(sca_info, "dependency_match", where) or {}
    mwhere = f"{where}.dependency_match"
    found = opt_obj(match, "found_dependency", mwhere) or {}
    fwhere = f"{mwhere}.found_dependency"
    package = opt_str(found, "package", fwhere)
    if not package:
        raise ReportRejected(f"{fwhere}: the required 'package' property is missing")
    version = opt_str(found, "version", fwhere)
    advisories = _advisory_ids(
        [metadata.get("sca-vuln-database-identifier")],
        metadata.get("references"),
    )
    lockfile = opt_str(match, "lockfile", mwhere)
    line = opt_int(found, "line_number", fwhere, minimum=0)
    severity_word = metadata.get("sca-severity")
    primary = advisories[0] if advisories else draft.rule_id
    return draft._replace(
        kind=FindingKind.SCA,
        severity=_severity(severity_word) if isinstance(severity_word, str) else draft.severity,
        # The finding is about the dependency, so it sits on the lockfile line that pins it; a
        # reachable finding's code location (the result's own path) is where the fix is not.
        path=lockfile or draft.path,
        start_line=line if lockfile else draft.start_line,
        end_line=line if lockfile else draft.end_line,
        start_column=None if lockfile else draft.start_column,
        snippet=None,
        identity=f"{package}@{version or ''}:{primary}",
        details=ScaDetails(
            package=package[:500],
            version=version[:500] if version else None,
            ecosystem=_ecosystem(opt_str(found, "ecosystem", fwhere)),
            fixed_versions=_fix_versions(metadata.get("sca-fix-versions"), package),
            advisory_ids=advisories,
        ),
    )


def _fix_versions(value: Any, package: str) -> tuple[str, ...]:
    """Versions from ``sca-fix-versions`` (a list of ``{package: version}``) for ``package``."""
    found: list[str] = []
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, dict):
            fixed = entry.get(package)
            if isinstance(fixed, str) and fixed:
                found.append(fixed[:500])
    return tuple(dict.fromkeys(found))


# --- Semgrep AppSec Platform: findings API ---------------------------------------------------


def _parse_platform_findings(report: JsonObject, context: ParseContext) -> ParsedReport:
    findings = opt_arr(report, "findings", "report")
    ignored = sum(1 for raw in findings if isinstance(raw, dict) and _closed(raw))
    repository: str | None = None
    for raw in findings:
        repo = raw.get("repository") if isinstance(raw, dict) else None
        url = repo.get("url") if isinstance(repo, dict) else None
        if isinstance(url, str) and url:
            repository = url
            break
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(findings),
        ignored=ignored,
        drafts=_platform_drafts(findings),
        context=context,
        repository=repository,
    )


def _closed(finding: JsonObject) -> bool:
    """Fixed, ignored or removed on the platform: not an open finding."""
    return any(
        isinstance(finding.get(key), str) and finding[key].lower() in _CLOSED_STATUSES
        for key in ("status", "state", "triage_state")
    )


def _platform_drafts(findings: list[Any]) -> Iterator[Draft]:
    for index, raw in enumerate(findings):
        where = f"findings[{index}]"
        finding = obj(raw, where)
        if not _closed(finding):
            yield _platform_draft(finding, where)


def _platform_draft(finding: JsonObject, where: str) -> Draft:
    rule = opt_obj(finding, "rule", where) or {}
    rule_id = opt_str(finding, "rule_name", where) or opt_str(rule, "name", f"{where}.rule")
    if not rule_id:
        raise ReportRejected(f"{where}: the required 'rule_name' property is missing")
    location = opt_obj(finding, "location", where) or {}
    lwhere = f"{where}.location"
    message = (
        opt_str(finding, "rule_message", where)
        or opt_str(rule, "message", f"{where}.rule")
        or rule_id
    )
    match_id = opt_str(finding, "match_based_id", where)
    draft = Draft(
        tool=TOOL,
        rule_id=rule_id,
        message=message,
        severity=_severity(opt_str(finding, "severity", where)),
        where=where,
        cwe_ids=cwe_ids(rule.get("cwe_names")),
        path=opt_str(location, "file_path", lwhere),
        start_line=opt_int(location, "line", lwhere, minimum=0),
        start_column=opt_int(location, "column", lwhere, minimum=0),
        end_line=opt_int(location, "end_line", lwhere, minimum=0),
        identity=f"semgrep:{match_id}" if match_id else None,
    )
    found = opt_obj(finding, "found_dependency", where)
    if found is None:
        return draft
    # A Supply Chain finding listed by the same API.
    package = opt_str(found, "package", f"{where}.found_dependency")
    if not package:
        return draft
    version = opt_str(found, "version", f"{where}.found_dependency")
    advisories = _advisory_ids([finding.get("vulnerability_identifier")], None)
    fixes = [
        fix.get("version")
        for fix in opt_arr(finding, "fix_recommendations", where)
        if isinstance(fix, dict) and fix.get("package") in (None, package)
    ]
    return draft._replace(
        kind=FindingKind.SCA,
        identity=f"{package}@{version or ''}:{advisories[0] if advisories else rule_id}",
        details=ScaDetails(
            package=package[:500],
            version=version[:500] if version else None,
            ecosystem=_ecosystem(opt_str(found, "ecosystem", f"{where}.found_dependency")),
            fixed_versions=tuple(f[:500] for f in fixes if isinstance(f, str) and f),
            advisory_ids=advisories,
        ),
    )


# --- Semgrep AppSec Platform: Supply Chain vulnerabilities API -------------------------------


def _parse_supply_chain(report: JsonObject, context: ParseContext) -> ParsedReport:
    vulns = opt_arr(report, "vulns", "report")
    ignored = sum(1 for raw in vulns if isinstance(raw, dict) and _triage_closed(raw))
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(vulns),
        ignored=ignored,
        drafts=_supply_chain_drafts(vulns),
        context=context,
        # One page of a paginated listing: what is not on this page may be on the next one.
        complete=report.get("hasMore") is not True,
    )


def _triage_closed(vuln: JsonObject) -> bool:
    triage = vuln.get("triage")
    status = triage.get("status") if isinstance(triage, dict) else None
    return isinstance(status, str) and status.lower() in _CLOSED_STATUSES


def _supply_chain_drafts(vulns: list[Any]) -> Iterator[Draft]:
    for index, raw in enumerate(vulns):
        where = f"vulns[{index}]"
        vuln = obj(raw, where)
        if not _triage_closed(vuln):
            yield _supply_chain_draft(vuln, where)


def _supply_chain_draft(vuln: JsonObject, where: str) -> Draft:
    advisory = opt_obj(vuln, "advisory", where)
    if advisory is None:
        raise ReportRejected(f"{where}: the required 'advisory' object is missing")
    awhere = f"{where}.advisory"
    rule_id = opt_str(advisory, "ruleId", awhere)
    if not rule_id:
        raise ReportRejected(f"{awhere}: the required 'ruleId' property is missing")
    matched = opt_obj(vuln, "matchedDependency", where) or {}
    package = opt_str(matched, "name", f"{where}.matchedDependency")
    if not package:
        raise ReportRejected(f"{where}.matchedDependency: the required 'name' is missing")
    version = opt_str(matched, "versionSpecifier", f"{where}.matchedDependency")
    references = opt_obj(advisory, "references", awhere) or {}
    advisories = _advisory_ids(references.get("cveIds"), references.get("urls"))
    location = opt_obj(vuln, "dependencyFileLocation", where) or {}
    title = opt_str(advisory, "title", awhere) or opt_str(vuln, "title", where)
    return Draft(
        tool=TOOL,
        rule_id=rule_id,
        rule_name=title,
        message=opt_str(advisory, "description", awhere) or title or rule_id,
        severity=_severity(opt_str(advisory, "severity", awhere)),
        where=where,
        kind=FindingKind.SCA,
        cwe_ids=cwe_ids(references.get("cweIds")),
        path=opt_str(location, "path", f"{where}.dependencyFileLocation"),
        # The API writes line numbers as strings, "0" for none.
        start_line=_line(location.get("startLine")),
        identity=f"{package}@{version or ''}:{advisories[0] if advisories else rule_id}",
        details=ScaDetails(
            package=package[:500],
            version=version[:500] if version else None,
            ecosystem=_advisory_ecosystem(advisory, package, awhere),
            fixed_versions=_safe_versions(vuln, advisory, package, awhere),
            advisory_ids=advisories,
        ),
    )


def _advisory_ecosystem(advisory: JsonObject, package: str, where: str) -> str | None:
    """The advisory's ecosystem, when the advisory names the matched package as vulnerable.

    One advisory can cover several ecosystems (grpc on RubyGems, grpcio on PyPI) but names only
    one: it is the matched package's ecosystem only if that package is the one it lists.
    """
    listed = opt_arr(advisory, "vulnerableDependencies", where)
    if not any(isinstance(d, dict) and d.get("name") == package for d in listed):
        return None
    return _ecosystem(opt_str(advisory, "ecosystem", where))


def _line(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 9:
        return int(value)
    return None


def _safe_versions(
    vuln: JsonObject, advisory: JsonObject, package: str, where: str
) -> tuple[str, ...]:
    """The closest safe version of ``package``, then the advisory's other safe versions of it."""
    candidates = [vuln.get("closestSafeDependency"), *opt_arr(advisory, "safeDependencies", where)]
    found = [
        entry["versionSpecifier"][:500]
        for entry in candidates
        if isinstance(entry, dict)
        and entry.get("name") == package
        and isinstance(entry.get("versionSpecifier"), str)
        and entry["versionSpecifier"]
    ]
    return tuple(dict.fromkeys(found))


# --- shared -------------------------------------------------------------------------------


def _ecosystem(name: str | None) -> str | None:
    if not name:
        return None
    return _ECOSYSTEMS.get(name.lower()) or osv_ecosystem(name)


def _advisory_ids(ids: Any, references: Any) -> tuple[str, ...]:
    """Advisory ids, CVEs first, then GHSA ids (also read from reference URLs), then others."""
    urls = references if isinstance(references, list) else []
    ghsas = [ghsa_in(url) for url in urls if isinstance(url, str)]
    return ordered_advisories(value[:500] for value in [*strings(ids), *ghsas] if value)
