"""Checkov's JSON report (``checkov -o json``) → Findings.

Checkov writes one object per framework it ran (``check_type``: terraform, dockerfile,
kubernetes, github_actions, secrets, sca_package, …), or a list of them when it ran several, or
only a summary when it found nothing to scan.

Counting: a failed check is a finding; a skipped check (``#checkov:skip=`` or a CLI filter) is a
finding someone chose to suppress, so it is counted in ``results`` and as ignored; a passed check
is not a result at all (``--quiet`` omits them, and a count that depends on a flag would mean
nothing).

Paths: Checkov writes ``file_path`` relative to the scanned directory with a leading ``/``
(``/aws/db-app.tf``); that slash is dropped. A ``file_path`` equal to ``file_abs_path`` really is
absolute (a single file scanned by its absolute path) and is left for build_report to quarantine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tools.findings.finding import FindingKind, IacDetails, ScaDetails
from tools.findings.severity import Severity, from_score, from_word
from tools.ingest.draft import Draft, SecretMaterial, build_report, cwe_ids
from tools.ingest.errors import ReportRejected
from tools.ingest.formats._sca import cvss_number
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "checkov"
TOOL = "Checkov"
_SCA_TYPES = frozenset({"sca_package", "sca_image"})


def looks_like(document: Any) -> bool:
    if isinstance(document, list):
        return bool(document) and all(_is_framework_report(item) for item in document)
    if not isinstance(document, dict):
        return False
    # Nothing to scan: Checkov prints only its summary.
    return _is_framework_report(document) or (
        "checkov_version" in document and "results" not in document and "passed" in document
    )


def _is_framework_report(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("check_type"), str)
        and isinstance(item.get("results"), dict)
        and isinstance(item.get("summary"), dict)
    )


@dataclass(frozen=True)
class _Framework:
    check_type: str
    version: str | None
    failed: list[Any]
    skipped: list[Any]
    where: str
    parsed: bool
    """False when Checkov could not parse some files of this framework."""


def parse(document: Any, context: ParseContext) -> ParsedReport:
    if isinstance(document, dict) and "check_type" not in document:
        frameworks: list[_Framework] = []  # a bare summary: nothing was scanned
    elif isinstance(document, list):
        frameworks = [_framework(obj(raw, f"[{i}]"), f"[{i}]") for i, raw in enumerate(document)]
    else:
        frameworks = [_framework(obj(document, "report"), "report")]
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=sum(len(f.failed) + len(f.skipped) for f in frameworks),
        ignored=sum(len(f.skipped) for f in frameworks),
        drafts=_drafts(frameworks),
        context=context,
        complete=all(f.parsed for f in frameworks),
    )


def _framework(report: JsonObject, where: str) -> _Framework:
    check_type = opt_str(report, "check_type", where)
    if not check_type:
        raise ReportRejected(f"{where}: the required 'check_type' property is missing")
    results = opt_obj(report, "results", where)
    if results is None:
        raise ReportRejected(f"{where}: the required 'results' object is missing")
    summary = opt_obj(report, "summary", where) or {}
    rwhere = f"{where}.results"
    return _Framework(
        check_type=check_type,
        version=opt_str(summary, "checkov_version", f"{where}.summary"),
        failed=opt_arr(results, "failed_checks", rwhere),
        skipped=opt_arr(results, "skipped_checks", rwhere),
        where=rwhere,
        parsed=not opt_arr(results, "parsing_errors", rwhere),
    )


def _drafts(frameworks: list[_Framework]) -> Iterator[Draft]:
    for framework in frameworks:
        for index, raw in enumerate(framework.failed):
            where = f"{framework.where}.failed_checks[{index}]"
            yield _draft(obj(raw, where), where, framework)


def _draft(check: JsonObject, where: str, framework: _Framework) -> Draft:
    check_id = opt_str(check, "check_id", where)
    if not check_id:
        raise ReportRejected(f"{where}: the required 'check_id' property is missing")
    check_name = opt_str(check, "check_name", where)
    resource = opt_str(check, "resource", where)
    start, end = _line_range(check, where)
    code = _code(check, where)
    draft = Draft(
        tool=TOOL,
        tool_version=framework.version,
        rule_id=check_id,
        rule_name=check_name,
        message=opt_str(check, "description", where)
        or opt_str(check, "short_description", where)
        or check_name
        or check_id,
        severity=_severity(check, where),
        where=where,
        kind=FindingKind.IAC,
        cwe_ids=cwe_ids(check.get("cwe")),
        path=_path(check, where),
        start_line=start,
        end_line=end,
        snippet=code,
        # The resource is what is misconfigured; its block's text changes with every unrelated
        # attribute, so the resource's address is the identity.
        identity=f"resource:{resource}" if resource else None,
        details=IacDetails(platform=framework.check_type[:500], resource=resource[:500])
        if resource
        else IacDetails(platform=framework.check_type[:500]),
    )
    if framework.check_type == "secrets":
        return _secret(draft, code)
    vulnerability = opt_obj(check, "vulnerability_details", where)
    if framework.check_type in _SCA_TYPES and vulnerability is not None:
        return _vulnerable_package(draft, vulnerability, f"{where}.vulnerability_details")
    return draft


def _line_range(check: JsonObject, where: str) -> tuple[int | None, int | None]:
    span = [n for n in opt_arr(check, "file_line_range", where) if isinstance(n, int)]
    if not span:
        return None, None
    return span[0], span[-1]


def _code(check: JsonObject, where: str) -> str | None:
    """The flagged block: ``code_block`` is a list of ``[line number, text]`` pairs."""
    lines = [
        pair[1]
        for pair in opt_arr(check, "code_block", where)
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str)
    ]
    text = "".join(lines)
    return text if text.strip() else None


def _path(check: JsonObject, where: str) -> str | None:
    path = opt_str(check, "file_path", where)
    if path is None or not path.startswith("/"):
        return path
    if path == opt_str(check, "file_abs_path", where):
        return path
    return path[1:]


def _severity(check: JsonObject, where: str) -> Severity:
    # Checkov has severities only with a Prisma Cloud API key; without one they are null.
    word = opt_str(check, "severity", where)
    return (from_word(word) if word else None) or Severity.MEDIUM


def _secret(draft: Draft, code: str | None) -> Draft:
    # Checkov masks most of the secret in code_block, but what it leaves is still a prefix of a
    # live credential: the block is scrubbed everywhere and kept nowhere.
    hidden = tuple(line.strip() for line in (code or "").splitlines() if line.strip())
    return draft._replace(
        kind=FindingKind.SECRET,
        snippet=None,
        details=None,
        secret=SecretMaterial(
            secret_type=draft.rule_name or draft.rule_id, value=None, also_hide=hidden
        ),
    )


def _vulnerable_package(draft: Draft, details: JsonObject, where: str) -> Draft:
    package = opt_str(details, "package_name", where)
    if not package:
        return draft
    version = opt_str(details, "package_version", where)
    advisory = opt_str(details, "id", where)
    fixed = opt_str(details, "lowest_fixed_version", where) or opt_str(
        details, "fix_version", where
    )
    cvss = cvss_number(details.get("cvss"))
    severity_word = opt_str(details, "severity", where)
    return draft._replace(
        severity=(from_word(severity_word) if severity_word else None)
        or (from_score(cvss) if cvss is not None else None)
        or draft.severity,
        kind=FindingKind.SCA,
        snippet=None,
        identity=f"{package}@{version or ''}:{advisory or draft.rule_id}",
        details=ScaDetails(
            package=package[:500],
            version=version[:500] if version else None,
            # "N/A" is Checkov's word for "no fix released".
            fixed_versions=(fixed[:500],) if fixed and fixed != "N/A" else (),
            advisory_ids=(advisory[:500],) if advisory else (),
            cvss_score=cvss,
            cvss_vector=(opt_str(details, "vector", where) or "")[:500] or None,
        ),
    )
