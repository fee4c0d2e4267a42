"""The consult step: one case put to the model, its answer checked by code and merged by policy.

Order: the verdict cache (no call when the same rule fired on the same code before) → the model
with the case's read-only tools → evidence checked against the repository → the asymmetric merge
→ usage recorded. The model's answer only ever reaches the proposal through ``merge``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from agent import steps
from agent.deps import WorkflowDeps
from agent.llm.answer import ModelAnswer
from agent.llm.cache import cache_key, cached_answer, new_entry, rebased, remember, slice_hash
from agent.llm.consult import Consultation, ModelUsage, ToolAccess, consult
from agent.llm.evidence import EvidenceCheck, Quote, check_evidence
from agent.llm.merge import Opinion, Reading, merge
from agent.llm.stage import ModelStage
from agent.policy import severity_floor
from agent.proposal import Proposal
from agent.ticket import FindingSummary
from tools.errors import ToolError
from tools.findings.finding import FindingKind
from tools.findings.severity import Severity
from tools.llm.budget import ToolBudget
from tools.llm.fence import Fence
from tools.llm.toolbox import ToolCallRecord, build_toolbox
from tools.repo.context import CodeContext
from tools.repo.reader import Lines
from tools.repo.source import RepoSource
from tools.sanitize.injection import looks_like_instructions
from tools.store.tables import ModelUsageRow

_MAX_MESSAGE_CHARS = 4000


def consult_case(
    deps: WorkflowDeps,
    *,
    case_id: int,
    finding: FindingSummary,
    context: CodeContext,
    proposal: Proposal,
) -> Proposal:
    """The proposal after the model's reading of the case (the policy one if it gave none)."""
    stage = deps.model_stage
    if stage is None:
        return proposal
    rule = f"{finding.tool}:{finding.rule_id}"
    digest = slice_hash(context.snippet or "")
    key = cache_key(
        rule=rule, slice_digest=digest, model=stage.model_name, prompt_version=stage.prompt_version
    )
    with deps.database.session() as session:
        hit = cached_answer(session, key)
        reused = (
            _reuse(hit.answer, hit.path, hit.snippet_start, finding, context)
            if hit is not None
            else None
        )
    with steps.open_source(deps, finding.id) as source:
        if reused is not None:
            outcome = _Outcome(answer=reused, cache_hit=True)
        else:
            outcome = _ask(stage, finding, context, source)
        answer = outcome.answer
        check = (
            check_evidence(
                [Quote(e.path, e.start_line, e.end_line, e.quote) for e in answer.evidence],
                answer.cwe_ids,
                source=source,
                cwes=stage.cwes,
            )
            if answer is not None
            else EvidenceCheck((), ())
        )
    quoted = " ".join(e.quote for e in answer.evidence) if answer is not None else ""
    reading = Reading(
        model=stage.model_name,
        prompt_version=stage.prompt_version,
        opinion=_opinion(answer) if answer is not None else None,
        evidence=check,
        violations=tuple(r.violation for r in outcome.records if r.violation),
        instructions_seen=outcome.instructions_seen or looks_like_instructions(quoted),
        cache_hit=outcome.cache_hit,
    )
    merged = merge(proposal, reading, floor=_floor(deps, finding, context))
    now = deps.clock()
    with deps.database.session() as session:
        session.add(_usage_row(case_id, stage, outcome, now))
        session.commit()
        clean = not reading.violations and not reading.instructions_seen and check.ok
        if answer is not None and not outcome.cache_hit and clean and finding.path:
            remember(
                session,
                new_entry(
                    key=key,
                    rule=rule,
                    slice_digest=digest,
                    model=stage.model_name,
                    prompt_version=stage.prompt_version,
                    answer=answer.model_dump(mode="json"),
                    path=finding.path,
                    snippet_start=context.snippet_start or 1,
                    now=now,
                ),
            )
    return merged


@dataclass(frozen=True)
class _Outcome:
    answer: ModelAnswer | None
    cache_hit: bool = False
    failure: str | None = None
    usage: ModelUsage = field(default_factory=ModelUsage)
    records: tuple[ToolCallRecord, ...] = ()
    instructions_seen: bool = False


def _ask(
    stage: ModelStage, finding: FindingSummary, context: CodeContext, source: RepoSource | None
) -> _Outcome:
    text = finding_text(finding, context, source)
    toolbox = _ScreenedToolbox(
        build_toolbox(
            finding_text=text,
            source=source,
            catalogs=stage.catalogs,
            budget=ToolBudget(
                max_calls=stage.tool_limits.max_calls,
                max_bytes=stage.tool_limits.max_bytes,
                max_seconds=stage.tool_limits.max_seconds,
            ),
            fence=Fence(),
        )
    )
    consultation: Consultation = consult(
        stage.chat_model,
        model_name=stage.model_name,
        finding_text=text,
        toolbox=toolbox,
        limits=stage.limits,
        structured_output=stage.structured_output,
    )
    return _Outcome(
        answer=consultation.answer,
        failure=consultation.failure,
        usage=consultation.usage,
        records=consultation.tool_calls,
        instructions_seen=toolbox.instructions_seen,
    )


class _ScreenedToolbox:
    """The case's toolbox, noting whether any tool output reads like instructions."""

    def __init__(self, inner: ToolAccess) -> None:
        self._inner = inner
        self.instructions_seen = False

    def specs(self) -> list[dict[str, Any]]:
        return self._inner.specs()

    def call(self, name: str, arguments: Mapping[str, Any] | str) -> str:
        output = self._inner.call(name, arguments)
        if looks_like_instructions(output):
            self.instructions_seen = True
        return output

    @property
    def records(self) -> tuple[ToolCallRecord, ...]:
        return self._inner.records

    @property
    def exhausted(self) -> str | None:
        return self._inner.exhausted


def finding_text(finding: FindingSummary, context: CodeContext, source: RepoSource | None) -> str:
    """The finding as the model sees it: facts from the store, the code with line numbers.

    The code is read again through ``source`` (the model's view, secret lines withheld) rather
    than taken from the context, whose lines around the finding may hold another finding's
    secret. Secret findings themselves never get here (pre-triage).
    """
    where = finding.path or "an unspecified location"
    if finding.path and finding.start_line:
        where += f":{finding.start_line}"
        if finding.end_line and finding.end_line != finding.start_line:
            where += f"-{finding.end_line}"
    lines = [
        f"Scanner: {finding.tool}",
        f"Rule: {finding.rule_id}" + (f" ({finding.rule_name})" if finding.rule_name else ""),
        f"Weakness: {', '.join(finding.cwe_ids) or 'not given'}",
        f"Scanner severity: {finding.tool_severity}",
        f"Location: {where}",
        f"File role: {context.file_role.value}",
        "Message:",
        finding.message[:_MAX_MESSAGE_CHARS],
    ]
    code = _code(finding, context, source)
    if code is not None:
        numbered = [f"{n}\t{line}" for n, line in enumerate(code.text, code.start)]
        lines += [f"Code ({finding.path}, numbered lines):", *numbered]
    return "\n".join(lines)


def _code(finding: FindingSummary, context: CodeContext, source: RepoSource | None) -> Lines | None:
    if source is None or not finding.path or finding.kind == FindingKind.SECRET:
        return None
    if context.snippet_start is None or context.snippet_end is None:
        return None
    try:
        return source.read_lines(finding.path, context.snippet_start, context.snippet_end)
    except ToolError:
        return None  # the model can still ask for the lines through read_code


def _reuse(
    cached: Mapping[str, Any],
    cached_path: str,
    cached_start: int,
    finding: FindingSummary,
    context: CodeContext,
) -> ModelAnswer | None:
    """A cached answer moved onto this case's file and lines; None if it no longer validates."""
    if not finding.path:
        return None
    moved = rebased(
        cached,
        from_path=cached_path,
        from_start=cached_start,
        to_path=finding.path,
        to_start=context.snippet_start or 1,
    )
    try:
        return ModelAnswer.model_validate(moved)
    except ValidationError:
        return None  # written by an older schema: ask again


def _opinion(answer: ModelAnswer) -> Opinion:
    return Opinion(
        verdict=answer.verdict,
        severity=answer.severity,
        rationale=answer.rationale,
        fix_recommendation=answer.fix_recommendation,
        confidence=answer.confidence,
        evidence=tuple(Quote(e.path, e.start_line, e.end_line, e.quote) for e in answer.evidence),
        cwe_ids=tuple(answer.cwe_ids),
    )


def _floor(deps: WorkflowDeps, finding: FindingSummary, context: CodeContext) -> Severity | None:
    return severity_floor(
        tool=finding.tool,
        rule_id=finding.rule_id,
        cwe_ids=finding.cwe_ids,
        file_role=context.file_role,
        rubric=deps.rubric,
        known_exploited=steps.known_exploited(deps, finding),
        live_secret=finding.kind == FindingKind.SECRET and finding.secret_verified is True,
    )


def _usage_row(case_id: int, stage: ModelStage, outcome: _Outcome, now: datetime) -> ModelUsageRow:
    usage = outcome.usage
    return ModelUsageRow(
        case_id=case_id,
        model=stage.model_name[:200],
        prompt_version=stage.prompt_version[:50],
        calls=usage.calls,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        latency_ms=usage.latency_ms,
        cache_hit=outcome.cache_hit,
        tool_calls=len(outcome.records),
        violations=[str(r.violation) for r in outcome.records if r.violation],
        failure=outcome.failure[:500] if outcome.failure else None,
        created_at=now,
    )
