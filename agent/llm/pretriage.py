"""Which cases go to the model at all, decided by code before any model is called.

The model is slow, costs money and reads attacker-controlled text, so it is asked only where it
can add information policy does not already have: a code finding with readable code that policy
has not already sent to a human. Everything else keeps the deterministic proposal, with the reason
recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.proposal import Flag, Proposal, Verdict
from agent.ticket import FindingSummary
from tools.findings.finding import FindingKind
from tools.repo.context import CodeContext, SnippetSource

# SCA findings have a manifest and imports to read (is the package used, and where).
_CODE_KINDS = frozenset({FindingKind.SAST, FindingKind.IAC, FindingKind.SCA})


@dataclass(frozen=True)
class Pretriage:
    use_model: bool
    reason: str
    """Why, in plain words (recorded in the audit trail)."""


def pretriage(
    finding: FindingSummary,
    context: CodeContext,
    proposal: Proposal,
    *,
    on_secret_lines: bool = False,
) -> Pretriage:
    """Whether the model should read this case, and why (pure: same inputs, same answer).

    ``on_secret_lines``: the flagged lines are where another scanner found a secret (a hard-coded
    password rule firing on a leaked key, say); its message may quote it, so no model sees it.
    """
    if finding.kind == FindingKind.SECRET:
        return Pretriage(
            False, "a leaked secret: policy decides, and its code never goes to a model"
        )
    if on_secret_lines:
        return Pretriage(
            False, "the flagged lines hold a secret a scanner found: no model reads them"
        )
    if Flag.KNOWN_EXPLOITED in proposal.flags:
        return Pretriage(False, "a known-exploited CVE: the policy floor decides")
    if finding.kind not in _CODE_KINDS:
        return Pretriage(False, f"a {finding.kind} finding: no code for a model to read")
    if proposal.verdict == Verdict.NEEDS_HUMAN:
        return Pretriage(False, "policy already sends it to a human")
    if context.source != SnippetSource.REPOSITORY or not context.snippet or not finding.path:
        return Pretriage(False, "no code context from the repository")
    return Pretriage(True, "code finding with repository context")
