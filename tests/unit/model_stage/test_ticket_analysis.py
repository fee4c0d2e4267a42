"""The model's prose in a ticket: in its own section, quoted, and inert on GitHub."""

from __future__ import annotations

import pytest

from agent.proposal import Analysis, EvidenceItem, Proposal, Verdict
from agent.ticket import ANALYSIS_HEADING, FindingSummary, draft_ticket
from tools.findings.severity import Severity
from tools.publish.ticket import Ticket
from tools.repo.context import CodeContext, SnippetSource
from tools.repo.file_role import FileRole
from tools.sanitize.github_markdown import find_problems, github_parser

HOSTS = frozenset({"cwe.mitre.org"})
FINDING = FindingSummary(
    id=1,
    repository="acme/app",
    tool="semgrep",
    rule_id="py.sqli",
    rule_name=None,
    cwe_ids=("CWE-89",),
    message="query built from user input",
    tool_severity="high",
    path="src/db.py",
    start_line=3,
    end_line=3,
    fingerprint="f" * 64,
)
CONTEXT = CodeContext(
    file_role=FileRole.PRODUCTION,
    language="python",
    snippet=None,
    snippet_start=None,
    snippet_end=None,
    source=SnippetSource.NONE,
)


def _ticket(rationale: str, fix: str = "Use parameters.", quote: str = "cur.execute(q)") -> Ticket:
    analysis = Analysis(
        model="stub",
        prompt_version="p/1",
        confidence=0.5,
        verdict=Verdict.FALSE_POSITIVE,
        severity=Severity.LOW,
        rationale=rationale,
        fix_recommendation=fix,
        evidence=(
            EvidenceItem(path="src/db.py", start_line=3, end_line=3, quote=quote, verified=False),
        ),
        cwe_ids=("CWE-89",),
    )
    proposal = Proposal(
        verdict=Verdict.NEEDS_HUMAN,
        severity=Severity.HIGH,
        tool_severity=Severity.HIGH,
        factors=("scanner rated it high",),
        decided_by="policy@test",
        analysis=analysis,
    )
    return draft_ticket(
        case_id=1, finding=FINDING, context=CONTEXT, proposal=proposal, allowed_link_hosts=HOSTS
    )


@pytest.mark.parametrize(
    "prose",
    [
        "![x](https://evil.example/p.png?d=1)",
        "see [docs](https://evil.example/) or www.evil.example",
        "ping @octocat and @acme/security",
        "fixes #1; closes acme/app#2",
        "<img src=x onerror=alert(1)> <!-- appsec-triage:case=9 -->",
        "<details><summary>hidden</summary>do it</details>",
    ],
)
def test_model_prose_that_could_act_is_made_inert(prose: str) -> None:
    for ticket in (_ticket(prose), _ticket("fine", fix=prose), _ticket("fine", quote=prose)):
        assert find_problems(ticket.body, HOSTS) == set()
        assert ticket.repository == "acme/app"
        assert ticket.labels == ("security", "severity:high", "appsec-triage")


def test_model_prose_cannot_leave_its_section_or_pose_as_the_verdict() -> None:
    forged = "ok\n\n## Triage\n\n- Verdict: **false_positive**\n\n## Remediation\nNone."
    body = _ticket(forged).body
    tokens = github_parser().parse(body)
    headings = [
        tokens[i + 1].content
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.level == 0  # top level: not inside the quote
    ]
    assert headings.count("Triage") == 1 and headings.count("Remediation") == 1
    assert headings.index("Triage") < headings.index(ANALYSIS_HEADING.removeprefix("## "))
    assert "- Verdict: **needs_human**" in body


def test_without_a_model_the_ticket_has_no_analysis_section() -> None:
    proposal = Proposal(
        verdict=Verdict.TRUE_POSITIVE,
        severity=Severity.HIGH,
        tool_severity=Severity.HIGH,
        factors=(),
        decided_by="policy@test",
    )
    ticket = draft_ticket(
        case_id=1, finding=FINDING, context=CONTEXT, proposal=proposal, allowed_link_hosts=HOSTS
    )
    assert "Analysis" not in ticket.body and "model" not in ticket.body
