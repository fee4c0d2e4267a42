"""The LangGraph triage workflow, its domain steps, and the command-line interface."""

import os

# Checkpoints hold only JSON-native values; refuse to revive anything else from a checkpoint.
# LangGraph reads this once at import, so it must be set before langgraph is first imported.
os.environ.setdefault("LANGGRAPH_STRICT_MSGPACK", "true")
