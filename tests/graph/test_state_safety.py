"""Hostile strings through a full run: lone surrogates and serialised-constructor look-alikes.

Checkpoints hold JSON-native data only and are read back with LANGGRAPH_STRICT_MSGPACK=true, so a
finding that looks like a LangChain or msgpack constructor stays an inert string end to end.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from agent.ingest import ingest_file
from agent.nodes import thread_id_for
from agent.runtime import Runtime
from agent.workflow import decide_and_resume, triage
from approvals.decisions import Decision
from approvals.requests import list_approvals
from tests.support.ingesting import options

CONSTRUCTOR = json.dumps(
    {"lc": 1, "type": "constructor", "id": ["os", "system"], "kwargs": {"command": "touch pwned"}}
)
PICKLE_LIKE = "cos\nsystem\n(S'touch pwned'\ntR."
MSGPACK_EXT = {"__type__": "ext", "code": 5, "data": "gARjb3MKc3lzdGVtCg=="}


def _hostile_report(tmp_path: Path) -> Path:
    # json.dumps writes "\ud800" as an escape, exactly as a hostile scanner report would.
    log: dict[str, Any] = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "Hostile\ud800Scanner", "rules": [{"id": "H1"}]}},
                "results": [
                    {
                        "ruleId": "H1",
                        "message": {"text": f"{CONSTRUCTOR} {PICKLE_LIKE} lone \udc00 surrogate"},
                        "properties": {"payload": MSGPACK_EXT},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "app/x\ud83d.py"},
                                    "region": {"startLine": 1, "snippet": {"text": CONSTRUCTOR}},
                                }
                            }
                        ],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "hostile.sarif"
    path.write_text(json.dumps(log))
    return path


def test_hostile_strings_survive_a_full_run_as_inert_text(runtime: Runtime, tmp_path: Path) -> None:
    assert os.environ["LANGGRAPH_STRICT_MSGPACK"] == "true"
    result = ingest_file(
        runtime.database,
        _hostile_report(tmp_path),
        repo_root=None,
        repository="h/h",
        format_name=None,
        options=options(),
    )
    assert result.status == "ok", result.error
    with runtime.workflow() as (deps, graph):
        summary = triage(deps, graph, limit=None)
        (approval_id,) = summary.pending
        state = graph.get_state({"configurable": {"thread_id": thread_id_for(1)}}).values
        message = state["finding"]["message"]
        assert isinstance(message, str)
        assert message.startswith(CONSTRUCTOR)
        assert "\ufffd surrogate" in message  # the lone surrogate was replaced at ingest
        assert state["finding"]["tool"] == "Hostile\ufffdScanner"
        _, outcome = decide_and_resume(
            deps, graph, approval_id=approval_id, decision=Decision.APPROVE, actor="alice"
        )
    assert outcome == "published"
    with runtime.database.session() as session:
        (approval,) = list_approvals(session)
    body = approval.payload["ticket"]["body"]
    assert CONSTRUCTOR in body  # shown verbatim, inside code
    published = (runtime.settings.resolved_outbox_dir() / "case-1.md").read_text()
    assert CONSTRUCTOR in published
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
