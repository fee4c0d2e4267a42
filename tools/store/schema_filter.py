"""Which tables Alembic manages: ours, never LangGraph's checkpoint tables in the same database."""

from __future__ import annotations

from typing import Any

# LangGraph's checkpointers create and migrate these themselves (``saver.setup()``).
LANGGRAPH_TABLES = frozenset(
    {"checkpoints", "checkpoint_blobs", "checkpoint_writes", "checkpoint_migrations", "writes"}
)


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """Alembic ``include_name`` hook: skip LangGraph's tables so autogenerate never drops them."""
    return not (type_ == "table" and name in LANGGRAPH_TABLES)
