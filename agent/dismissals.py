"""An approved false positive, written back to GitHub as a dismissal of the alert it came from.

``alert_numbers_for`` finds which alert a stored finding is, by parsing each live alert on its
own with the same parser and context as ingest and comparing fingerprints (an alert's identity
is its number, so this is exact). ``request_dismissal`` opens the approval: its payload holds the
dismissal and the exact PATCH body, so the approval's hash covers what will be sent, and a false
positive needs the two approvers a dismissal needs (approvals/policy.py). ``dismiss_approved``
sends it, after every check a publish makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from agent.approved_writes import check_target, load_approved, request_write_approval, write_once
from agent.deps import WorkflowDeps
from agent.publishing import PublishRefused
from approvals.policy import required_approvals
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.report import ParseContext
from tools.publish.alert_dismissal import FORMAT_OF_KIND, AlertDismissal, AlertKind

ACTION_DISMISS_ALERT = "dismiss_alert"


class AlertDismisser(Protocol):
    @property
    def destination(self) -> str: ...

    def dismiss(self, dismissal: AlertDismissal, body: dict[str, Any]) -> str: ...


def alert_numbers_for(
    alerts: Sequence[Any], *, kind: AlertKind, fingerprint: str, context: ParseContext
) -> list[int]:
    """The numbers of the open alerts in ``alerts`` that make the finding ``fingerprint``."""
    parser = registry.format_named(FORMAT_OF_KIND[kind])
    numbers = []
    for alert in alerts:
        number = alert.get("number") if isinstance(alert, dict) else None
        if not isinstance(number, int):
            continue
        try:
            parsed = parser.parse([alert], context)
        except ReportRejected:
            continue
        if any(finding.fingerprint == fingerprint for finding in parsed.findings):
            numbers.append(number)
    return sorted(numbers)


def dismissal_payload(dismissal: AlertDismissal) -> dict[str, Any]:
    """What the approval covers: the dismissal, and the exact request body it becomes."""
    return {"dismissal": dismissal.model_dump(mode="json"), "request": dismissal.request_body()}


def request_dismissal(
    deps: WorkflowDeps, *, case_id: int, dismissal: AlertDismissal, tool_severity: str
) -> str:
    """Open (once) the approval for this exact dismissal; returns its id."""
    return request_write_approval(
        deps,
        case_id=case_id,
        action=ACTION_DISMISS_ALERT,
        payload=dismissal_payload(dismissal),
        required=required_approvals(
            verdict="false_positive",
            tool_severity=tool_severity,
            proposed_severity=tool_severity,
            two_person_rule=deps.two_person_rule,
        ),
    )


def dismiss_approved(
    deps: WorkflowDeps, dismisser: AlertDismisser, approval_id: str, *, case_id: int
) -> str:
    """Send the approved dismissal once; returns the alert's URL."""
    approved = load_approved(deps, approval_id, case_id=case_id, action=ACTION_DISMISS_ALERT)
    dismissal = AlertDismissal.model_validate(approved.payload.get("dismissal"))
    body = dismissal.request_body()
    if approved.payload.get("request") != body:
        raise PublishRefused(
            f"approval {approval_id}: the approved request is not what this dismissal sends; "
            "nothing was written"
        )
    check_target(deps, dismissal.repository, approved)
    return write_once(
        deps,
        approved,
        destination=dismisser.destination,
        write=lambda: dismisser.dismiss(dismissal, body),
        find=None,  # the same PATCH again leaves the alert as it is: idempotent
        event="alert.dismissed",
    )
