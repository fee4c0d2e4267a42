"""Approval cards: untrusted text only in plain_text, ids only in buttons, escaped mrkdwn."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import Block

from approvals.card import Card
from approvals.slack import blocks
from approvals.slack.approvers import Actor, Approvers
from approvals.slack.poster import RateLimiter
from config.slack import SlackConfig

HOSTILE = "<!channel> <@U0ADMIN> *bold* <https://evil.example|click> \u202eevil"
CARD = Card(
    approval_id="apv_0123456789ab",
    case_id=7,
    status="pending",
    required_approvals=2,
    votes=("slack:T0000000001:UALICE",),
    content_hash="ab" * 32,
    expires_at=datetime(2026, 12, 4, tzinfo=UTC),
    decided_by=None,
    decided_at=None,
    reason=None,
    superseded_by=None,
    repository="o/r",
    title=HOSTILE,
    body=HOSTILE,
    labels=("security",),
    assignees=(),
    verdict="true_positive",
    priority="P2",
    sla_due="2026-12-04",
    severity="high",
    tool_severity="medium",
    factors=("raised to high: CWE-89 floor",),
    flags=("raised", "injection_suspected"),
    location="app/<db>.py:52",
    evidence=HOSTILE,
    published_ref=None,
)


def _texts(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and "text" in node:
            found.append(node)
        for value in node.values():
            found += _texts(value)
    elif isinstance(node, list):
        for value in node:
            found += _texts(value)
    return found


def test_untrusted_text_is_only_in_plain_text_and_mrkdwn_is_escaped() -> None:
    card = blocks.card_blocks(CARD)
    for text in _texts(card):
        if text["type"] == "mrkdwn":
            assert "<" not in text["text"] and ">" not in text["text"]
            assert text["verbatim"] is True
        assert "\u202e" not in text["text"]
    assert any("<!channel>" in t["text"] for t in _texts(card) if t["type"] == "plain_text")
    for block in card:  # Slack's own model validates sizes and shapes
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


def test_buttons_carry_only_the_approval_id_and_show_the_state() -> None:
    card = blocks.card_blocks(CARD)
    (actions,) = [b for b in card if b["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (blocks.APPROVE, CARD.approval_id),
        (blocks.EDIT, CARD.approval_id),
        (blocks.REJECT, CARD.approval_id),
    ]
    status = card[-2]["elements"][0]["text"]
    assert "needs 2 approvers (1 so far)" in status and "content hash abababababab" in status
    assert "CHANGED" in str(card)  # proposed severity differs from the scanner's


def test_a_decided_card_has_no_buttons_and_names_the_decider() -> None:
    decided = replace(
        CARD,
        status="approved",
        decided_by="slack:T1:UBOB",
        decided_at=datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
        published_ref="https://github.com/o/r/issues/4",
    )
    card = blocks.card_blocks(decided)
    assert not [b for b in card if b["type"] == "actions"]
    status = card[-1]["elements"][0]["text"]
    assert "APPROVED by slack:T1:UBOB at 2026-11-28 09:30 UTC" in status
    assert "published: https://github.com/o/r/issues/4" in status


def test_dialogs_offer_only_the_allowlists() -> None:
    view = blocks.edit_view(CARD, labels=("security", "x"), assignees=())
    block_ids = [b["block_id"] for b in view["blocks"]]
    assert block_ids == ["severity", "title", "labels"]  # no assignee list configured
    assert view["private_metadata"] == CARD.approval_id


class _Groups:
    def __init__(self) -> None:
        self.calls = 0

    def usergroups_users_list(self, *, usergroup: str) -> dict[str, Any]:
        self.calls += 1
        return {"ok": True, "users": ["UCAROL"]}


def test_group_membership_is_cached_until_it_expires() -> None:
    now = [0.0]
    config = SlackConfig(
        team_id="T1A",
        default_channel="C1A",
        approver_usergroups=frozenset({"S1A"}),
        usergroup_cache_seconds=60,
    )
    approvers, groups = Approvers(config, lambda: now[0]), _Groups()
    carol = Actor("UCAROL", "T1A", None)
    assert approvers.refusal(carol, groups) is None
    now[0] = 59
    assert approvers.refusal(carol, groups) is None
    assert groups.calls == 1
    now[0] = 61
    assert approvers.refusal(carol, groups) is None
    assert groups.calls == 2
    assert "workspace" in (approvers.refusal(Actor("UCAROL", "T2B", None), groups) or "")


def test_rate_limiter_spaces_calls() -> None:
    now, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(2.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        limiter.wait()
    assert slept == [0.5, 0.5, 0.5]
