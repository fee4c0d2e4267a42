"""Gitleaks' native JSON report (``gitleaks detect -f json``) → secret Findings.

Two layouts exist: Gitleaks 8 writes ``RuleID``/``Secret``/``Match``/``StartLine``, Gitleaks 7
and older wrote ``rule``/``offender``/``line``/``lineNumber``. Both are a JSON array of leaks and
both carry the secret in clear: it goes into ``SecretMaterial`` and nowhere else, and the matched
text around it is handed over too so it is scrubbed from every field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tools.findings.finding import FindingKind
from tools.findings.severity import Severity
from tools.ingest.draft import Draft, SecretMaterial, build_report
from tools.ingest.errors import ReportRejected
from tools.ingest.json_access import JsonObject, obj, opt_int, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "gitleaks"
TOOL = "Gitleaks"
# Gitleaks rates nothing; SARIF's default level ("warning") gives the same for its SARIF output,
# so a leak weighs the same whichever of the two formats it arrived in.
_SEVERITY = Severity.MEDIUM
# What ``gitleaks --redact`` writes instead of the secret: not a value to fingerprint.
_REDACTED = "REDACTED"


def looks_like(document: Any) -> bool:
    # An empty array (or Gitleaks 7's ``null``) says nothing about its producer: several array
    # formats would claim it, so it needs ``--format gitleaks``.
    if not isinstance(document, list) or not document or not isinstance(document[0], dict):
        return False
    first = document[0]
    return _is_v8(first) or _is_v7(first)


def _is_v8(leak: JsonObject) -> bool:
    return "RuleID" in leak and "StartLine" in leak and ("Secret" in leak or "Match" in leak)


def _is_v7(leak: JsonObject) -> bool:
    return "rule" in leak and "offender" in leak and "file" in leak


def parse(document: Any, context: ParseContext) -> ParsedReport:
    if document is None:  # Gitleaks 7 writes ``null`` when it finds nothing
        leaks: list[Any] = []
    elif isinstance(document, list):
        leaks = document
    else:
        raise ReportRejected("report: expected an array of leaks, found an object or a value")
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(leaks),
        drafts=_drafts(leaks),
        context=context,
    )


def _drafts(leaks: list[Any]) -> Iterator[Draft]:
    for index, raw in enumerate(leaks):
        where = f"report[{index}]"
        leak = obj(raw, where)
        if "RuleID" in leak:
            yield _v8(leak, where)
        elif "rule" in leak:
            yield _v7(leak, where)
        else:
            raise ReportRejected(f"{where}: neither 'RuleID' (Gitleaks 8) nor 'rule' (Gitleaks 7)")


def _v8(leak: JsonObject, where: str) -> Draft:
    rule_id = opt_str(leak, "RuleID", where)
    if not rule_id:
        raise ReportRejected(f"{where}: the required 'RuleID' property is empty")
    description = opt_str(leak, "Description", where)
    secret = opt_str(leak, "Secret", where)
    # ``Match`` is the whole regex match (``token = "…"``); ``Line`` (some builds) the full line.
    context = (opt_str(leak, "Match", where), opt_str(leak, "Line", where))
    return Draft(
        tool=TOOL,
        rule_id=rule_id,
        rule_name=description,
        message=description or f"Secret matching Gitleaks rule {rule_id}",
        severity=_SEVERITY,
        where=where,
        kind=FindingKind.SECRET,
        path=opt_str(leak, "File", where),
        start_line=opt_int(leak, "StartLine", where, minimum=0),
        start_column=opt_int(leak, "StartColumn", where, minimum=0),
        end_line=opt_int(leak, "EndLine", where, minimum=0),
        secret=SecretMaterial(
            secret_type=rule_id,
            value=secret if secret and secret != _REDACTED else None,
            commit=opt_str(leak, "Commit", where) or None,
            also_hide=tuple(text for text in context if text),
        ),
    )


def _v7(leak: JsonObject, where: str) -> Draft:
    rule = opt_str(leak, "rule", where)
    if not rule:
        raise ReportRejected(f"{where}: the required 'rule' property is empty")
    offender = opt_str(leak, "offender", where)
    line = opt_str(leak, "line", where)
    return Draft(
        tool=TOOL,
        rule_id=rule,
        message=f"Secret matching Gitleaks rule {rule}",
        severity=_SEVERITY,
        where=where,
        kind=FindingKind.SECRET,
        path=opt_str(leak, "file", where),
        start_line=opt_int(leak, "lineNumber", where, minimum=0),
        secret=SecretMaterial(
            secret_type=rule,
            # Gitleaks 7 reports the match as the "offender": the closest it has to the secret.
            value=offender if offender and offender != _REDACTED else None,
            commit=opt_str(leak, "commit", where) or None,
            also_hide=(line,) if line else (),
        ),
    )
