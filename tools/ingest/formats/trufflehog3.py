"""trufflehog3's JSON report (``trufflehog3 --format json``) → secret Findings.

trufflehog3 is a separate tool from Trufflehog. Its report is an array of issues, each with a
``rule`` object, the ``secret`` in clear and a ``context`` of the lines around it: the secret goes
into ``SecretMaterial`` only, and the context lines are handed over to be scrubbed. Its
``--format json`` legacy mode copies Trufflehog 2's layout and is read by the ``trufflehog``
format.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tools.findings.finding import FindingKind
from tools.findings.severity import Severity, from_word
from tools.ingest.draft import Draft, SecretMaterial, build_report
from tools.ingest.errors import ReportRejected
from tools.ingest.json_access import JsonObject, obj, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "trufflehog3"
TOOL = "trufflehog3"


def looks_like(document: Any) -> bool:
    # An empty array names no producer: it needs ``--format trufflehog3``.
    if not isinstance(document, list) or not document or not isinstance(document[0], dict):
        return False
    first = document[0]
    rule = first.get("rule")
    return isinstance(rule, dict) and "id" in rule and "secret" in first and "path" in first


def parse(document: Any, context: ParseContext) -> ParsedReport:
    if not isinstance(document, list):
        raise ReportRejected("report: expected an array of trufflehog3 issues")
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(document),
        drafts=_drafts(document),
        context=context,
    )


def _drafts(issues: list[Any]) -> Iterator[Draft]:
    for index, raw in enumerate(issues):
        where = f"report[{index}]"
        yield _draft(obj(raw, where), where)


def _draft(issue: JsonObject, where: str) -> Draft:
    rule = opt_obj(issue, "rule", where)
    rule_id = opt_str(rule, "id", f"{where}.rule") if rule else None
    if rule is None or not rule_id:
        raise ReportRejected(f"{where}: the required 'rule.id' property is missing")
    description = opt_str(rule, "message", f"{where}.rule")
    severity = opt_str(rule, "severity", f"{where}.rule")
    context = opt_obj(issue, "context", where) or {}
    secret = opt_str(issue, "secret", where)
    return Draft(
        tool=TOOL,
        rule_id=rule_id,
        rule_name=description,
        message=f"{description or rule_id} found by trufflehog3",
        severity=(from_word(severity) if severity else None) or Severity.MEDIUM,
        where=where,
        kind=FindingKind.SECRET,
        path=opt_str(issue, "path", where),
        start_line=_line(issue.get("line"), f"{where}.line"),
        secret=SecretMaterial(
            secret_type=rule_id,
            value=secret or None,
            commit=opt_str(issue, "commit", where) or None,
            # The lines around the secret: one of them holds it.
            also_hide=tuple(text for text in context.values() if isinstance(text, str) and text),
        ),
    )


def _line(value: Any, where: str) -> int | None:
    """trufflehog3 writes the line number as a string (``"2"``)."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    # The length bound keeps int() clear of Python's limit on digits; MAX_LINE does the rest.
    if isinstance(value, str) and len(value) <= 12 and value.isascii() and value.isdigit():
        return int(value)
    raise ReportRejected(f"{where}: expected a line number")
