"""How many distinct approvers an action needs (the approval tiers).

By default one. Two when the proposal would remove or weaken a finding that matters: a
false-positive dismissal, or a severity below the scanner's for a high or critical finding. One
analyst alone, or one persuaded by a crafted finding, must not be able to make a serious issue
disappear.
"""

from __future__ import annotations

_SERIOUS = frozenset({"high", "critical"})
_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def required_approvals(
    *, verdict: str, tool_severity: str, proposed_severity: str, two_person_rule: bool
) -> int:
    if not two_person_rule:
        return 1
    if verdict == "false_positive":
        return 2
    if tool_severity in _SERIOUS and _RANK[proposed_severity] < _RANK[tool_severity]:
        return 2
    return 1
