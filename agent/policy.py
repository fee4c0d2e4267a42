"""Deterministic triage: verdict and severity from the tool's severity, CWE class and file role.

Pure functions over plain values, so the rubric is testable without a graph or a store.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.proposal import Flag, Proposal, Verdict
from config.rubric import RoleRule, Rubric
from tools.findings.severity import Severity
from tools.repo.file_role import FileRole
from tools.sanitize.injection import looks_like_instructions

# A role the rubric does not mention is treated as needing a human: fail closed.
_UNLISTED_ROLE = RoleRule(shift=0, needs_human=True)


def assess(
    *,
    tool: str,
    rule_id: str,
    cwe_ids: Sequence[str],
    tool_severity: Severity,
    file_role: FileRole,
    rubric: Rubric,
    untrusted_text: str = "",
    known_exploited: Sequence[str] = (),
    live_secret: bool = False,
) -> Proposal:
    """The proposal for one finding under ``rubric``.

    ``untrusted_text`` (scanner message, flagged code) never changes the verdict or severity; it is
    only checked for instruction-like content, which flags the case for the approver.
    """
    factors = [f"scanner rated it {tool_severity.value}"]
    flags: list[Flag] = []
    severity = tool_severity

    floor = _floor(tool, rule_id, cwe_ids, rubric)
    if floor is not None and floor.rank > severity.rank:
        factors.append(f"raised to {floor.value}: {_floor_cwe(cwe_ids, rubric, floor)} floor")
        flags.append(Flag.RAISED)
        severity = floor

    role_rule = rubric.roles.get(file_role.value, _UNLISTED_ROLE)
    if role_rule.shift:
        # A file's role can lower a finding, but never below "low" unless the scanner said so.
        lowest = Severity.LOW if tool_severity.rank >= Severity.LOW.rank else tool_severity
        lowered = severity.shifted(role_rule.shift, floor=lowest)
        if lowered != severity:
            factors.append(f"lowered to {lowered.value}: the file is {file_role.value} code")
            flags.append(Flag.DOWNGRADE)
            severity = lowered
    if file_role not in (FileRole.PRODUCTION, FileRole.UNKNOWN):
        flags.append(Flag.NON_PRODUCTION)

    if known_exploited and severity.rank < Severity.HIGH.rank:
        # A policy floor: applied last, so no file role or scanner rating can undercut it.
        factors.append(f"raised to high: {', '.join(known_exploited)} is exploited in the wild")
        flags.append(Flag.RAISED)
        severity = Severity.HIGH
    if known_exploited:
        flags.append(Flag.KNOWN_EXPLOITED)
    live_in_production = live_secret and file_role in (FileRole.PRODUCTION, FileRole.UNKNOWN)
    if live_in_production and severity.rank < Severity.HIGH.rank:
        # A policy floor like KEV's: a credential the scanner proved live, where code ships.
        factors.append("raised to high: a live (verified) secret in production code")
        flags.append(Flag.RAISED)
        severity = Severity.HIGH

    if looks_like_instructions(untrusted_text):
        flags.append(Flag.INJECTION_SUSPECTED)
        factors.append("the finding's text contains instruction-like content: read it with care")

    if role_rule.needs_human:
        verdict = Verdict.NEEDS_HUMAN
        factors.append(
            f"a human should confirm: findings in {file_role.value} code often do not ship"
        )
    else:
        verdict = Verdict.TRUE_POSITIVE
    return Proposal(
        verdict=verdict,
        severity=severity,
        tool_severity=tool_severity,
        factors=tuple(factors),
        flags=tuple(flags),
        decided_by=f"policy@{rubric.version}",
    )


def severity_floor(
    *,
    tool: str,
    rule_id: str,
    cwe_ids: Sequence[str],
    file_role: FileRole,
    rubric: Rubric,
    known_exploited: Sequence[str] = (),
    live_secret: bool = False,
) -> Severity | None:
    """The lowest severity policy allows for this finding, whoever proposes otherwise.

    The highest of: the CWE floor of the rubric, high for a known-exploited CVE, high for a live
    secret in shipping code. None when no floor applies.
    """
    floors = [floor] if (floor := _floor(tool, rule_id, cwe_ids, rubric)) else []
    if known_exploited:
        floors.append(Severity.HIGH)
    if live_secret and file_role in (FileRole.PRODUCTION, FileRole.UNKNOWN):
        floors.append(Severity.HIGH)
    return Severity.highest(*floors) if floors else None


def _floor(tool: str, rule_id: str, cwe_ids: Sequence[str], rubric: Rubric) -> Severity | None:
    if f"{tool.lower()}:{rule_id}" in rubric.floor_exempt_rules:
        return None
    floors = [Severity(rubric.cwe_floors[cwe]) for cwe in cwe_ids if cwe in rubric.cwe_floors]
    return Severity.highest(*floors) if floors else None


def _floor_cwe(cwe_ids: Sequence[str], rubric: Rubric, floor: Severity) -> str:
    return next(cwe for cwe in cwe_ids if rubric.cwe_floors.get(cwe) == floor.value)
