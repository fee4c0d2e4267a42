"""Pre-triage: which cases the model reads, decided by code, with a reason for each."""

from __future__ import annotations

import pytest

from agent.llm.pretriage import pretriage
from agent.proposal import Flag, Proposal, Verdict
from agent.ticket import FindingSummary
from tools.findings.severity import Severity
from tools.repo.context import CodeContext, SnippetSource
from tools.repo.file_role import FileRole


def _finding(kind: str = "sast", path: str | None = "app/db.py") -> FindingSummary:
    return FindingSummary(
        id=1,
        repository="o/r",
        tool="semgrep",
        rule_id="r",
        rule_name=None,
        cwe_ids=(),
        message="m",
        tool_severity="medium",
        path=path,
        start_line=3,
        end_line=3,
        fingerprint="f",
        kind=kind,
    )


def _context(source: SnippetSource = SnippetSource.REPOSITORY) -> CodeContext:
    snippet = "x = 1" if source != SnippetSource.NONE else None
    return CodeContext(
        file_role=FileRole.PRODUCTION,
        language="python",
        snippet=snippet,
        snippet_start=1 if snippet else None,
        snippet_end=1 if snippet else None,
        source=source,
    )


def _proposal(verdict: Verdict = Verdict.TRUE_POSITIVE, flags: tuple[Flag, ...] = ()) -> Proposal:
    return Proposal(
        verdict=verdict,
        severity=Severity.MEDIUM,
        tool_severity=Severity.MEDIUM,
        factors=(),
        flags=flags,
        decided_by="policy@t",
    )


@pytest.mark.parametrize(
    ("finding", "context", "proposal", "use", "reason"),
    [
        (_finding(), _context(), _proposal(), True, "code finding with repository context"),
        (_finding("sca"), _context(), _proposal(), True, "code finding with repository context"),
        (_finding("secret"), _context(), _proposal(), False, "a leaked secret"),
        (_finding(), _context(), _proposal(flags=(Flag.KNOWN_EXPLOITED,)), False, "a known-exp"),
        (_finding("dast"), _context(), _proposal(), False, "a dast finding"),
        (_finding("llm"), _context(), _proposal(), False, "a llm finding"),
        (_finding(), _context(), _proposal(Verdict.NEEDS_HUMAN), False, "policy already"),
        (_finding(), _context(SnippetSource.REPORT), _proposal(), False, "no code context"),
        (_finding(), _context(SnippetSource.NONE), _proposal(), False, "no code context"),
        (_finding(path=None), _context(), _proposal(), False, "no code context"),
    ],
)
def test_each_rule_decides_and_says_why(
    finding: FindingSummary, context: CodeContext, proposal: Proposal, use: bool, reason: str
) -> None:
    decision = pretriage(finding, context, proposal)
    assert decision.use_model is use
    assert decision.reason.startswith(reason)


def test_a_finding_on_a_secrets_lines_never_goes_to_the_model() -> None:
    decision = pretriage(_finding(), _context(), _proposal(), on_secret_lines=True)
    assert not decision.use_model
    assert decision.reason.startswith("the flagged lines hold a secret")
