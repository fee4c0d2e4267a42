"""The per-case workflow: enrich → assess → [consult] → draft → gate → publish → record.

``consult`` (the model) runs only when a model is configured and pre-triage sends the case to it;
otherwise assess goes straight to draft, exactly as the deterministic path always has.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import RetryPolicy

from agent.deps import WorkflowDeps
from agent.nodes import Nodes, after_gate
from agent.state import CaseState

# The default retry predicate retries almost anything; the write step retries only failures that
# happened before anything could have been sent, and publish_approved reconciles before writing.
_PUBLISH_RETRY = RetryPolicy(max_attempts=3, retry_on=(ConnectionRefusedError,))


def build_graph(
    deps: WorkflowDeps, checkpointer: BaseCheckpointSaver[Any]
) -> CompiledStateGraph[CaseState, None, CaseState, CaseState]:
    nodes = Nodes(deps)
    builder = StateGraph(CaseState)
    builder.add_node("enrich", nodes.enrich)
    builder.add_node("assess", nodes.assess)
    builder.add_node("consult", nodes.consult)
    builder.add_node("draft", nodes.draft)
    builder.add_node("gate", nodes.gate)
    builder.add_node("publish", nodes.publish, retry_policy=_PUBLISH_RETRY)
    builder.add_node("record", nodes.record)
    builder.add_edge(START, "enrich")
    builder.add_edge("enrich", "assess")
    builder.add_conditional_edges("assess", nodes.after_assess, ["consult", "draft"])
    builder.add_edge("consult", "draft")
    builder.add_edge("draft", "gate")
    builder.add_conditional_edges("gate", after_gate, ["publish", "record"])
    builder.add_edge("publish", "record")
    builder.add_edge("record", END)
    return builder.compile(checkpointer=checkpointer)
