"""GitHub Dependabot alerts → SCA Findings, from the REST API or a GraphQL export.

REST (``GET /repos/{owner}/{repo}/dependabot/alerts``, or one alert from ``…/alerts/{number}``):
an array of alerts with ``dependency``, ``security_advisory`` and ``security_vulnerability``.
GraphQL (``repository { vulnerabilityAlerts { nodes … } }``, optionally under ``search``): the
same alert with camelCase fields, holding whatever the query selected, so every field but the
package name is optional. Both give one result per alert and the same fingerprint for the same
alert: the installed version is not part of it, since REST does not report it.

Dismissed, auto-dismissed and fixed alerts are results but not findings: counted as ignored.
One report holds one repository's alerts; an organisation export mixing repositories is refused,
as its findings would collide on manifest paths such as ``package.json``.
"""

from __future__ import annotations

import re
from typing import Any

from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity, from_word
from tools.ingest.draft import Draft, build_report, cwe_ids
from tools.ingest.errors import ReportRejected
from tools.ingest.formats._advisories import (
    advisory_ids,
    cvss_score,
    one_line,
    osv_ecosystem,
    paragraphs,
)
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "github-dependabot"
TOOL = "GitHub Dependabot"
_CLOSED = {"dismissed", "auto_dismissed", "fixed"}
_ALERT_PAGE = re.compile(r"^(https://[^/\s]+/[^/\s]+/[^/\s]+)/security/dependabot/\d+$")
_EXACT_REQUIREMENT = re.compile(r"^=\s*(\S+)$")
_GRAPHQL_KEYS = {"data", "errors", "extensions"}


def looks_like(document: Any) -> bool:
    if isinstance(document, list):
        return bool(document) and all(_is_rest_alert(a) for a in document)
    return _is_rest_alert(document) or bool(_graphql_repositories(document))


def _is_rest_alert(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("number"), int)
        and isinstance(value.get("state"), str)
        and isinstance(value.get("dependency"), dict)
        and isinstance(value.get("security_advisory"), dict)
    )


def _graphql_repositories(document: Any) -> list[tuple[JsonObject, str]]:
    """The repository nodes of a GraphQL answer with their JSON paths; [] if it is not one."""
    if not isinstance(document, dict) or not set(document) <= _GRAPHQL_KEYS:
        return []
    data = document.get("data")
    if not isinstance(data, dict):
        return []
    repository = data.get("repository")
    if isinstance(repository, dict) and isinstance(repository.get("vulnerabilityAlerts"), dict):
        return [(repository, "data.repository")]
    search = data.get("search")
    nodes = search.get("nodes") if isinstance(search, dict) else None
    if not isinstance(nodes, list) or not nodes:
        return []
    if not all(
        isinstance(n, dict) and isinstance(n.get("vulnerabilityAlerts"), dict) for n in nodes
    ):
        return []
    return [(node, f"data.search.nodes[{i}]") for i, node in enumerate(nodes)]


def parse(document: Any, context: ParseContext) -> ParsedReport:
    graphql = _graphql_repositories(document)
    if graphql:
        return _parse_graphql(graphql, complete=not document.get("errors"), context=context)
    alerts = document if isinstance(document, list) else [obj(document, "alert")]
    entries = [(obj(alert, f"[{i}]"), f"[{i}]") for i, alert in enumerate(alerts)]
    repositories = {r for a, w in entries if (r := _rest_repository(a, w)) is not None}
    _one_repository(repositories)
    still_open = [
        (a, w) for a, w in entries if (opt_str(a, "state", w) or "").lower() not in _CLOSED
    ]
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(entries),
        ignored=len(entries) - len(still_open),
        drafts=(_rest_draft(a, w) for a, w in still_open),
        context=context,
        repository=repositories.pop() if repositories else None,
    )


def _one_repository(repositories: set[str]) -> None:
    if len(repositories) > 1:
        names = ", ".join(sorted(one_line(r, 100) for r in repositories)[:3])
        more = ", …" if len(repositories) > 3 else ""
        raise ReportRejected(
            f"alerts from {len(repositories)} repositories ({names}{more}): "
            "ingest one repository's alerts per report"
        )


def _rest_repository(alert: JsonObject, where: str) -> str | None:
    repository = opt_obj(alert, "repository", where)
    if repository is not None:
        return opt_str(repository, "html_url", f"{where}.repository")
    match = _ALERT_PAGE.match(opt_str(alert, "html_url", where) or "")
    return match.group(1) if match else None


def _rest_draft(alert: JsonObject, where: str) -> Draft:
    dependency = obj(alert.get("dependency"), f"{where}.dependency")
    package = opt_obj(dependency, "package", f"{where}.dependency") or {}
    advisory = obj(alert.get("security_advisory"), f"{where}.security_advisory")
    vulnerability = opt_obj(alert, "security_vulnerability", where) or {}
    severities = opt_obj(advisory, "cvss_severities", f"{where}.security_advisory") or {}
    cvss = next(
        (
            c
            for c in (severities.get("cvss_v3"), advisory.get("cvss"), severities.get("cvss_v4"))
            if isinstance(c, dict) and cvss_score(c.get("score")) is not None
        ),
        {},
    )
    patched = vulnerability.get("first_patched_version")
    number = alert.get("number")
    return _draft(
        where=where,
        package=opt_str(package, "name", f"{where}.dependency.package"),
        ecosystem=opt_str(package, "ecosystem", f"{where}.dependency.package"),
        version=None,
        manifest=opt_str(dependency, "manifest_path", f"{where}.dependency"),
        location=None,
        alert_id=None,
        ids=advisory_ids(
            advisory.get("cve_id"),
            advisory.get("ghsa_id"),
            [
                i.get("value")
                for i in opt_arr(advisory, "identifiers", where)
                if isinstance(i, dict)
            ],
        ),
        rule_id=advisory.get("ghsa_id")
        or advisory.get("cve_id")
        or (f"alert-{number}" if isinstance(number, int) else None),
        summary=advisory.get("summary"),
        description=advisory.get("description"),
        severity=vulnerability.get("severity") or advisory.get("severity"),
        cvss=(cvss.get("score"), cvss.get("vector_string")),
        cwes=[c.get("cwe_id") for c in opt_arr(advisory, "cwes", where) if isinstance(c, dict)],
        patched=patched.get("identifier") if isinstance(patched, dict) else None,
    )


def _parse_graphql(
    repositories: list[tuple[JsonObject, str]], *, complete: bool, context: ParseContext
) -> ParsedReport:
    entries: list[tuple[JsonObject, str]] = []
    names: set[str] = set()
    url: Any = None
    for repository, repo_where in repositories:
        alerts_where = f"{repo_where}.vulnerabilityAlerts"
        alerts = obj(repository.get("vulnerabilityAlerts"), alerts_where)
        nodes = opt_arr(alerts, "nodes", alerts_where)
        entries.extend(
            (obj(n, f"{alerts_where}.nodes[{i}]"), f"{alerts_where}.nodes[{i}]")
            for i, n in enumerate(nodes)
        )
        if nodes:  # a search also lists repositories without alerts; those do not mix findings
            names.add(str(repository.get("url") or repository.get("name") or repo_where))
            url = repository.get("url")
        # A further page of alerts is not in this export: its absences prove nothing.
        page = opt_obj(alerts, "pageInfo", alerts_where) or {}
        complete = complete and page.get("hasNextPage") is not True
    _one_repository(names)
    if len(repositories) == 1:
        url = repositories[0][0].get("url")
    still_open = [(n, w) for n, w in entries if not _graphql_closed(n)]
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(entries),
        ignored=len(entries) - len(still_open),
        drafts=(_graphql_draft(n, w) for n, w in still_open),
        context=context,
        repository=url if isinstance(url, str) and url.startswith("https://") else None,
        complete=complete,
    )


def _graphql_closed(node: JsonObject) -> bool:
    state = node.get("state")
    if isinstance(state, str):
        return state.lower() in _CLOSED
    return node.get("dismissedAt") is not None or node.get("fixedAt") is not None


def _graphql_draft(node: JsonObject, where: str) -> Draft:
    vulnerability = obj(node.get("securityVulnerability"), f"{where}.securityVulnerability")
    vwhere = f"{where}.securityVulnerability"
    package = opt_obj(vulnerability, "package", vwhere) or {}
    advisory = opt_obj(vulnerability, "advisory", vwhere) or {}
    identifiers = [i for i in opt_arr(advisory, "identifiers", vwhere) if isinstance(i, dict)]
    typed = {str(i.get("type")).upper(): i.get("value") for i in identifiers}
    values = [i.get("value") for i in identifiers]
    first = next((v for v in values if isinstance(v, str) and v), None)
    cvss = _object_or_empty(advisory.get("cvss"))
    cwes = _object_or_empty(advisory.get("cwes"))
    patched = vulnerability.get("firstPatchedVersion")
    requirement = _EXACT_REQUIREMENT.match(opt_str(node, "vulnerableRequirements", where) or "")
    return _draft(
        where=where,
        package=opt_str(package, "name", f"{vwhere}.package"),
        ecosystem=opt_str(package, "ecosystem", f"{vwhere}.package"),
        version=requirement.group(1) if requirement else None,
        manifest=opt_str(node, "vulnerableManifestPath", where),
        # A query may select only the file name: not a repository path ("pom.xml" may be in any
        # directory), so it is a location, and the alert's node id keeps such alerts apart.
        location=opt_str(node, "vulnerableManifestFilename", where),
        alert_id=node.get("id"),
        ids=advisory_ids(typed.get("CVE"), advisory.get("ghsaId"), typed.get("GHSA"), values),
        rule_id=advisory.get("ghsaId") or typed.get("GHSA") or first or node.get("id"),
        summary=advisory.get("summary"),
        description=advisory.get("description"),
        severity=vulnerability.get("severity"),
        cvss=(cvss.get("score"), cvss.get("vectorString")),
        cwes=[c.get("cweId") for c in _list_or_empty(cwes.get("nodes")) if isinstance(c, dict)],
        patched=patched.get("identifier") if isinstance(patched, dict) else None,
    )


def _object_or_empty(value: Any) -> JsonObject:
    """An optional sub-object a custom GraphQL query may shape oddly: read leniently."""
    return value if isinstance(value, dict) else {}


def _list_or_empty(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _draft(
    *,
    where: str,
    package: str | None,
    ecosystem: str | None,
    version: str | None,
    manifest: str | None,
    location: str | None,
    alert_id: Any,
    ids: tuple[str, ...],
    rule_id: Any,
    summary: Any,
    description: Any,
    severity: Any,
    cvss: tuple[Any, Any],
    cwes: list[Any],
    patched: Any,
) -> Draft:
    """The Draft both layouts share; loosely typed values are the optional fields, checked here."""
    if not package:
        raise ReportRejected(f"{where}: the alert names no package")
    if not isinstance(rule_id, str | int) or rule_id == "":
        raise ReportRejected(f"{where}: the alert names no advisory")
    rule = str(rule_id)[:500]
    title = summary.strip() or None if isinstance(summary, str) else None
    text = description if isinstance(description, str) else None
    score, vector = cvss
    return Draft(
        tool=TOOL,
        rule_id=rule,
        rule_name=title,
        message=paragraphs(title, text) or f"{package} is affected by {rule}",
        severity=(from_word(severity) if isinstance(severity, str) else None) or Severity.MEDIUM,
        where=where,
        kind=FindingKind.SCA,
        cwe_ids=cwe_ids(cwes),
        path=manifest,
        identity=f"{package}:{rule}"
        if manifest or not alert_id
        else f"{package}:{rule}:{alert_id}",
        details=ScaDetails(
            ecosystem=osv_ecosystem(ecosystem),
            package=package[:500],
            version=version[:500] if version else None,
            fixed_versions=(patched[:500],) if isinstance(patched, str) and patched else (),
            advisory_ids=ids,
            cvss_score=cvss_score(score),
            cvss_vector=vector[:500] if isinstance(vector, str) and vector else None,
            location=location[:2000] if location and not manifest else None,
        ),
    )
