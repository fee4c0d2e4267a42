"""A ticket says why the last change is unknown: no git history, or code read over GitHub."""

from __future__ import annotations

import pytest

from agent.proposal import Proposal, Verdict
from agent.ticket import FindingSummary, draft_ticket
from tools.findings.severity import Severity
from tools.repo.context import CodeContext, SnippetSource
from tools.repo.file_role import FileRole

FINDING = FindingSummary(
    id=1,
    repository="acme/app",
    tool="GitHub code scanning",
    rule_id="py/sql-injection",
    rule_name=None,
    cwe_ids=("CWE-89",),
    message="query built from user input",
    tool_severity="high",
    path="src/db.py",
    start_line=3,
    end_line=3,
    fingerprint="f" * 64,
)
PROPOSAL = Proposal(
    verdict=Verdict.TRUE_POSITIVE,
    severity=Severity.HIGH,
    tool_severity=Severity.HIGH,
    factors=("scanner rated it high",),
    decided_by="policy@test",
)


@pytest.mark.parametrize(
    ("read_from", "last_change"),
    [
        (
            "github:acme/app@" + "a" * 40,
            "unknown (the code was read over the GitHub API; blame needs a checkout)",
        ),
        ("local:/srv/app", "unknown (no git history)"),
        (None, "unknown (no git history)"),
    ],
)
def test_the_last_change_line_names_the_reason(read_from: str | None, last_change: str) -> None:
    context = CodeContext(
        file_role=FileRole.PRODUCTION,
        language="python",
        snippet="cur.execute(q)",
        snippet_start=3,
        snippet_end=3,
        source=SnippetSource.REPOSITORY,
        read_from=read_from,
    )
    ticket = draft_ticket(
        case_id=7,
        finding=FINDING,
        context=context,
        proposal=PROPOSAL,
        allowed_link_hosts=frozenset({"cwe.mitre.org"}),
    )
    assert f"| Last change | {last_change} |" in ticket.body
