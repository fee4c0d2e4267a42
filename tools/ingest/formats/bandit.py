"""Bandit's native JSON report (``bandit -f json``) → Findings.

Bandit quotes the flagged code with each line prefixed by its number; the numbers are stripped
before the code becomes the finding's identity, so a line shift does not make it a new finding.
"""

from __future__ import annotations

import re
from typing import Any

from tools.findings.severity import Severity, from_word
from tools.ingest.draft import Draft, build_report, cwe_ids
from tools.ingest.errors import ReportRejected
from tools.ingest.json_access import obj, opt_arr, opt_int, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "bandit"
TOOL = "Bandit"
_NUMBERED_LINE = re.compile(r"^\s*(\d+)\s?(.*)$")


def looks_like(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("results"), list)
        and isinstance(document.get("metrics"), dict)
        and "generated_at" in document
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = obj(document, "report")
    results = opt_arr(report, "results", "report")
    drafts = [_draft(obj(raw, f"results[{i}]"), f"results[{i}]") for i, raw in enumerate(results)]
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(results),
        drafts=drafts,
        context=context,
        # Bandit lists files it could not scan under "errors": their absence proves nothing.
        complete=not opt_arr(report, "errors", "report"),
    )


def _draft(result: dict[str, Any], where: str) -> Draft:
    test_id = opt_str(result, "test_id", where)
    if not test_id:
        raise ReportRejected(f"{where}: the required 'test_id' property is missing")
    start = opt_int(result, "line_number", where, minimum=0)
    line_range = [n for n in opt_arr(result, "line_range", where) if isinstance(n, int)]
    end = max(line_range) if line_range else start
    code = opt_str(result, "code", where)
    cwe = opt_obj(result, "issue_cwe", where) or {}
    return Draft(
        tool=TOOL,
        rule_id=test_id,
        rule_name=opt_str(result, "test_name", where),
        message=opt_str(result, "issue_text", where) or test_id,
        severity=from_word(opt_str(result, "issue_severity", where) or "") or Severity.MEDIUM,
        where=where,
        cwe_ids=cwe_ids(cwe.get("id")),
        path=opt_str(result, "filename", where),
        start_line=start,
        start_column=opt_int(result, "col_offset", where, minimum=0),
        end_line=end,
        snippet=_flagged_lines(code, start, end) if code else None,
    )


def _flagged_lines(code: str, start: int | None, end: int | None) -> str:
    """The flagged lines of Bandit's numbered excerpt, without the numbers."""
    kept: list[str] = []
    for line in code.splitlines():
        match = _NUMBERED_LINE.match(line)
        if match is None:
            continue
        number = int(match.group(1))
        if start is None or start <= number <= (end or start):
            kept.append(match.group(2))
    return "\n".join(kept)
