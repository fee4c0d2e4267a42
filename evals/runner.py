"""Run the real workflow over a dataset in a throwaway SQLite store and collect what it proposed.

The same code path as ``appsec-triage ingest`` + ``appsec-triage triage``: each report is
ingested (validated, normalised, deduplicated across tools), then every case runs through the
LangGraph workflow up to its approval gate. Nothing is approved, so nothing is published.

Everything that can change a proposal is pinned: the rubric shipped in config/, the KEV snapshot
shipped in tools/intel/, no business context, a fixed secret-fingerprint key, the dry-run
publisher. Two runs on the same dataset give the same outcomes.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlmodel import col, select

from agent.ingest import IngestResult, ingest_file
from agent.runtime import Runtime, open_runtime
from agent.workflow import triage
from config.rubric import load_rubric
from config.settings import Settings
from evals.datasets import Dataset, FindingKey, finding_key
from evals.metrics import DROPPED, Outcome
from tools.findings.severity import Severity
from tools.intel.kev import DEFAULT_SNAPSHOT
from tools.store.tables import CaseFindingRow, FindingRow, ModelUsageRow, ProposalRow

POLICY_PREFIX = "policy@"
_EVAL_SECRET_KEY = SecretStr("appsec-triage eval: fixed key, fingerprints only")


class EvalError(Exception):
    """The eval could not run to the end (a report rejected, a case failed)."""


@dataclass(frozen=True)
class Proposed:
    verdict: str
    severity: Severity
    tool_severity: Severity
    decided_by: str


@dataclass
class Triaged:
    """What the workflow proposed, per stored finding (duplicates resolved to their finding)."""

    proposals: dict[FindingKey, Proposed] = field(default_factory=dict)
    findings: list[FindingKey] = field(default_factory=list)
    """Every finding in the store, including the ones merged into another tool's finding."""
    tool_severity: dict[FindingKey, Severity] = field(default_factory=dict)
    merged_duplicates: int = 0
    ingest: list[IngestResult] = field(default_factory=list)
    failed_cases: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    outcomes: list[Outcome]
    triaged: Triaged
    rubric_version: str
    decided_by: dict[str, int]
    unlabelled: int
    """Stored findings the dataset has no label for (still counted in the auto-decided share)."""
    seconds: float
    model: ModelCost | None = None
    """None on the deterministic path."""


def eval_settings(state_dir: Path, model: dict[str, Any] | None = None) -> Settings:
    """Pinned settings; ``model``: the ``llm_*`` settings of a real model (evals/model_config)."""
    pinned: dict[str, Any] = {
        "state_dir": state_dir,
        "db_url": f"sqlite:///{state_dir / 'eval.db'}",
        # nothing is approved, so nothing is published; never reach out
        "publisher": "dry-run",
        "outbox_dir": state_dir / "outbox",
        "kev_snapshot": DEFAULT_SNAPSHOT,
        "business_context": None,
        "secret_fingerprint_key": _EVAL_SECRET_KEY,
    }
    # Without --model the deterministic path, whatever APPSEC_TRIAGE_LLM_PROVIDER says.
    return Settings(**(pinned | (model if model is not None else {"llm_provider": "none"})))


@dataclass(frozen=True)
class ModelCost:
    """What the model cost over the run (from the store's model usage rows)."""

    model: str
    prompt_version: str
    calls: int
    input_tokens: int
    output_tokens: int
    latency_ms: int
    consulted_cases: int
    cache_hits: int


def run(
    dataset: Dataset,
    progress: Callable[[str], None] = lambda _m: None,
    *,
    model: dict[str, Any] | None = None,
) -> RunResult:
    """Ingest and triage ``dataset`` in a throwaway store; one outcome per finding."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="appsec-triage-eval-") as tmp:
        runtime = open_runtime(eval_settings(Path(tmp), model))
        try:
            triaged = triage_dataset(runtime, dataset, progress)
            cost = model_cost(runtime)
        finally:
            runtime.database.dispose()
    if triaged.failed_cases:
        first = next(iter(triaged.failed_cases.items()))
        raise EvalError(
            f"{len(triaged.failed_cases)} case(s) failed, e.g. case {first[0]}: {first[1]}"
        )
    outcomes, unlabelled = join(dataset, triaged)
    return RunResult(
        outcomes=outcomes,
        triaged=triaged,
        rubric_version=load_rubric().version,
        decided_by=decided_by_policy(triaged),
        unlabelled=unlabelled,
        seconds=time.monotonic() - started,
        model=cost,
    )


def model_cost(runtime: Runtime) -> ModelCost | None:
    """The model's totals over the run; None on the deterministic path."""
    stage = runtime.deps().model_stage
    if stage is None:
        return None
    with runtime.database.session() as session:
        rows = session.exec(select(ModelUsageRow)).all()
    return ModelCost(
        model=stage.model_name,
        prompt_version=stage.prompt_version,
        calls=sum(r.calls for r in rows),
        input_tokens=sum(r.input_tokens for r in rows),
        output_tokens=sum(r.output_tokens for r in rows),
        latency_ms=sum(r.latency_ms for r in rows),
        consulted_cases=len({r.case_id for r in rows}),
        cache_hits=sum(r.cache_hit for r in rows),
    )


def decided_by_policy(triaged: Triaged) -> dict[str, int]:
    """Proposals per maker; refused unless the deterministic policy made every one.

    The report states 0 model calls and tokens, which is only true of the policy: a run where a
    model proposed anything must not be reported (or gated) with that cost.
    """
    counts = Counter(p.decided_by for p in triaged.proposals.values())
    others = sorted(name for name in counts if not name.startswith(POLICY_PREFIX))
    if others:
        raise EvalError(
            f"proposals made by {', '.join(others)}: this eval accounts only for the "
            "deterministic policy so far (model cost accounting arrives with the LLM stage)"
        )
    return dict(sorted(counts.items()))


def triage_dataset(
    runtime: Runtime, dataset: Dataset, progress: Callable[[str], None] = lambda _m: None
) -> Triaged:
    """Ingest the dataset's reports into ``runtime``'s store, triage everything, read it back."""
    triaged = Triaged()
    for report in dataset.reports:
        progress(f"ingesting {report.path.name}")
        result = ingest_file(
            runtime.database,
            report.path,
            repo_root=report.repo_root,
            repository=dataset.repository,
            format_name=None,
            options=runtime.ingest_options(),
        )
        if result.status != "ok":
            raise EvalError(f"{report.path} was rejected: {result.error}")
        triaged.ingest.append(result)
    with runtime.workflow() as (deps, graph):
        summary = triage(deps, graph, limit=None, progress=progress)
    triaged.failed_cases = dict(summary.failed)
    _read_back(runtime, triaged)
    return triaged


def _read_back(runtime: Runtime, triaged: Triaged) -> None:
    with runtime.database.session() as session:
        findings = session.exec(select(FindingRow).order_by(col(FindingRow.id))).all()
        rows = session.exec(
            select(CaseFindingRow.finding_id, ProposalRow)
            .join(ProposalRow, col(ProposalRow.case_id) == col(CaseFindingRow.case_id))
            .order_by(col(ProposalRow.id))
        ).all()
    latest: dict[int, ProposalRow] = dict(rows)  # ordered by id: the latest proposal wins
    by_id = {f.id: f for f in findings}
    for finding in findings:
        key = finding_key(
            finding.tool, finding.rule_id, finding.path or "", finding.start_line or 0
        )
        triaged.findings.append(key)
        triaged.tool_severity[key] = Severity(finding.tool_severity)
        canonical = finding
        hops = 0
        while canonical.duplicate_of is not None and hops < len(by_id):
            canonical = by_id[canonical.duplicate_of]
            hops += 1
        if canonical is not finding:
            triaged.merged_duplicates += 1
        proposal = latest.get(canonical.id) if canonical.id is not None else None
        if proposal is not None:
            triaged.proposals[key] = Proposed(
                verdict=proposal.verdict,
                severity=Severity(proposal.severity),
                # The finding's own rating, not the one of the finding it was merged into.
                tool_severity=Severity(finding.tool_severity),
                decided_by=proposal.decided_by,
            )


def join(dataset: Dataset, triaged: Triaged) -> tuple[list[Outcome], int]:
    """One outcome per label (``dropped`` if no proposal reached it) and per unlabelled finding."""
    outcomes = []
    labelled = set()
    stored = Counter(triaged.findings)
    for label in dataset.labels:
        labelled.add(label.key)
        if stored[label.key] > 1:
            raise EvalError(f"the label for {label.key} matches {stored[label.key]} findings")
        proposed = triaged.proposals.get(label.key)
        outcomes.append(
            Outcome(
                tool=label.key[0],
                rule_id=label.key[1],
                path=label.key[2],
                line=label.key[3],
                truth=label.truth,
                verdict=proposed.verdict if proposed else DROPPED,
                severity=proposed.severity if proposed else None,
                tool_severity=triaged.tool_severity.get(label.key),
                expected_severity=label.expected_severity,
                test_case=label.test_case,
                in_category=label.in_category,
            )
        )
    unlabelled = [key for key in triaged.findings if key not in labelled]
    for key in unlabelled:
        proposed = triaged.proposals.get(key)
        outcomes.append(
            Outcome(
                tool=key[0],
                rule_id=key[1],
                path=key[2],
                line=key[3],
                truth=None,
                verdict=proposed.verdict if proposed else DROPPED,
                severity=proposed.severity if proposed else None,
                tool_severity=triaged.tool_severity.get(key),
            )
        )
    return outcomes, len(unlabelled)
