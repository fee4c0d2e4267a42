"""Block Kit for approval cards and dialogs, built by code from a Card.

Untrusted text (titles, code, scanner messages, ticket bodies) only ever goes into ``plain_text``
objects, which Slack never parses for links or mentions; the few ``mrkdwn`` fields hold values we
produced (enums, ids, counts) and are escaped anyway. Buttons carry the opaque approval id and
nothing else.
"""

from __future__ import annotations

from typing import Any

from approvals.card import Card
from tools.sanitize.invisible import without_invisible
from tools.sanitize.slack_mrkdwn import escape_slack_mrkdwn

APPROVE = "approval_approve"
EDIT = "approval_edit"
REJECT = "approval_reject"
EDIT_VIEW = "approval_edit_view"
REJECT_VIEW = "approval_reject_view"
SEVERITIES = ("critical", "high", "medium", "low", "info")

Block = dict[str, Any]


def plain(text: str, limit: int = 3000) -> dict[str, Any]:
    clean = without_invisible(text).strip() or "-"
    if len(clean) > limit:
        clean = clean[: limit - 1] + "…"
    return {"type": "plain_text", "text": clean, "emoji": False}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": escape_slack_mrkdwn(text).text, "verbatim": True}


def card_blocks(card: Card) -> list[Block]:
    """The approval card: what will happen, why, and the buttons (while it is pending)."""
    blocks: list[Block] = [
        {"type": "header", "text": plain(f"Case {card.case_id}: file this ticket?", 150)},
        {"type": "section", "text": plain(card.title)},
        {
            "type": "section",
            "fields": [
                mrkdwn(f"*Repository*\n{card.repository}"),
                mrkdwn(f"*Verdict*\n{card.verdict}"),
                mrkdwn(f"*Severity*\n{_severity_line(card)}"),
                mrkdwn(f"*Location*\n{card.location}"),
                mrkdwn(f"*Priority*\n{card.priority or 'n/a'} (fix by {card.sla_due or 'n/a'})"),
            ],
        },
    ]
    if card.flags:
        blocks.append({"type": "context", "elements": [plain("Flags: " + ", ".join(card.flags))]})
    if card.factors:
        blocks.append(
            {"type": "section", "text": plain("Why:\n" + "\n".join(f"• {f}" for f in card.factors))}
        )
    if card.evidence:
        blocks.append({"type": "section", "text": plain("Evidence:\n" + card.evidence, 1500)})
    blocks.append({"type": "section", "text": plain("Ticket preview:\n" + card.body, 1200)})
    blocks.append({"type": "context", "elements": [plain(_status_line(card), 2000)]})
    if card.status == "pending":
        blocks.append(
            {
                "type": "actions",
                "block_id": "decision",
                "elements": [
                    _button("Approve", APPROVE, card.approval_id, style="primary"),
                    _button("Edit", EDIT, card.approval_id),
                    _button("Reject", REJECT, card.approval_id, style="danger"),
                ],
            }
        )
    return blocks


def fallback_text(card: Card) -> str:
    """The notification text (shown where blocks are not)."""
    return without_invisible(f"Case {card.case_id} needs a decision: {card.title}")[:300]


def digest_text(count: int, repository: str) -> str:
    return f"appsec-triage: {count} case(s) in {repository} need a decision. One thread per case."


def reject_view(card: Card) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": REJECT_VIEW,
        "private_metadata": card.approval_id,
        "title": plain("Reject proposal", 24),
        "submit": plain("Reject", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            {"type": "section", "text": plain(card.title)},
            {
                "type": "input",
                "block_id": "reason",
                "label": plain("Why? (recorded in the audit trail)", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": 2000,
                },
            },
        ],
    }


def edit_view(card: Card, *, labels: tuple[str, ...], assignees: tuple[str, ...]) -> dict[str, Any]:
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": "severity",
            "label": plain("Severity", 2000),
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [_option(s) for s in SEVERITIES],
                **(
                    {"initial_option": _option(card.severity)}
                    if card.severity in SEVERITIES
                    else {}
                ),
            },
        },
        {
            "type": "input",
            "block_id": "title",
            "label": plain("Title", 2000),
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "initial_value": card.title[:256],
                "max_length": 256,
            },
        },
    ]
    for block_id, allowed, current in (
        ("labels", labels, [label for label in card.labels if label in labels]),
        ("assignees", assignees, [a for a in card.assignees if a in assignees]),
    ):
        if not allowed:
            continue
        element: dict[str, Any] = {
            "type": "multi_static_select",
            "action_id": "value",
            "options": [_option(value) for value in allowed],
        }
        if current:
            element["initial_options"] = [_option(value) for value in current]
        blocks.append(
            {
                "type": "input",
                "block_id": block_id,
                "optional": True,
                "label": plain(block_id.capitalize(), 2000),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": card.approval_id,
        "title": plain("Edit the ticket", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }


def _severity_line(card: Card) -> str:
    if card.severity == card.tool_severity:
        return f"{card.severity} (as the scanner said)"
    return f"{card.severity} (scanner: {card.tool_severity}) — CHANGED"


def _status_line(card: Card) -> str:
    parts = [f"approval {card.approval_id}", f"content hash {card.content_hash[:12]}"]
    if card.status == "pending":
        parts.append(f"expires {card.expires_at:%Y-%m-%d %H:%M} UTC")
        if card.required_approvals > 1:
            parts.append(f"needs {card.required_approvals} approvers ({len(card.votes)} so far)")
    elif card.status == "superseded":
        parts.append(f"replaced by edited approval {card.superseded_by}")
    else:
        when = f"{card.decided_at:%Y-%m-%d %H:%M} UTC" if card.decided_at else "?"
        parts.append(f"{card.status.upper()} by {card.decided_by} at {when}")
        if card.reason:
            parts.append(f"reason: {card.reason}")
        if card.published_ref:
            parts.append(f"published: {card.published_ref}")
    return " · ".join(parts)


def _button(text: str, action_id: str, approval_id: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": plain(text, 75),
        "action_id": action_id,
        "value": approval_id,
    }
    if style:
        button["style"] = style
    return button


def _option(value: str) -> dict[str, Any]:
    return {"text": plain(value, 75), "value": value}
