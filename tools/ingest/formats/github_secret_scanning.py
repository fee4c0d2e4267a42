"""GitHub secret-scanning alerts, as ``GET /repos/{owner}/{repo}/secret-scanning/alerts`` returns
them (a JSON array of ``secret-scanning-alert`` objects) → secret Findings.

Each alert carries the secret in clear (``secret``, unless fetched with ``hide_secret=true``): it
goes into ``SecretMaterial`` and nowhere else. A resolved alert was decided on GitHub (revoked,
false positive, won't fix, used in tests): it is counted and ignored, so a later complete listing
marks the finding fixed.

The location is ``first_location_detected``; GitHub writes its paths from the repository root
with a leading slash (``/config/app.yml``), which is dropped to make them repository-relative.
A secret first seen in an issue, pull request, discussion or wiki has no repository path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tools.findings.finding import FindingKind
from tools.findings.severity import Severity
from tools.ingest.draft import Draft, SecretMaterial, build_report
from tools.ingest.errors import ReportRejected
from tools.ingest.json_access import JsonObject, obj, opt_int, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "github-secret-scanning"
TOOL = "GitHub secret scanning"
# GitHub rates no secret alert; ``validity`` (is it live?) goes to details.verified instead.
_SEVERITY = Severity.MEDIUM
_VALIDITY = {"active": True, "inactive": False}  # "unknown": GitHub could not check


def looks_like(document: Any) -> bool:
    # An empty array names no producer: it needs ``--format github-secret-scanning``.
    if not isinstance(document, list) or not document or not isinstance(document[0], dict):
        return False
    first = document[0]
    return "secret_type" in first and "number" in first and "state" in first


def parse(document: Any, context: ParseContext) -> ParsedReport:
    if not isinstance(document, list):
        raise ReportRejected("report: expected the array of alerts the GitHub API returns")
    alerts = [obj(raw, f"report[{i}]") for i, raw in enumerate(document)]
    states = [_state(alert, f"report[{i}]") for i, alert in enumerate(alerts)]
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(alerts),
        ignored=states.count("resolved"),
        drafts=_drafts(alerts, states),
        context=context,
        repository=_repository(alerts),
    )


def _state(alert: JsonObject, where: str) -> str:
    state = opt_str(alert, "state", where)
    if state is None or state not in {"open", "resolved"}:
        raise ReportRejected(f"{where}.state: expected 'open' or 'resolved'")
    return state


def _repository(alerts: list[JsonObject]) -> str | None:
    """The repository the alerts belong to, when they say (the organization-level listing does).

    Alerts of several repositories in one file would be stored under one name, and a repository
    whose alerts are missing from the file would have them marked fixed: such a file is refused.
    """
    found: set[str] = set()
    for index, alert in enumerate(alerts):
        where = f"report[{index}]"
        repository = opt_obj(alert, "repository", where)
        url = opt_str(repository, "html_url", f"{where}.repository") if repository else None
        if url:
            found.add(url)
    if len(found) > 1:
        raise ReportRejected(
            f"report: alerts of {len(found)} repositories; ingest one repository's alerts per file"
        )
    return found.pop() if found else None


def _drafts(alerts: list[JsonObject], states: list[str]) -> Iterator[Draft]:
    for index, (alert, state) in enumerate(zip(alerts, states, strict=True)):
        if state == "open":
            yield _draft(alert, f"report[{index}]")


def _draft(alert: JsonObject, where: str) -> Draft:
    secret_type = opt_str(alert, "secret_type", where)
    if not secret_type:
        raise ReportRejected(f"{where}: the required 'secret_type' property is empty")
    number = opt_int(alert, "number", where, minimum=1)
    display_name = opt_str(alert, "secret_type_display_name", where)
    location = opt_obj(alert, "first_location_detected", where) or {}
    location_where = f"{where}.first_location_detected"
    path = opt_str(location, "path", location_where)
    secret = opt_str(alert, "secret", where)
    validity = opt_str(alert, "validity", where)
    return Draft(
        tool=TOOL,
        rule_id=secret_type,
        rule_name=display_name,
        message=f"{display_name or secret_type} found by GitHub secret scanning",
        severity=_SEVERITY,
        where=where,
        kind=FindingKind.SECRET,
        path=_repository_path(location, path),
        start_line=_number(location, "start_line", location_where),
        start_column=_number(location, "start_column", location_where),
        end_line=_number(location, "end_line", location_where),
        # Only when the secret is hidden: then the alert number is what stays the same.
        identity=f"alert:{number}" if number is not None else None,
        secret=SecretMaterial(
            secret_type=secret_type,
            value=secret or None,
            verified=_VALIDITY.get(validity or ""),
            commit=opt_str(location, "commit_sha", location_where) or None,
        ),
    )


def _repository_path(location: JsonObject, path: str | None) -> str | None:
    # A wiki commit's path is a page of the wiki's own repository, not a file of this one.
    if not path or "page_url" in location:
        return None
    return path.lstrip("/") or None


def _number(location: JsonObject, key: str, where: str) -> int | None:
    """The API schema types line and column as "number": accept 12.0 as well as 12."""
    value = location.get(key)
    if isinstance(value, float) and value.is_integer() and 0 <= value <= 10**9:
        return int(value)
    return opt_int(location, key, where, minimum=0)
