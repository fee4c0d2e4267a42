"""GitHub code-scanning alerts, as ``GET /repos/{owner}/{repo}/code-scanning/alerts`` returns
them (a JSON array of ``code-scanning-alert-items``), → Findings.

An alert is GitHub's own deduplicated record of one problem: its ``number`` stays the same while
the code around it moves, so it is the identity. Only open alerts are findings; a dismissed or
fixed alert is a decision already taken (or a problem gone) and is counted as ignored.

An empty array is a valid answer ("no alerts") but says nothing about who produced it, so
detection does not claim it; pass the format name explicitly to ingest one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tools.findings.finding import FindingKind
from tools.findings.severity import Severity, from_sarif_level, from_word
from tools.ingest.draft import Draft, SecretMaterial, build_report, cwe_ids
from tools.ingest.errors import ReportRejected
from tools.ingest.formats.sarif import kind_for
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_int, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "github-code-scanning"
_OPEN = "open"
TOOL = "GitHub code scanning"
_STATES = frozenset({"open", "dismissed", "fixed"})
_ALERT_URL = re.compile(r"^(https?://[^/\s]+/[^/\s]+/[^/\s]+)/security/code-scanning/\d+$")
_CWE_TAG = re.compile(r"^external/cwe/(cwe-\d+)$", re.IGNORECASE)


def looks_like(document: Any) -> bool:
    if not isinstance(document, list) or not document:
        return False
    first = document[0]
    return (
        isinstance(first, dict)
        and "number" in first
        and isinstance(first.get("rule"), dict)
        and isinstance(first.get("tool"), dict)
        and isinstance(first.get("most_recent_instance"), dict)
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    if not isinstance(document, list):
        raise ReportRejected("alerts: expected an array of code-scanning alerts")
    alerts = [obj(raw, f"[{i}]") for i, raw in enumerate(document)]
    states = [_state(alert, f"[{i}]") for i, alert in enumerate(alerts)]
    return build_report(
        format_name=FORMAT,
        # One listing covers every analysis tool of the repository, and an empty listing means
        # none has an alert left: the findings belong to one tool, GitHub code scanning, so the
        # lifecycle can mark them fixed. The analysis tool is kept in tool_version.
        tools=[TOOL],
        results=len(alerts),
        ignored=sum(1 for state in states if state != _OPEN),
        drafts=_drafts(alerts, states),
        context=context,
        repository=next((r for r in map(_repository, alerts) if r), None),
    )


def _state(alert: JsonObject, where: str) -> str:
    state = opt_str(alert, "state", where)
    if state is None:
        # The schema allows null here: fall back to the state of the most recent instance.
        instance = opt_obj(alert, "most_recent_instance", where) or {}
        state = opt_str(instance, "state", f"{where}.most_recent_instance") or _OPEN
    if state not in _STATES:
        raise ReportRejected(f"{where}.state: {state[:50]!r} is not a code-scanning alert state")
    return state


def _tool_name(alert: JsonObject) -> str:
    tool = alert.get("tool")
    name = tool.get("name") if isinstance(tool, dict) else None
    return name if isinstance(name, str) and name else "unknown analysis tool"


def _repository(alert: JsonObject) -> str | None:
    """The repository's web address, from the alert's ``html_url``."""
    url = alert.get("html_url")
    match = _ALERT_URL.match(url) if isinstance(url, str) else None
    return match.group(1) if match else None


def _drafts(alerts: list[JsonObject], states: list[str]) -> Iterator[Draft]:
    for index, (alert, state) in enumerate(zip(alerts, states, strict=True)):
        if state == _OPEN:
            yield _draft(alert, f"[{index}]")


def _draft(alert: JsonObject, where: str) -> Draft:
    number = opt_int(alert, "number", where, minimum=1)
    rule = opt_obj(alert, "rule", where)
    if rule is None:
        raise ReportRejected(f"{where}: the required 'rule' object is missing")
    rwhere = f"{where}.rule"
    rule_id = opt_str(rule, "id", rwhere) or opt_str(rule, "name", rwhere)
    if not rule_id:
        raise ReportRejected(f"{rwhere}: the alert names no rule (no id or name)")
    tool = opt_obj(alert, "tool", where) or {}
    tool_name = _tool_name(alert)
    instance = opt_obj(alert, "most_recent_instance", where) or {}
    iwhere = f"{where}.most_recent_instance"
    location = opt_obj(instance, "location", iwhere) or {}
    lwhere = f"{iwhere}.location"
    message_obj = opt_obj(instance, "message", iwhere) or {}
    description = opt_str(rule, "description", rwhere)
    message = opt_str(message_obj, "text", f"{iwhere}.message") or description or rule_id
    kind = kind_for(tool_name, rule_id)
    return Draft(
        tool=TOOL,
        tool_version=" ".join(
            part for part in (tool_name, opt_str(tool, "version", f"{where}.tool")) if part
        )[:100],
        rule_id=rule_id,
        rule_name=description or opt_str(rule, "name", rwhere),
        message=message,
        severity=_severity(rule, rwhere),
        where=where,
        kind=kind,
        cwe_ids=_cwes(opt_arr(rule, "tags", rwhere)),
        path=opt_str(location, "path", lwhere),
        start_line=opt_int(location, "start_line", lwhere, minimum=0),
        start_column=opt_int(location, "start_column", lwhere, minimum=0),
        end_line=opt_int(location, "end_line", lwhere, minimum=0),
        identity=f"alert:{number}" if number is not None else None,
        secret=SecretMaterial(secret_type=rule_id, value=None)
        if kind is FindingKind.SECRET
        else None,
    )


def _severity(rule: JsonObject, where: str) -> Severity:
    """``security_severity_level`` (from the rule's CVSS-style score) wins over ``severity``."""
    level = opt_str(rule, "security_severity_level", where)
    if level and (severity := from_word(level)):
        return severity
    word = opt_str(rule, "severity", where)
    return (from_sarif_level(word) if word else None) or Severity.MEDIUM


def _cwes(tags: list[Any]) -> tuple[str, ...]:
    """CWE ids from CodeQL-style tags (``external/cwe/cwe-312``)."""
    found = [m.group(1) for t in tags if isinstance(t, str) and (m := _CWE_TAG.match(t.strip()))]
    return cwe_ids(found)
