"""AI findings end to end: framework ids on the finding, linked and explained in the ticket."""

from __future__ import annotations

import json

from tests.conftest import Cli
from tests.support.formats import DEFECTDOJO


def test_a_garak_finding_carries_owasp_and_atlas_ids_into_its_ticket(cli: Cli) -> None:
    report = DEFECTDOJO / "garak" / "many_hits.jsonl"
    assert cli("ingest", str(report), "--repository", "acme/chatbot").code == 0
    shown = json.loads(cli("findings", "show", "1", "--json").stdout)
    assert shown["kind"] == "llm"
    assert "LLM01:2025" in shown["details"]["frameworks"]
    assert any(f.startswith("AML.T") for f in shown["details"]["frameworks"])

    atlas = json.loads(cli("findings", "list", "--framework", "atlas", "--json").stdout)
    everything = json.loads(cli("findings", "list", "--json").stdout)
    assert atlas and len(atlas) <= len(everything)

    triaged = cli("triage", "--json")
    assert triaged.code == 0, triaged.stderr
    approval = json.loads(triaged.stdout)["pending_approvals"][0]
    ticket = cli("approvals", "show", approval).stdout
    assert "## Frameworks" in ticket
    assert "https://genai.owasp.org/llmrisk/llm012025-prompt-injection/" in ticket
    assert "https://atlas.mitre.org/techniques/AML.T" in ticket
    remediation = ticket.split("## Remediation", 1)[1]
    assert "CWE" not in remediation  # the AI class's guidance, not the generic CWE text
