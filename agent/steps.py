"""The domain work behind each workflow node. Nodes stay thin; this is where the rules live."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session, select

from agent import cases
from agent.ai_rules import apply_ai_rules
from agent.deps import WorkflowDeps
from agent.llm.pretriage import pretriage
from agent.llm.withheld import (
    SecretSpan,
    WithheldReader,
    WithheldSource,
    path_key,
    spans_by_path,
)
from agent.policy import assess
from agent.proposal import Flag, Proposal
from agent.publishing import ACTION_CREATE_ISSUE
from agent.risk import ReportedCvss, decide_risk
from agent.ticket import FindingSummary, draft_ticket
from approvals.policy import required_approvals
from approvals.requests import request_approval
from config.ai_applications import AiApplication
from config.business import BusinessContext
from tools.findings.cve import cve_ids_in
from tools.findings.finding import FindingKind
from tools.findings.severity import Severity
from tools.publish.payload import content_hash
from tools.repo.context import CodeContext, build_code_context
from tools.repo.dependencies import dependency_context
from tools.repo.location import (
    GithubCommit,
    LocalCheckout,
    RepoLocation,
    local_checkout,
    parse_location,
)
from tools.repo.model_loads import model_load_context
from tools.repo.source import RepoSource
from tools.store.audit import append_event
from tools.store.tables import CaseStatus, FindingRow, ProposalRow


def enrich(deps: WorkflowDeps, case_id: int) -> tuple[FindingSummary, CodeContext]:
    """The case's finding and its code context."""
    with deps.database.session() as session:
        finding = cases.finding_of(session, case_id)
    return finding, code_context(deps, finding.id)


def code_context(deps: WorkflowDeps, finding_id: int) -> CodeContext:
    """A finding's code context, read from the repository when we know where it is."""
    with deps.database.session() as session:
        row = session.get(FindingRow, finding_id)
        if row is None:
            raise cases.CaseNotFound(f"no finding {finding_id}")
        # Lines where a scanner found a secret stay out of every other finding's snippet. A
        # secret finding's own code is withheld by build_code_context; its scope is read whole.
        secrets = (
            {}
            if row.kind == FindingKind.SECRET
            else spans_by_path(secret_spans(session, row.repository))
        )
    location, why_not = _location(row)
    if isinstance(location, GithubCommit):
        if deps.github_source is None:
            why_not = (
                f"the code is on GitHub ({location.repository} at {location.commit[:12]}), but no "
                "GitHub token is configured (APPSEC_TRIAGE_GITHUB_TOKEN) to read it"
            )
        else:
            with deps.github_source(location.repository, location.commit) as source:
                view = WithheldSource(source, secrets=secrets) if secrets else source
                return _context_of(deps, row, view, why_not, location.descriptor)
    reader = None
    if isinstance(location, LocalCheckout):
        if Path(location.root).is_dir():
            reader = WithheldReader(
                Path(location.root), max_file_bytes=deps.max_file_bytes, secrets=secrets
            )
        else:
            why_not = f"the checkout given at ingest ({location.root}) is no longer there"
    read_from = location.descriptor if reader is not None and location is not None else None
    context = _context_of(deps, row, reader, why_not, read_from)
    details = row.details or {}
    if reader is not None and row.kind == FindingKind.MODEL_ARTIFACT and row.path:
        # Whether non-test code loads the model file decides how bad its unsafe operator is.
        return context.model_copy(update={"model_load": model_load_context(reader, row.path)})
    if reader is None or row.kind != FindingKind.SCA or not details.get("package"):
        return context
    dependency = dependency_context(
        reader,
        ecosystem=details.get("ecosystem"),
        package=str(details["package"]),
        manifest_path=row.path,
    )
    return context.model_copy(update={"dependency": dependency})


@contextmanager
def open_source(deps: WorkflowDeps, finding_id: int) -> Iterator[RepoSource | None]:
    """The finding's repository for the model's tools, with secret lines withheld; None when
    there is none to read."""
    with deps.database.session() as session:
        row = session.get(FindingRow, finding_id)
        if row is None:
            raise cases.CaseNotFound(f"no finding {finding_id}")
        secrets = spans_by_path(secret_spans(session, row.repository))
    location, _why_not = _location(row)
    if isinstance(location, GithubCommit):
        if deps.github_source is None:
            yield None
            return
        with deps.github_source(location.repository, location.commit) as github:
            yield WithheldSource(github, secrets=secrets)
        return
    if isinstance(location, LocalCheckout) and Path(location.root).is_dir():
        yield WithheldReader(
            Path(location.root), max_file_bytes=deps.max_file_bytes, secrets=secrets
        )
        return
    yield None


def on_secret_lines(deps: WorkflowDeps, finding: FindingSummary) -> bool:
    """Whether the finding's lines overlap lines where a scanner found a secret."""
    if finding.kind == FindingKind.SECRET or not finding.path:
        return False
    with deps.database.session() as session:
        spans = spans_by_path(secret_spans(session, finding.repository))
    start = finding.start_line or 1
    end = max(finding.end_line or start, start)
    for span in spans.get(path_key(finding.path), ()):
        if span.start_line is None or finding.start_line is None:
            return True  # no lines on one side: the whole file counts
        if span.start_line <= end and start <= (span.end_line or span.start_line):
            return True
    return False


def secret_spans(session: Session, repository: str) -> list[SecretSpan]:
    """Where scanners found secrets in ``repository``: lines the model must never read."""
    rows = session.exec(
        select(FindingRow).where(
            FindingRow.repository == repository, FindingRow.kind == FindingKind.SECRET
        )
    ).all()
    return [SecretSpan(r.path, r.start_line, r.end_line) for r in rows if r.path]


def _location(row: FindingRow) -> tuple[RepoLocation | None, str]:
    """Where the finding's code is (the stored descriptor; a bare repo_root from older rows)."""
    try:
        if row.repo_source:
            return parse_location(row.repo_source), ""
        if row.repo_root:
            return local_checkout(row.repo_root), ""
    except ValueError as exc:
        return None, f"unusable repository location: {exc}"
    return None, "no repository root was given at ingest"


def _context_of(
    deps: WorkflowDeps,
    row: FindingRow,
    reader: RepoSource | None,
    why_not: str,
    read_from: str | None,
) -> CodeContext:
    return build_code_context(
        path=row.path,
        start_line=row.start_line,
        end_line=row.end_line,
        report_snippet=row.snippet,
        reader=reader,
        context_lines=deps.snippet_context_lines,
        max_lines=deps.max_snippet_lines,
        holds_secret=row.kind == FindingKind.SECRET,
        no_reader=why_not,
        read_from=read_from,
    )


def cves_of(finding: FindingSummary) -> list[str]:
    """The CVEs a finding names, in its structured fields or its rule and message."""
    return list(dict.fromkeys([*finding.cve_ids, *cve_ids_in(finding.rule_id, finding.message)]))


def known_exploited(deps: WorkflowDeps, finding: FindingSummary) -> list[str]:
    """The finding's CVEs that the KEV catalog lists."""
    return [cve for cve in cves_of(finding) if deps.kev and deps.kev.lookup(cve)]


def propose(deps: WorkflowDeps, finding: FindingSummary, context: CodeContext) -> Proposal:
    cves = cves_of(finding)
    exploited = known_exploited(deps, finding)
    proposal = assess(
        tool=finding.tool,
        rule_id=finding.rule_id,
        cwe_ids=finding.cwe_ids,
        tool_severity=Severity(finding.tool_severity),
        file_role=context.file_role,
        rubric=deps.rubric,
        untrusted_text=f"{finding.message}\n{context.snippet or ''}{_ai_excerpts(finding)}",
        known_exploited=exploited,
        live_secret=finding.kind == FindingKind.SECRET and finding.secret_verified is True,
    )
    # AI findings: success rate, the application's capabilities, whether a model file is loaded.
    proposal = apply_ai_rules(
        proposal,
        kind=finding.kind,
        details=finding.ai_details,
        application=_ai_application(deps, finding),
        file_role=context.file_role,
        loaded_in_production=context.model_load.loaded_in_production
        if context.model_load
        else None,
        load_note=context.model_load.note if context.model_load else None,
    )
    if deps.kev is None or deps.risk_rubric is None:
        return proposal
    business = deps.business or BusinessContext()
    risk = decide_risk(
        cve_ids=cves,
        cwe_ids=finding.cwe_ids,
        severity=proposal.severity,
        file_role=context.file_role,
        business=business.facts_for(finding.repository, finding.path),
        kev=deps.kev,
        rubric=deps.risk_rubric,
        today=deps.clock().date(),
        advisory_ids=finding.advisory_ids,
        reported_cvss=ReportedCvss(
            score=finding.cvss_score, vector=finding.cvss_vector, tool=finding.tool
        ),
        epss=deps.epss,
        advisories=deps.advisory_cvss,
    )
    return proposal.model_copy(update={"risk": risk})


def _ai_application(deps: WorkflowDeps, finding: FindingSummary) -> AiApplication | None:
    """The configured application a red-team finding attacked, by repository and target."""
    if deps.ai_applications is None or finding.kind != FindingKind.LLM:
        return None
    target = (finding.ai_details or {}).get("target")
    return deps.ai_applications.for_finding(
        finding.repository, target if isinstance(target, str) else None
    )


def _ai_excerpts(finding: FindingSummary) -> str:
    """An AI finding's attack prompt and response excerpts: untrusted text to screen too."""
    details = finding.ai_details or {}
    parts = [details.get("prompt_excerpt"), details.get("response_excerpt")]
    return "".join(f"\n{part}" for part in parts if isinstance(part, str))


def request_ticket_approval(
    deps: WorkflowDeps,
    *,
    case_id: int,
    thread_id: str,
    finding: FindingSummary,
    context: CodeContext,
    proposal: Proposal,
) -> str:
    """Draft the ticket and open (once) the approval that covers exactly it; returns its id."""
    with deps.database.session() as session:
        also = tuple(cases.other_findings_of(session, case_id))
    ticket = draft_ticket(
        case_id=case_id,
        finding=finding,
        context=context,
        proposal=proposal,
        allowed_link_hosts=deps.allowed_link_hosts,
        also=also,
    )
    now = deps.clock()
    with deps.database.session() as session:
        approval, created = request_approval(
            session,
            case_id=case_id,
            thread_id=thread_id,
            action=ACTION_CREATE_ISSUE,
            payload={"ticket": ticket.model_dump(mode="json")},
            now=now,
            ttl=deps.approval_ttl,
            required=required_approvals(
                verdict=proposal.verdict,
                tool_severity=proposal.tool_severity,
                proposed_severity=proposal.severity,
                two_person_rule=deps.two_person_rule,
            ),
        )
        if created:
            session.add(
                ProposalRow(
                    case_id=case_id,
                    verdict=proposal.verdict,
                    severity=proposal.severity,
                    tool_severity=proposal.tool_severity,
                    rationale="; ".join(proposal.factors),
                    flags=[flag.value for flag in proposal.flags],
                    decided_by=proposal.decided_by,
                    priority=proposal.risk.priority if proposal.risk else None,
                    sla_due=proposal.risk.sla_due if proposal.risk else None,
                    risk=proposal.risk.model_dump(mode="json") if proposal.risk else None,
                    created_at=now,
                )
            )
            cases.set_status(session, case_id, CaseStatus.AWAITING_APPROVAL, now)
            append_event(
                session,
                event="approval.requested",
                actor=proposal.decided_by,
                now=now,
                case_id=case_id,
                approval_id=approval.id,
                detail={
                    "finding": finding.fingerprint,
                    # The case's other findings (same root cause), when it has any.
                    **({"also": [other.fingerprint for other in also]} if also else {}),
                    "rule": finding.rule_id,
                    "verdict": proposal.verdict,
                    "severity": proposal.severity,
                    "proposal_hash": content_hash(_hashed(proposal)),
                    "proposed_by": proposal.decided_by,
                    **_model_fields(deps, finding, context, proposal),
                    "content_hash": approval.content_hash,
                },
            )
        return approval.id


def _hashed(proposal: Proposal) -> dict[str, object]:
    # Without a model the hash covers exactly what it always did.
    exclude = {"analysis"} if proposal.analysis is None else None
    return proposal.model_dump(mode="json", exclude=exclude)


def _model_fields(
    deps: WorkflowDeps, finding: FindingSummary, context: CodeContext, proposal: Proposal
) -> dict[str, object]:
    """The audit record's model fields: which model and prompt read the case, or why none did."""
    stage = deps.model_stage
    if stage is None:
        return {"model": None, "prompt_version": None}  # the deterministic path
    decision = pretriage(finding, context, proposal, on_secret_lines=on_secret_lines(deps, finding))
    if proposal.analysis is not None:
        return {
            "model": proposal.analysis.model,
            "prompt_version": proposal.analysis.prompt_version,
            "model_cache_hit": proposal.analysis.cache_hit,
        }
    if decision.use_model or Flag.MODEL_UNAVAILABLE in proposal.flags:
        # Consulted, but no usable answer (the merge kept the policy proposal).
        return {"model": stage.model_name, "prompt_version": stage.prompt_version}
    return {"model": None, "prompt_version": None, "model_skipped": decision.reason}


def record_outcome(deps: WorkflowDeps, case_id: int, status: CaseStatus, detail: str) -> None:
    now = deps.clock()
    with deps.database.session() as session:
        case = cases.get_case(session, case_id)
        if case.status == status:
            return  # a re-run of this step after a crash: already recorded
        cases.set_status(session, case_id, status, now)
        append_event(
            session,
            event=f"case.{status.value}",
            actor="appsec-triage",
            now=now,
            case_id=case_id,
            detail={"detail": detail},
        )
