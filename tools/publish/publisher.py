"""The publisher interface: the one place the product writes outside its own store."""

from __future__ import annotations

from typing import Protocol

from tools.errors import ToolError
from tools.publish.ticket import Ticket


class PublishError(ToolError):
    """A write to the destination failed.

    ``written`` is False only when the destination certainly did not change (the write can be
    retried blindly); None means unknown, and the outbox must reconcile before any retry.
    """

    def __init__(self, message: str, *, written: bool | None = None) -> None:
        super().__init__(message)
        self.written = written


class Publisher(Protocol):
    """Writes approved tickets. Implementations embed ``marker`` so a write can be found again."""

    @property
    def destination(self) -> str:
        """A stable name for where tickets go (part of the idempotency key)."""
        ...

    def find_published(self, repository: str, marker: str) -> str | None:
        """The reference of an earlier write to ``repository`` carrying ``marker``, if any."""
        ...

    def publish(self, ticket: Ticket, marker: str) -> str:
        """Write the ticket and return a reference to it (a path or URL)."""
        ...


def marker_for(case_id: int) -> str:
    """The hidden marker that identifies a case's ticket wherever it is written."""
    return f"<!-- appsec-triage:case={case_id} -->"
