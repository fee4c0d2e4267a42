"""OWASP ZAP's traditional XML and JSON reports → DAST Findings.

Both layouts carry the same tree: sites, their alerts (one per rule and risk), and each alert's
instances (one per URL, method and parameter). The XML tree is first read into the JSON layout, so
one code path, with one set of JSON paths for errors, serves both.

ZAP groups the places an alert fired under that alert; a finding here is one instance, because a
triager fixes and closes a header or a parameter on one endpoint, not a rule across a site.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus
from xml.etree.ElementTree import Element  # nosec B405  # the type only; parsing is defusedxml

from tools.findings.finding import DastDetails, FindingKind
from tools.findings.severity import Severity, from_word
from tools.ingest.draft import Draft, build_report, cwe_ids
from tools.ingest.errors import ReportRejected
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "zap"
TOOL = "ZAP"
_XML_ROOT = "OWASPZAPReport"
_RISKS = {0: "informational", 1: "low", 2: "medium", 3: "high"}
# ZAP's confidence 0 is "False Positive": a person marked the alert so in ZAP.
_FALSE_POSITIVE = 0
# evidence and attack are text the scanned application (or ZAP's payload) chose: keep them short.
_SNIPPET_MAX = 1000
# Longer text is cut before the HTML is stripped: the message keeps 8000 characters anyway.
_TEXT_MAX = 20_000
_URL_MAX = 2000
_METHOD_MAX = 20
_PARAM_MAX = 500
# A bounded tag, so a '<' without a '>' cannot make stripping quadratic.
_TAG = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9]*)?[^<>]{0,500}>")
_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "ul", "ol", "tr", "pre"})
_SPACES = re.compile(r"[ \t\r\f\v]+")
_AUTHORITY = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)(.*)$", re.DOTALL)


def looks_like(document: Any) -> bool:
    if isinstance(document, Element):
        return bool(document.tag == _XML_ROOT)
    # "@version"/"@generated" are the XML root's attributes as ZAP's JSON spells them.
    return (
        isinstance(document, dict)
        and "@generated" in document
        and "@version" in document
        and isinstance(document.get("site"), list | dict)
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = _from_xml(document) if isinstance(document, Element) else obj(document, "report")
    alerts = list(_alerts(report))
    # Counted before any draft is built, so an oversized report is refused cheaply.
    results = ignored = 0
    complete = True
    for alert in alerts:
        entries = max(1, len(alert.instances))
        results += entries
        if _code(alert.raw, "confidence", alert.where) == str(_FALSE_POSITIVE):
            ignored += entries
        count = _code(alert.raw, "count", alert.where)
        # ZAP lists at most a configured number of instances per alert but counts them all:
        # the unlisted ones are not fixed, so this scan's absences prove nothing.
        if count is not None and count.isdigit() and int(count) > len(alert.instances):
            complete = False
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=results,
        ignored=ignored,
        drafts=(draft for alert in alerts for draft in _drafts(alert, report)),
        context=context,
        complete=complete,
    )


@dataclass(frozen=True)
class _Alert:
    where: str
    raw: JsonObject
    site: str | None
    instances: list[tuple[str, JsonObject]]


def _alerts(report: JsonObject) -> Iterator[_Alert]:
    sites = report.get("site")
    if isinstance(sites, dict):  # a one-site report converted from XML may not use an array
        sites = [sites]
    if sites is not None and not isinstance(sites, list):
        raise ReportRejected("report.site: expected an array of sites")
    for s, raw_site in enumerate(sites or []):
        where_site = f"site[{s}]"
        site = obj(raw_site, where_site)
        site_url = opt_str(site, "@name", where_site)
        for a, raw_alert in enumerate(opt_arr(site, "alerts", where_site)):
            where = f"{where_site}.alerts[{a}]"
            alert = obj(raw_alert, where)
            instances = [
                (f"{where}.instances[{i}]", obj(raw, f"{where}.instances[{i}]"))
                for i, raw in enumerate(opt_arr(alert, "instances", where))
            ]
            if not instances and "uri" in alert:
                # ZAP before 2.6 wrote one alertitem per instance, the uri on the alert itself.
                instances = [(where, alert)]
            yield _Alert(where=where, raw=alert, site=site_url, instances=instances)


@dataclass(frozen=True)
class _Rule:
    rule_id: str
    name: str
    message: str
    severity: Severity
    cwe: tuple[str, ...]


def _drafts(alert: _Alert, report: JsonObject) -> Iterator[Draft]:
    if _code(alert.raw, "confidence", alert.where) == str(_FALSE_POSITIVE):
        return  # counted as ignored
    rule = _rule(alert.raw, alert.where)
    version = _code(report, "@version", "report")
    # An alert without instances still says the site has the problem.
    places = alert.instances or [(alert.where, {})]
    for where, instance in places:
        yield _draft(rule, instance, where, alert.site, version)


def _rule(alert: JsonObject, where: str) -> _Rule:
    plugin = _code(alert, "pluginid", where)
    ref = _code(alert, "alertRef", where)
    if not plugin and not ref:
        raise ReportRejected(f"{where}: the required 'pluginid' is missing")
    # alertRef "10020-1" names one variant of plugin 10020; it is the more precise rule.
    rule_id = ref if ref and (not plugin or ref.startswith(f"{plugin}-")) else plugin
    assert rule_id
    name = (opt_str(alert, "name", where) or opt_str(alert, "alert", where) or rule_id).strip()
    description = _plain_text(opt_str(alert, "desc", where) or "")
    return _Rule(
        rule_id=rule_id,
        name=name,
        message=f"{name}: {description}" if description else name,
        severity=_severity(alert, where),
        cwe=_cwe(_code(alert, "cweid", where)),
    )


def _draft(
    rule: _Rule, instance: JsonObject, where: str, site: str | None, version: str | None
) -> Draft:
    uri = (opt_str(instance, "uri", where) or "").strip() or (site or "").strip()
    method = (opt_str(instance, "method", where) or "").strip()[:_METHOD_MAX] or None
    param = (opt_str(instance, "param", where) or "").strip()[:_PARAM_MAX] or None
    evidence = opt_str(instance, "evidence", where) or opt_str(instance, "attack", where)
    stable_url = _stable_url(uri[:_TEXT_MAX], param)
    return Draft(
        tool=TOOL,
        tool_version=version,
        rule_id=rule.rule_id,
        rule_name=rule.name,
        message=rule.message,
        severity=rule.severity,
        where=where,
        kind=FindingKind.DAST,
        cwe_ids=rule.cwe,
        snippet=evidence[:_SNIPPET_MAX] if evidence and evidence.strip() else None,
        # Not the evidence: a timestamp, a token or a reflected payload changes every scan.
        identity=f"zap|{rule.rule_id}|{(method or '').upper()}|{stable_url}|{param or ''}",
        details=DastDetails(url=uri[:_URL_MAX], method=method, parameter=param) if uri else None,
    )


def _stable_url(url: str, param: str | None) -> str:
    """The URL without what changes between scans of an unchanged application.

    An active-scan instance carries ZAP's attack payload as the value of the flagged parameter,
    and ZAP versions pick different payloads: that value is dropped, the parameter name kept.
    Other query values stay, so two pages (``?page=a.php``, ``?page=b.php``) stay two findings.
    """
    base, separator, query = url.partition("#")[0].partition("?")
    match = _AUTHORITY.match(base)
    if match:  # scheme and host are case-insensitive; the path is not
        base = match.group(1).lower() + match.group(2)
    if param and query:
        pairs = []
        for pair in query.split("&"):
            name = pair.partition("=")[0]
            pairs.append(f"{name}=" if unquote_plus(name) == param else pair)
        query = "&".join(pairs)
    return base + separator + query


def _severity(alert: JsonObject, where: str) -> Severity:
    code = _code(alert, "riskcode", where)
    word = _RISKS.get(int(code)) if code is not None and code.isdigit() else None
    if word is None:
        # "Low (Medium)": the risk word, then the confidence.
        described = (opt_str(alert, "riskdesc", where) or "").split("(")[0]
        if (severity := from_word(described)) is not None:
            return severity
        raise ReportRejected(f"{where}.riskcode: {code!r} is not a ZAP risk code (0-3)")
    severity = from_word(word)
    assert severity is not None
    return severity


def _cwe(value: str | None) -> tuple[str, ...]:
    # ZAP writes -1 (or 0) for "no CWE"; cwe_ids alone would read "-1" as CWE-1.
    if value is None or value.startswith("-"):
        return ()
    return cwe_ids(value)


def _code(parent: JsonObject, key: str, where: str) -> str | None:
    """A number-like field: ZAP's JSON writes strings, other producers integers."""
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ReportRejected(f"{where}.{key}: expected a string or an integer")
    return value.strip() or None


def _plain_text(text: str) -> str:
    """ZAP's HTML paragraphs as plain text: tags dropped, entities decoded, blank lines gone."""
    text = _TAG.sub(
        lambda m: "\n" if (m.group(1) or "").lower() in _BLOCK_TAGS else "", text[:_TEXT_MAX]
    )
    lines = (_SPACES.sub(" ", line).strip() for line in html.unescape(text).splitlines())
    return "\n".join(line for line in lines if line)


def _from_xml(root: Element) -> JsonObject:
    """The XML report in the JSON report's layout: attributes as "@name", leaf elements as text."""
    report: JsonObject = {f"@{key}": value for key, value in root.attrib.items()}
    report["site"] = [
        {
            **{f"@{key}": value for key, value in site.attrib.items()},
            "alerts": [_xml_alert(item) for item in site.findall("alerts/alertitem")],
        }
        for site in root.findall("site")
    ]
    return report


def _xml_alert(item: Element) -> JsonObject:
    alert = _leaves(item)
    if item.find("instances") is not None:
        alert["instances"] = [_leaves(i) for i in item.findall("instances/instance")]
    return alert


def _leaves(element: Element) -> JsonObject:
    # Elements with children (instances, tags) are not text fields; the first of a repeat wins.
    fields: JsonObject = {}
    for child in element:
        if len(child) == 0 and isinstance(child.tag, str) and child.tag not in fields:
            fields[child.tag] = child.text or ""
    return fields
