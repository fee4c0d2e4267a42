"""GitLab SAST report (``gl-sast-report.json``, schemas 2.x to 15.x) → Findings.

GitLab's analyzers (Semgrep, Bandit, ESLint, SpotBugs, …) write one ``vulnerabilities`` entry per
result. A report has no code snippet, so identity comes from what GitLab itself tracks a
vulnerability by: the ``tracking`` signatures, else the deprecated ``cve`` compare key (file, a hash
of the flagged line and the rule), with any line number some analyzers put in it removed.

The helpers here are shared with the GitLab dependency-scanning parser: both formats are the same
"security report" schema with a different ``scan.type``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tools.findings.finding import FindingKind
from tools.findings.severity import Severity, from_word
from tools.ingest.draft import Draft, SecretMaterial, build_report, cwe_ids
from tools.ingest.errors import ReportRejected
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_int, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "gitlab-sast"
_SCAN_TYPE = "sast"
# Secret scanners that GitLab ran as SAST analyzers before secret detection had its own report:
# their results are leaked credentials, not code weaknesses.
_SECRET_SCANNERS = frozenset({"gitleaks", "trufflehog", "detect-secrets", "secrets"})


def looks_like(document: Any) -> bool:
    return is_security_report(document, _SCAN_TYPE)


def is_security_report(document: Any, scan_type: str) -> bool:
    """A GitLab security report of ``scan_type`` (``sast``, ``dependency_scanning``, …).

    Reports since schema 3 name their type in ``scan.type``. Older ones do not; each of their
    entries names it in ``category``, and only a dependency-scanning report lists
    ``dependency_files``.
    """
    if not isinstance(document, dict):
        return False
    if not isinstance(document.get("version"), str):
        return False
    vulnerabilities = document.get("vulnerabilities")
    if not isinstance(vulnerabilities, list):
        return False
    scan = document.get("scan")
    if scan is not None:
        return isinstance(scan, dict) and scan.get("type") == scan_type
    if ("dependency_files" in document) != (scan_type == "dependency_scanning"):
        return False
    if not vulnerabilities:
        return "remediations" in document
    return all(isinstance(v, dict) and v.get("category") == scan_type for v in vulnerabilities)


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = obj(document, "report")
    scanner = ReportScanner.read(report)
    vulnerabilities = opt_arr(report, "vulnerabilities", "report")
    tools = list(entry_tools(vulnerabilities, scanner))
    return build_report(
        format_name=FORMAT,
        tools=tools or [scanner.name],
        results=len(vulnerabilities),
        drafts=_drafts(vulnerabilities, scanner),
        context=context,
        complete=scanner.complete,
    )


@dataclass(frozen=True)
class ReportScanner:
    """The report-level scanner (``scan.scanner``) and whether the scan finished."""

    id: str
    name: str
    version: str | None
    complete: bool

    @classmethod
    def read(cls, report: JsonObject) -> ReportScanner:
        scan = opt_obj(report, "scan", "report") or {}
        scanner = opt_obj(scan, "scanner", "report.scan") or {}
        name = opt_str(scanner, "name", "report.scan.scanner") or "GitLab"
        scanner_id = opt_str(scanner, "id", "report.scan.scanner") or name
        version = opt_str(scanner, "version", "report.scan.scanner")
        # "failure" means the analyzer did not finish; its missing results prove nothing.
        status = opt_str(scan, "status", "report.scan")
        return cls(scanner_id, name, version, status != "failure")


def entry_tools(vulnerabilities: list[Any], scanner: ReportScanner) -> Iterator[str]:
    """Scanner names of the entries (2.x reports name one per entry), without validating."""
    for raw in vulnerabilities:
        entry_scanner = raw.get("scanner") if isinstance(raw, dict) else None
        name = entry_scanner.get("name") if isinstance(entry_scanner, dict) else None
        yield name if isinstance(name, str) and name else scanner.name


def _drafts(vulnerabilities: list[Any], scanner: ReportScanner) -> Iterator[Draft]:
    for index, raw in enumerate(vulnerabilities):
        where = f"vulnerabilities[{index}]"
        yield _draft(obj(raw, where), where, scanner)


def _draft(vulnerability: JsonObject, where: str, scanner: ReportScanner) -> Draft:
    tool, tool_version, scanner_id = entry_tool(vulnerability, where, scanner)
    rule_id, rule_name, cwes = identifiers(vulnerability, where)
    location = opt_obj(vulnerability, "location", where) or {}
    lwhere = f"{where}.location"
    start = opt_int(location, "start_line", lwhere, minimum=0)
    end = opt_int(location, "end_line", lwhere, minimum=0)
    path = opt_str(location, "file", lwhere)
    name = opt_str(vulnerability, "name", where)
    message = (
        opt_str(vulnerability, "description", where)
        or opt_str(vulnerability, "message", where)
        or name
        or rule_id
    )
    draft = Draft(
        tool=tool,
        tool_version=tool_version,
        rule_id=rule_id,
        rule_name=name or rule_name,
        message=message,
        severity=severity(vulnerability, where),
        where=where,
        cwe_ids=cwes,
        path=path,
        start_line=start,
        end_line=end,
        identity=_identity(vulnerability, where, start, end),
    )
    category = opt_str(vulnerability, "category", where)
    if scanner_id.lower() in _SECRET_SCANNERS or category == "secret_detection":
        commit = opt_obj(location, "commit", lwhere) or {}
        extract = opt_str(vulnerability, "raw_source_code_extract", where)
        return draft._replace(
            kind=FindingKind.SECRET,
            secret=SecretMaterial(
                secret_type=rule_name or rule_id,
                # The report says where the secret is, not what it is: only the extract of the
                # flagged line, when given, carries it.
                value=None,
                commit=opt_str(commit, "sha", f"{lwhere}.commit"),
                also_hide=(extract,) if extract else (),
            ),
        )
    return draft


def entry_tool(
    vulnerability: JsonObject, where: str, scanner: ReportScanner
) -> tuple[str, str | None, str]:
    """Tool name, version and id of one entry: its own ``scanner`` (2.x), else the report's."""
    own = opt_obj(vulnerability, "scanner", where)
    if own is None:
        return scanner.name, scanner.version, scanner.id
    name = opt_str(own, "name", f"{where}.scanner") or scanner.name
    scanner_id = opt_str(own, "id", f"{where}.scanner") or name
    version = scanner.version if name == scanner.name else None
    return name, version, scanner_id


def identifiers(vulnerability: JsonObject, where: str) -> tuple[str, str | None, tuple[str, ...]]:
    """The primary identifier's value and name, and the CWE ids among all identifiers.

    The schema makes the first identifier the primary one: the analyzer's rule or advisory.
    """
    entries = [
        obj(raw, f"{where}.identifiers[{i}]")
        for i, raw in enumerate(opt_arr(vulnerability, "identifiers", where))
    ]
    if not entries:
        raise ReportRejected(f"{where}: the required 'identifiers' array is missing or empty")
    primary = entries[0]
    value = primary.get("value")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise ReportRejected(f"{where}.identifiers[0]: the required 'value' property is missing")
    name = opt_str(primary, "name", f"{where}.identifiers[0]")
    # The CWE number is in "name" ("CWE-798") for some analyzers and in "value" for others.
    cwes = cwe_ids(
        *(
            (entry.get("name"), entry.get("value"))
            for entry in entries
            if str(entry.get("type", "")).lower() == "cwe"
        )
    )
    return value, name, cwes


def severity(vulnerability: JsonObject, where: str) -> Severity:
    # "Unknown" is GitLab's word for "the analyzer gave none": the same default as a missing one.
    word = opt_str(vulnerability, "severity", where)
    return (from_word(word) if word else None) or Severity.MEDIUM


def _identity(
    vulnerability: JsonObject, where: str, start: int | None, end: int | None
) -> str | None:
    tracking = opt_obj(vulnerability, "tracking", where)
    if tracking is not None:
        signatures = sorted(
            f"{signature.get('algorithm')}={signature.get('value')}"
            for item in opt_arr(tracking, "items", f"{where}.tracking")
            if isinstance(item, dict)
            for signature in (item.get("signatures") or [])
            if isinstance(signature, dict) and isinstance(signature.get("value"), str)
        )
        if signatures:
            return "tracking:" + ";".join(signatures)
    compare_key = opt_str(vulnerability, "cve", where)
    if not compare_key:
        return None
    # Some analyzers put the line in the compare key ("app.js:246:rule:CWE-798"); without it the
    # key still names the file and rule, and the ordinal tells equal keys apart.
    lines = {str(n) for n in (start, end) if n is not None}
    kept = [part for part in compare_key.split(":") if part not in lines]
    return "compare-key:" + ":".join(kept)
