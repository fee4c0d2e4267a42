"""Workflow state for one case. JSON-native values only: ids, summaries, the decision."""

from __future__ import annotations

from typing import Any, TypedDict


class CaseState(TypedDict, total=False):
    case_id: int
    finding: dict[str, Any]
    """agent.ticket.FindingSummary as JSON."""
    context: dict[str, Any]
    """tools.repo.context.CodeContext as JSON."""
    proposal: dict[str, Any]
    """agent.proposal.Proposal as JSON."""
    approval_id: str
    decision: dict[str, Any]
    """The answer to the approval interrupt: {"approval_id": ..., "status": ...}."""
    published_ref: str | None
    outcome: str
