"""modelscan (Protect AI) JSON report (``modelscan -p DIR -r json``) → model-artifact findings.

Each entry of ``issues`` is a result: an unsafe operator (``system`` from ``posix``) that loading
the model would call. modelscan names a member of a zip-based model as
``model.pt:archive/data.pkl``; the finding's ``path`` is the model file in the repository (the
scan's ``input_path`` joined with the file) and the member goes to ``details.member``, so
``details.location`` reads
``models/model.pt:archive/data.pkl``. The path is kept without the member because it must be a
file the repository holds (the file-role and "is it loaded" rules read it), and because the ingest
refuses a bare ``model.pt:archive/…`` as a URL-like path.
"""

from __future__ import annotations

import posixpath
from typing import Any

from tools.findings.finding import FindingKind, ModelArtifactDetails
from tools.findings.severity import Severity, from_word
from tools.ingest.draft import Draft, build_report
from tools.ingest.errors import ReportRejected
from tools.ingest.formats._ai import frameworks, short
from tools.ingest.json_access import obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "modelscan"
TOOL = "modelscan"


def looks_like(document: Any) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("issues"), list):
        return False
    summary = document.get("summary")
    return isinstance(summary, dict) and "modelscan_version" in summary


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = obj(document, "report")
    summary = opt_obj(report, "summary", "report") or {}
    issues = opt_arr(report, "issues", "report")
    base = _base(opt_str(summary, "input_path", "summary"))
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(issues),
        drafts=(
            _draft(obj(raw, f"issues[{i}]"), f"issues[{i}]", base, summary)
            for i, raw in enumerate(issues)
        ),
        context=context,
        # A file modelscan could not read may hold what it did not report.
        complete=not opt_arr(report, "errors", "report"),
    )


def _base(input_path: str | None) -> str | None:
    """The scanned folder, when it is a repository-relative directory to prefix paths with."""
    if not input_path or input_path in (".", "./") or input_path.startswith(("/", "\\")):
        return None
    if posixpath.splitext(input_path)[1]:
        return None  # a single scanned file: ``source`` already names it
    return input_path.rstrip("/")


def _draft(issue: dict[str, Any], where: str, base: str | None, summary: dict[str, Any]) -> Draft:
    source = opt_str(issue, "source", where)
    if not source:
        raise ReportRejected(f"{where}: the required 'source' property is missing")
    file, _, member = source.partition(":")
    path = posixpath.join(base, file) if base else file
    module = opt_str(issue, "module", where)
    operator = opt_str(issue, "operator", where)
    scanner = opt_str(issue, "scanner", where) or "modelscan"
    details = ModelArtifactDetails(
        file=path[:2000],
        member=member[:2000] or None,
        module=short(module),
        operator=short(operator),
        frameworks=frameworks(TOOL, scanner),
    )
    construct = ".".join(p for p in (module, operator) if p) or "an unsafe construct"
    version = summary.get("modelscan_version")
    return Draft(
        tool=TOOL,
        tool_version=version if isinstance(version, str) else None,
        rule_id=scanner.rsplit(".", 1)[-1],
        rule_name=f"unsafe operator {construct}",
        message=opt_str(issue, "description", where)
        or f"Loading {details.location} would call {construct}",
        severity=from_word(opt_str(issue, "severity", where) or "") or Severity.MEDIUM,
        where=where,
        kind=FindingKind.MODEL_ARTIFACT,
        path=path,
        identity=f"{member}|{construct}",
        details=details,
    )
