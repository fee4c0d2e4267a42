"""Posting approval cards: one digest message per channel and run, one thread reply per case."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from sqlmodel import col, select

from approvals.card import approval_subject, load_card
from approvals.slack.blocks import card_blocks, digest_text, fallback_text
from config.slack import SlackConfig
from tools.store.database import Database
from tools.store.tables import ApprovalRow, ApprovalStatus


class RateLimiter:
    """At most ``per_second`` calls per second; callers wait their turn."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / per_second
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self.clock()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            self.sleep(delay)


@dataclass(frozen=True)
class Posted:
    digests: int
    cards: int


def post_pending_cards(
    database: Database, client: WebClient, config: SlackConfig, limiter: RateLimiter
) -> Posted:
    """Post every pending approval that has no Slack message yet; store where each went."""
    with database.session() as session:
        unposted = session.exec(
            select(ApprovalRow)
            .where(
                ApprovalRow.status == ApprovalStatus.PENDING, col(ApprovalRow.slack_ts).is_(None)
            )
            .order_by(col(ApprovalRow.case_id))
        ).all()
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for approval in unposted:
            repository = approval_subject(approval.payload).repository
            groups[(config.channel_for(repository), repository)].append(approval.id)
    cards = 0
    for (channel, repository), approval_ids in groups.items():
        limiter.wait()
        digest = client.chat_postMessage(
            channel=channel, text=digest_text(len(approval_ids), repository)
        )
        for approval_id in approval_ids:
            with database.session() as session:
                card = load_card(session, approval_id)
            limiter.wait()
            reply = client.chat_postMessage(
                channel=channel,
                thread_ts=digest["ts"],
                text=fallback_text(card),
                blocks=card_blocks(card),
            )
            with database.session() as session:
                row = session.get(ApprovalRow, approval_id)
                assert row is not None
                row.slack_channel, row.slack_ts = str(reply["channel"]), str(reply["ts"])
                session.add(row)
            cards += 1
    return Posted(digests=len(groups), cards=cards)


def refresh_card(database: Database, client: WebClient, approval_id: str) -> None:
    """Redraw an approval's card in place (after a vote, a decision, an edit or a publish)."""
    with database.session() as session:
        card = load_card(session, approval_id)
        row = session.get(ApprovalRow, approval_id)
        assert row is not None
        channel, ts = row.slack_channel, row.slack_ts
    if channel and ts:
        client.chat_update(
            channel=channel, ts=ts, text=fallback_text(card), blocks=card_blocks(card)
        )
