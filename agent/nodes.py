"""Thin LangGraph nodes: read state, call one step, return an update.

LangGraph re-runs a node from its first line when it resumes, so: the interrupt is alone in
``gate``, the only outside write is in ``publish``, and every store write in the other nodes is
idempotent (see agent/steps.py).
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.types import interrupt

from agent import steps
from agent.deps import WorkflowDeps
from agent.llm.pretriage import pretriage
from agent.proposal import Proposal
from agent.publishing import NeedsReconciliation, PublishRefused, publish_approved
from agent.state import CaseState
from agent.ticket import FindingSummary
from tools.repo.context import CodeContext
from tools.store.tables import ApprovalStatus, CaseStatus


class Nodes:
    def __init__(self, deps: WorkflowDeps) -> None:
        self.deps = deps

    def enrich(self, state: CaseState) -> dict[str, Any]:
        finding, context = steps.enrich(self.deps, state["case_id"])
        return {
            "finding": finding.model_dump(mode="json"),
            "context": context.model_dump(mode="json"),
        }

    def assess(self, state: CaseState) -> dict[str, Any]:
        proposal = steps.propose(
            self.deps,
            FindingSummary.model_validate(state["finding"]),
            CodeContext.model_validate(state["context"]),
        )
        return {"proposal": proposal.model_dump(mode="json")}

    def consult(self, state: CaseState) -> dict[str, Any]:
        # The model call is alone in this node: a resume re-runs it from the top, and the
        # verdict cache makes that re-run cheap. Nothing here writes outside the store.
        # Imported here so the deterministic path never loads the model client libraries.
        from agent.llm.consult_case import consult_case

        proposal = consult_case(
            self.deps,
            case_id=state["case_id"],
            finding=FindingSummary.model_validate(state["finding"]),
            context=CodeContext.model_validate(state["context"]),
            proposal=Proposal.model_validate(state["proposal"]),
        )
        return {"proposal": proposal.model_dump(mode="json")}

    def after_assess(self, state: CaseState) -> Literal["consult", "draft"]:
        """The model only when one is configured and pre-triage says it can add something."""
        if self.deps.model_stage is None:
            return "draft"
        finding = FindingSummary.model_validate(state["finding"])
        decision = pretriage(
            finding,
            CodeContext.model_validate(state["context"]),
            Proposal.model_validate(state["proposal"]),
            on_secret_lines=steps.on_secret_lines(self.deps, finding),
        )
        return "consult" if decision.use_model else "draft"

    def draft(self, state: CaseState) -> dict[str, Any]:
        approval_id = steps.request_ticket_approval(
            self.deps,
            case_id=state["case_id"],
            thread_id=thread_id_for(state["case_id"]),
            finding=FindingSummary.model_validate(state["finding"]),
            context=CodeContext.model_validate(state["context"]),
            proposal=Proposal.model_validate(state["proposal"]),
        )
        return {"approval_id": approval_id}

    def gate(self, state: CaseState) -> dict[str, Any]:
        answer = interrupt({"approval_id": state["approval_id"]})
        return {"decision": answer if isinstance(answer, dict) else {"status": "invalid"}}

    def publish(self, state: CaseState) -> dict[str, Any]:
        # The answer names the approval that was decided: the one drafted here, or the edited
        # one that superseded it. publish_approved checks it against the store either way.
        approval_id = str(state.get("decision", {}).get("approval_id", ""))
        try:
            ref = publish_approved(self.deps, approval_id, case_id=state["case_id"])
        except PublishRefused as exc:
            return {"published_ref": None, "outcome": f"refused: {exc}"}
        except NeedsReconciliation as exc:
            return {"published_ref": None, "outcome": f"needs_reconciliation: {exc}"}
        return {"published_ref": ref, "outcome": "published"}

    def record(self, state: CaseState) -> dict[str, Any]:
        outcome = state.get("outcome") or "rejected"
        if outcome == "published":
            status = CaseStatus.PUBLISHED
        elif outcome == "rejected":
            status = CaseStatus.REJECTED
        elif outcome.startswith("needs_reconciliation"):
            status = CaseStatus.NEEDS_RECONCILIATION
        else:
            status = CaseStatus.REFUSED
        steps.record_outcome(self.deps, state["case_id"], status, outcome)
        return {"outcome": outcome}


def after_gate(state: CaseState) -> Literal["publish", "record"]:
    """Only an answer that says approved goes on to publish (which checks the store again)."""
    decision = state.get("decision") or {}
    return "publish" if decision.get("status") == ApprovalStatus.APPROVED else "record"


def thread_id_for(case_id: int) -> str:
    return f"case-{case_id}"
