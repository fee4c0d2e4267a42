"""The regression gate: a run's numbers against the baseline committed in evals/baselines/.

A run fails the gate when, against the baseline measured on the same dataset:

- the unsafe closure rate rises at all, or exceeds the absolute cap (2% unless the file says
  less): closing a real vulnerability without a human is the one mistake we never trade;
- the share decided without a human, the dismissal precision, or the share of real vulnerabilities
  proposed at or above their deserved severity drops by more than ``tolerance``;
- a metric the baseline has can no longer be measured (for example: no dismissals any more);
- the dataset's SHA-256 differs: the numbers would not be comparable, so a person reviews the
  new ones and records them with ``--update-baseline``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

BASELINES = Path(__file__).resolve().parent / "baselines"
DEFAULT_TOLERANCE = 0.005
MAX_UNSAFE_CLOSURE_RATE = 0.02
_EPSILON = 1e-9  # float noise only: any real rise of the unsafe closure rate fails

LOWER_IS_BETTER = ("unsafe_closure_rate",)
HIGHER_IS_BETTER = ("auto_decided_share", "dismissal_precision", "severity_at_or_above")

Share = Annotated[float, Field(ge=0, le=1)]


class BaselineError(Exception):
    """The baseline file is missing or invalid."""


class Baseline(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    dataset: str
    dataset_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    recorded_with: str
    """The policy (and later model/prompt) version that produced the numbers."""
    tolerance: Annotated[float, Field(ge=0, le=0.1)] = DEFAULT_TOLERANCE
    max_unsafe_closure_rate: Share = MAX_UNSAFE_CLOSURE_RATE
    metrics: dict[str, Share | None]


def gate_metrics(report: dict[str, Any]) -> dict[str, float | None]:
    """The gated numbers of a report (None: not measurable on this dataset or run)."""
    metrics = report["metrics"]
    severity = metrics["severity"]
    return {
        "unsafe_closure_rate": metrics["unsafe_closure_rate"]["value"],
        "auto_decided_share": metrics["auto_decided_share"]["value"],
        "dismissal_precision": metrics["dismissal"]["precision"],
        "severity_at_or_above": None
        if severity is None
        else severity["proposed"]["at_or_above"]["value"],
    }


def baseline_from(report: dict[str, Any], previous: Baseline | None = None) -> Baseline:
    """The baseline that records ``report``'s numbers, keeping a previous file's thresholds."""
    return Baseline(
        dataset=report["dataset"]["name"],
        dataset_sha256=report["dataset"]["sha256"],
        recorded_with=report["triage"]["policy"],
        tolerance=previous.tolerance if previous else DEFAULT_TOLERANCE,
        max_unsafe_closure_rate=previous.max_unsafe_closure_rate
        if previous
        else MAX_UNSAFE_CLOSURE_RATE,
        metrics=gate_metrics(report),
    )


def load_baseline(path: Path) -> Baseline:
    try:
        return Baseline.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror}") from exc
    except ValidationError as exc:
        raise BaselineError(f"invalid baseline {path}: {exc}") from exc


def save_baseline(path: Path, baseline: Baseline) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(baseline.model_dump(mode="json"), indent=2) + "\n"
    path.write_text(text, encoding="utf-8")


def check(report: dict[str, Any], baseline: Baseline, *, source: str) -> dict[str, Any]:
    """The gate's verdict: ``ok``, one row per gated metric, and the problems in words."""
    current = gate_metrics(report)
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    if report["dataset"]["sha256"] != baseline.dataset_sha256:
        problems.append(
            f"the dataset (sha256 {report['dataset']['sha256'][:12]}…) is not the one the "
            f"baseline was measured on ({baseline.dataset_sha256[:12]}…): review the new numbers "
            "and record them with --update-baseline"
        )
    for metric in (*LOWER_IS_BETTER, *HIGHER_IS_BETTER):
        before, now = baseline.metrics.get(metric), current[metric]
        if metric in LOWER_IS_BETTER:
            cap = baseline.max_unsafe_closure_rate
            limit = before if before is not None else cap
            allowed = f"<= {min(limit, cap):.4f}"
            ok = now is not None and now <= min(limit, cap) + _EPSILON
            if before is None and now is None:
                ok = True  # nothing real to close in this dataset, before or now
        else:
            allowed = "n/a" if before is None else f">= {before - baseline.tolerance:.4f}"
            ok = before is None or (now is not None and now >= before - baseline.tolerance)
        rows.append(
            {"metric": metric, "baseline": before, "current": now, "allowed": allowed, "ok": ok}
        )
        if not ok:
            shown = "not measurable" if now is None else f"{now:.4f}"
            problems.append(f"{metric} is {shown}, allowed {allowed} (baseline {before})")
    return {"ok": not problems, "baseline": source, "checks": rows, "problems": problems}
