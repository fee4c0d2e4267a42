"""The Bolt app: Approve, Edit and Reject on approval cards, for configured approvers only.

Every handler acknowledges first (Slack wants an answer within 3 s), then works on Bolt's worker
thread: authorise the clicking user from the signed payload, decide with a compare-and-set, redraw
the card. Resuming the workflow (which may publish) runs on a separate executor, off the request
path, through the ``on_decided`` callback the caller supplies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from approvals.card import Card, load_card
from approvals.decisions import Decision, decide, supersede
from approvals.errors import ApprovalError
from approvals.requests import get_approval
from approvals.slack import blocks
from approvals.slack.approvers import Actor, Approvers
from approvals.slack.poster import refresh_card
from config.slack import SlackConfig
from tools.sanitize.invisible import without_invisible
from tools.store.audit import append_event
from tools.store.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackDeps:
    database: Database
    config: SlackConfig
    approvers: Approvers
    clock: Callable[[], datetime]
    on_decided: Callable[[str], object]
    """Resume the case of a decided approval (publishes when approved)."""
    resume_executor: Executor
    two_person_rule: bool = True


def build_app(deps: SlackDeps, *, client: WebClient, signing_secret: str) -> App:
    app = App(
        client=client,
        signing_secret=signing_secret,
        # Enough listener threads that a burst of clicks is acknowledged without queueing.
        listener_executor=ThreadPoolExecutor(max_workers=64, thread_name_prefix="bolt"),
    )
    handlers = _Handlers(deps)
    app.action(blocks.APPROVE)(handlers.approve)
    app.action(blocks.REJECT)(handlers.open_reject)
    app.action(blocks.EDIT)(handlers.open_edit)
    app.view(blocks.REJECT_VIEW)(handlers.submit_reject)
    app.view(blocks.EDIT_VIEW)(handlers.submit_edit)
    return app


class _Handlers:
    def __init__(self, deps: SlackDeps) -> None:
        self.deps = deps

    # --- buttons ---------------------------------------------------------------------------

    def approve(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        approval_id = _button_value(body)
        actor = Actor.from_body(body)
        if not self._authorised(actor, client, body, approval_id, "approve"):
            return
        self._decide(client, body, actor, approval_id, Decision.APPROVE, None)

    def open_reject(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        approval_id = _button_value(body)
        if not self._authorised(Actor.from_body(body), client, body, approval_id, "reject"):
            return
        with self.deps.database.session() as session:
            card = load_card(session, approval_id)
        client.views_open(trigger_id=body["trigger_id"], view=blocks.reject_view(card))

    def open_edit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        approval_id = _button_value(body)
        if not self._authorised(Actor.from_body(body), client, body, approval_id, "edit"):
            return
        with self.deps.database.session() as session:
            card = load_card(session, approval_id)
        view = blocks.edit_view(
            card, labels=self.deps.config.edit_labels, assignees=self.deps.config.edit_assignees
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    # --- dialogs ---------------------------------------------------------------------------

    def submit_reject(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        values = body["view"]["state"]["values"]
        reason = str((values.get("reason", {}).get("value") or {}).get("value") or "").strip()
        if not reason:
            ack(response_action="errors", errors={"reason": "Say why, for the audit trail."})
            return
        ack()
        approval_id = str(body["view"]["private_metadata"])
        actor = Actor.from_body(body)
        if not self._authorised(actor, client, body, approval_id, "reject"):
            return
        self._decide(client, body, actor, approval_id, Decision.REJECT, reason[:2000])

    def submit_edit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        approval_id = str(body["view"]["private_metadata"])
        actor = Actor.from_body(body)
        refusal = self.deps.approvers.refusal(actor, client)
        if refusal:
            ack(response_action="errors", errors={"title": refusal})
            self._audit_refusal(actor, approval_id, "edit", refusal)
            return
        edit, errors = _read_edit(body["view"]["state"]["values"], self.deps.config)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        with self.deps.database.session() as session:
            card = load_card(session, approval_id)
            ticket = _edited_ticket(card, edit, actor)
            try:
                new = supersede(
                    session,
                    approval_id=approval_id,
                    payload={"ticket": ticket},
                    severity_before=card.severity,
                    severity_after=edit.severity,
                    two_person_rule=self.deps.two_person_rule,
                    actor=actor.key,
                    now=self.deps.clock(),
                )
            except ApprovalError as exc:
                self._tell(client, body, actor, str(exc))
                return
        refresh_card(self.deps.database, client, new.id)

    # --- shared ----------------------------------------------------------------------------

    def _decide(
        self,
        client: WebClient,
        body: dict[str, Any],
        actor: Actor,
        approval_id: str,
        decision: Decision,
        reason: str | None,
    ) -> None:
        try:
            with self.deps.database.session() as session:
                outcome = decide(
                    session,
                    approval_id=approval_id,
                    decision=decision,
                    actor=actor.key,
                    now=self.deps.clock(),
                    reason=reason,
                )
        except ApprovalError as exc:
            self._tell(client, body, actor, str(exc))
            return
        refresh_card(self.deps.database, client, approval_id)
        if not outcome.complete:
            self._tell(
                client,
                body,
                actor,
                f"Your approval is recorded ({outcome.votes} of "
                f"{outcome.approval.required_approvals}); a second, different approver is needed.",
            )
            return
        self.deps.resume_executor.submit(self._resume, client, approval_id)

    def _resume(self, client: WebClient, approval_id: str) -> None:
        try:
            self.deps.on_decided(approval_id)
        except Exception:
            log.exception("resuming the case of approval %s failed", approval_id)
        refresh_card(self.deps.database, client, approval_id)

    def _authorised(
        self, actor: Actor, client: WebClient, body: dict[str, Any], approval_id: str, what: str
    ) -> bool:
        refusal = self.deps.approvers.refusal(actor, client)
        if refusal is None:
            return True
        self._audit_refusal(actor, approval_id, what, refusal)  # recorded before anyone is told
        self._tell(client, body, actor, refusal)
        return False

    def _audit_refusal(self, actor: Actor, approval_id: str, what: str, refusal: str) -> None:
        with self.deps.database.session() as session:
            append_event(
                session,
                event="approval.refused",
                actor=actor.key,
                now=self.deps.clock(),
                approval_id=approval_id[:40],
                detail={"attempted": what, "reason": refusal},
            )
        log.warning("refused %s on %s by %s: %s", what, approval_id, actor.key, refusal)

    def _tell(self, client: WebClient, body: dict[str, Any], actor: Actor, text: str) -> None:
        """An ephemeral message only the clicking user sees."""
        channel = (body.get("channel") or {}).get("id") or self._channel_of(body)
        if channel:
            client.chat_postEphemeral(channel=channel, user=actor.user_id, text=text)

    def _channel_of(self, body: dict[str, Any]) -> str | None:
        approval_id = str((body.get("view") or {}).get("private_metadata") or "")
        if not approval_id:
            return None
        with self.deps.database.session() as session:
            try:
                return get_approval(session, approval_id).slack_channel
            except ApprovalError:
                return None


@dataclass(frozen=True)
class _Edit:
    severity: str
    title: str
    labels: tuple[str, ...]
    assignees: tuple[str, ...]


def _read_edit(values: dict[str, Any], config: SlackConfig) -> tuple[_Edit, dict[str, str]]:
    """Validate a submitted edit against the allowlists; errors keyed by block id."""
    errors: dict[str, str] = {}

    def selected(block: str) -> list[str]:
        element = (values.get(block) or {}).get("value") or {}
        if "selected_option" in element:
            option = element["selected_option"] or {}
            return [str(option.get("value", ""))]
        return [str(o.get("value", "")) for o in element.get("selected_options") or ()]

    severity = (selected("severity") or [""])[0]
    if severity not in blocks.SEVERITIES:
        errors["severity"] = "Choose one of the listed severities."
    title = " ".join(
        without_invisible(
            str(((values.get("title") or {}).get("value") or {}).get("value") or "")
        ).split()
    )
    if not 1 <= len(title) <= 256:
        errors["title"] = "A title needs 1 to 256 characters."
    labels = tuple(selected("labels"))
    if set(labels) - set(config.edit_labels):
        errors["labels"] = "Only the listed labels can be used."
    assignees = tuple(selected("assignees"))
    if set(assignees) - set(config.edit_assignees):
        errors["assignees"] = "Only the listed people can be assigned."
    return _Edit(severity, title, labels, assignees), errors


def _edited_ticket(card: Card, edit: _Edit, actor: Actor) -> dict[str, Any]:
    """The ticket as edited: our body plus a visible note of who changed what."""
    note = (
        f"\n\n---\nEdited in Slack by {actor.user_id}: severity {card.severity} → {edit.severity}."
        if edit.severity != card.severity
        else f"\n\n---\nEdited in Slack by {actor.user_id}."
    )
    return {
        "repository": card.repository,
        "title": edit.title,
        "body": card.body + note,
        "labels": [*dict.fromkeys([*edit.labels, f"severity:{edit.severity}"])],
        "assignees": list(edit.assignees),
    }


def _button_value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value", ""))[:40]
