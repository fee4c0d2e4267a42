"""The ticket for a case, built by code from the finding, its context and the proposal.

Untrusted text (scanner message, code, paths) only enters through the Markdown escapers; links are
built here from validated ids, never taken from the finding.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from agent.proposal import Proposal
from config.ai_frameworks import default_ai_frameworks, framework_link
from tools.publish.markdown import code_block, inline_code
from tools.publish.ticket import Ticket
from tools.repo.context import CodeContext
from tools.sanitize.github_markdown import sanitise_github_markdown
from tools.sanitize.invisible import without_invisible


class FindingSummary(BaseModel):
    """The finding facts the workflow carries in its state (JSON-native)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    repository: str
    tool: str
    rule_id: str
    rule_name: str | None
    cwe_ids: tuple[str, ...]
    message: str
    tool_severity: str
    path: str | None
    start_line: int | None
    end_line: int | None
    fingerprint: str
    kind: str = "sast"
    cve_ids: tuple[str, ...] = ()
    """CVEs an SCA finding's advisory names (from the report's structured fields)."""
    secret_verified: bool | None = None
    """For a leaked secret: whether the scanner confirmed it is live."""
    ai_details: dict[str, Any] | None = None
    """For an ``llm`` or ``model_artifact`` finding: its stored details (rates, frameworks)."""
    advisory_ids: tuple[str, ...] = ()
    """Every advisory id an SCA finding's report names (CVE, GHSA, PYSEC…): keys into intel."""
    cvss_score: float | None = None
    cvss_vector: str | None = None
    """The CVSS the report gave, if any (SCA findings)."""


def draft_ticket(
    *,
    case_id: int,
    finding: FindingSummary,
    context: CodeContext,
    proposal: Proposal,
    allowed_link_hosts: frozenset[str],
    also: tuple[FindingSummary, ...] = (),
) -> Ticket:
    """The exact ticket an analyst approves and the publisher writes.

    Untrusted text only ever enters as code; the finished body is then sanitised for GitHub, so
    even a bug in this function cannot ship an image, a foreign link or a mention.
    """
    where = _location(finding)
    rule = f"{finding.rule_id} {finding.rule_name}" if finding.rule_name else finding.rule_id
    more = f" (+{len(also)} more)" if also else ""
    title = without_invisible(f"[{proposal.severity.value}] {rule} in {where}{more}")
    title = " ".join(title.split())[:256]
    lines = [
        "## Finding",
        "",
        "| | |",
        "|---|---|",
        f"| Case | {case_id} |",
        f"| Scanner | {inline_code(finding.tool, max_length=200)} |",
        f"| Rule | {inline_code(finding.rule_id, max_length=200)} |",
        f"| Location | {inline_code(where)} |",
        f"| File role | {context.file_role.value} |",
        f"| Function | {_enclosing(context)} |",
        f"| Owners | {' '.join(inline_code(o) for o in context.owners) or 'no CODEOWNERS match'} |",
        f"| Last change | {_last_change(context)} |",
        f"| Weakness | {', '.join(_cwe_link(cwe) for cwe in finding.cwe_ids) or 'not given'} |",
        f"| Fingerprint | `{finding.fingerprint}` |",
        "",
        *_also_section(also),
        "### Scanner message",
        "",
        code_block(finding.message[:4000]),
        "",
    ]
    if context.snippet:
        span = (
            f"lines {context.snippet_start}-{context.snippet_end}, from the {context.source.value}"
        )
        lines += [
            "### Code",
            "",
            f"{span}:",
            "",
            code_block(context.snippet, language=context.language),
            "",
        ]
    lines += [
        "## Triage",
        "",
        f"- Verdict: **{proposal.verdict.value}**",
        f"- Severity: **{proposal.severity.value}** (scanner: {proposal.tool_severity.value})",
        *(f"- {factor}" for factor in proposal.factors),
        f"- Decided by: {proposal.decided_by}, approved by a human before filing",
        "",
        *_analysis_section(proposal, allowed_link_hosts),
        *_risk_section(proposal),
        *_ai_section(finding),
        "## Remediation",
        "",
        _ai_remediation(finding) or _remediation(finding.cwe_ids),
    ]
    labels = ("security", f"severity:{proposal.severity.value}", "appsec-triage")
    body = sanitise_github_markdown("\n".join(lines), allowed_link_hosts).text
    return Ticket(repository=finding.repository, title=title, body=body, labels=labels)


def _ai_frameworks(finding: FindingSummary) -> tuple[str, ...]:
    frameworks = (finding.ai_details or {}).get("frameworks") or ()
    return tuple(str(f) for f in frameworks)


def _ai_section(finding: FindingSummary) -> list[str]:
    """OWASP LLM Top 10 and MITRE ATLAS ids, each linked by code from its validated id."""
    frameworks = _ai_frameworks(finding)
    if not frameworks:
        return []
    titles = default_ai_frameworks().titles
    lines = ["## Frameworks", ""]
    for framework_id in frameworks:
        title = titles.get(framework_id)
        link = framework_link(framework_id, title)
        label = f"{framework_id} {title}" if title else framework_id
        lines.append(f"- [{label}]({link})" if link else f"- {label}")
    return [*lines, ""]


def _ai_remediation(finding: FindingSummary) -> str | None:
    ai_class = default_ai_frameworks().for_frameworks(_ai_frameworks(finding))
    return ai_class.remediation if ai_class else None


def _also_section(also: tuple[FindingSummary, ...]) -> list[str]:
    """The case's other findings: same rule on the same code, or the same advisory and package."""
    if not also:
        return []
    lines = [f"### Same root cause, {len(also)} more location(s)", ""]
    lines += [
        f"- {inline_code(_location(other))} (fingerprint {inline_code(other.fingerprint[:16])})"
        for other in also
    ]
    return [*lines, ""]


ANALYSIS_HEADING = "## Analysis (model-written, reviewed by a human before filing)"


def _analysis_section(proposal: Proposal, allowed_link_hosts: frozenset[str]) -> list[str]:
    """The model's reading, fenced off from what code decided, and inert on GitHub.

    Its prose is quoted line by line under its own heading, so nothing it writes can end the
    section or pass for part of the code-built ticket, and the section is sanitised on its own
    (a second time with the whole body): a block with an image, a foreign link, a mention, a
    closing keyword or HTML becomes a code block.
    """
    analysis = proposal.analysis
    if analysis is None:
        return []
    reused = "; reused from an identical earlier case" if analysis.cache_hit else ""
    lines = [
        ANALYSIS_HEADING,
        "",
        f"Written by {inline_code(analysis.model, max_length=200)} (prompt "
        f"{inline_code(analysis.prompt_version, max_length=50)}, confidence "
        f"{analysis.confidence:.2f}{reused}). It is a proposal: code checked its quotes and "
        "policy set the verdict and severity above.",
        "",
        f"- Model's verdict: {analysis.verdict.value}; severity: {analysis.severity.value}",
        f"- Weaknesses it cited: {_cited_cwes(analysis.cwe_ids, analysis.evidence_problems)}",
        "",
        "### Rationale (model-written)",
        "",
        _quoted(analysis.rationale),
        "",
    ]
    if analysis.evidence:
        lines += ["### Evidence (quotes checked against the repository by code)", ""]
        for item in analysis.evidence:
            status = "found at these lines" if item.verified else "NOT found at these lines"
            where = f"{item.path}:{item.start_line}-{item.end_line}"
            lines += [
                f"- {inline_code(where, max_length=400)}: {status}",
                "",
                code_block(item.quote),
                "",
            ]
    if analysis.evidence_problems:
        lines += ["### Evidence problems", ""]
        lines += [
            f"- {inline_code(problem, max_length=300)}" for problem in analysis.evidence_problems
        ]
        lines.append("")
    lines += ["### Suggested fix (model-written)", "", _quoted(analysis.fix_recommendation), ""]
    return [sanitise_github_markdown("\n".join(lines), allowed_link_hosts).text, ""]


def _quoted(prose: str) -> str:
    """Model prose as a block quote: every line prefixed, so it cannot leave the quote."""
    text = without_invisible(prose).replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return "> (nothing written)"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.split("\n"))


def _cited_cwes(cwe_ids: tuple[str, ...], problems: tuple[str, ...]) -> str:
    """Linked only when the id is well-formed and the catalog check did not reject it."""
    shown = []
    for cwe in cwe_ids:
        unknown = any(problem.startswith(f"{cwe} ") for problem in problems)
        number = cwe.removeprefix("CWE-")
        if number.isdigit() and not unknown:
            shown.append(_cwe_link(cwe))
        else:
            shown.append(f"{inline_code(cwe, max_length=20)} (not in the CWE catalog)")
    return ", ".join(shown) or "none"


def _risk_section(proposal: Proposal) -> list[str]:
    risk = proposal.risk
    if risk is None:
        return []
    lines = [
        "## Risk",
        "",
        f"- Priority: **{risk.priority}** ({risk.decision}), fix by **{risk.sla_due}** "
        f"({risk.sla_days} days); rubric {risk.rubric_version}",
    ]
    # Factor values and sources are built by code from config, intel and validated ids.
    lines += [f"- {f.name}: {f.value} — source: {f.source}" for f in risk.factors]
    return [*lines, ""]


def _enclosing(context: CodeContext) -> str:
    return inline_code(context.enclosing) if context.enclosing else "module level or unknown"


def _last_change(context: CodeContext) -> str:
    if not context.last_change_commit:
        if context.read_from and context.read_from.startswith("github:"):
            return "unknown (the code was read over the GitHub API; blame needs a checkout)"
        return "unknown (no git history)"
    return (
        f"{inline_code(context.last_change_commit[:12])} by "
        f"{inline_code(context.last_change_author or '?')} "
        f"on {(context.last_change_date or '?')[:10]}: "
        f"{inline_code(context.last_change_summary or '')}"
    )


def _location(finding: FindingSummary) -> str:
    if not finding.path:
        return "an unspecified location"
    if finding.start_line is None:
        return finding.path
    if finding.end_line and finding.end_line != finding.start_line:
        return f"{finding.path}:{finding.start_line}-{finding.end_line}"
    return f"{finding.path}:{finding.start_line}"


def _cwe_link(cwe: str) -> str:
    number = int(cwe.removeprefix("CWE-"))  # validated CWE-<digits> at ingest
    return f"[CWE-{number}](https://cwe.mitre.org/data/definitions/{number}.html)"


def _remediation(cwe_ids: tuple[str, ...]) -> str:
    if not cwe_ids:
        return "Review the flagged code against the scanner rule's documentation."
    links = ", ".join(_cwe_link(cwe) for cwe in cwe_ids)
    return (
        f"Fix the weakness at its root; the mitigations for {links} list the standard fixes. "
        "Add a regression test that exercises the flagged input."
    )
