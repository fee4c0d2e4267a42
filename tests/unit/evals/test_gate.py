"""The regression gate against fabricated results: equal passes, every kind of worse fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evals.adversarial.report import load_baseline as load_adversarial_baseline
from evals.gate import (
    Baseline,
    BaselineError,
    baseline_from,
    check,
    gate_metrics,
    load_baseline,
    save_baseline,
)

SHA = "a" * 64


def fabricated(
    *,
    unsafe: float | None = 0.0,
    auto: float | None = 0.5,
    precision: float | None = 0.9,
    severity: float | None = 0.8,
    sha: str = SHA,
) -> dict[str, Any]:
    """The slice of a report the gate reads."""
    return {
        "dataset": {"name": "fabricated", "sha256": sha},
        "triage": {"policy": "policy@test"},
        "metrics": {
            "unsafe_closure_rate": {"value": unsafe},
            "auto_decided_share": {"value": auto},
            "dismissal": {"precision": precision},
            "severity": None
            if severity is None
            else {"proposed": {"at_or_above": {"value": severity}}},
        },
    }


BASELINE = baseline_from(fabricated())


def test_the_baseline_records_the_gated_numbers() -> None:
    assert BASELINE.metrics == {
        "unsafe_closure_rate": 0.0,
        "auto_decided_share": 0.5,
        "dismissal_precision": 0.9,
        "severity_at_or_above": 0.8,
    }
    assert (BASELINE.tolerance, BASELINE.max_unsafe_closure_rate) == (0.005, 0.02)
    assert BASELINE.dataset_sha256 == SHA and BASELINE.recorded_with == "policy@test"


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"auto": 0.496},  # within the tolerance
        {"precision": 0.8951},
        {"auto": 0.9, "precision": 1.0, "severity": 1.0},  # better is fine
    ],
)
def test_equal_or_better_passes(changes: dict[str, Any]) -> None:
    verdict = check(fabricated(**changes), BASELINE, source="b.json")
    assert verdict["ok"], verdict["problems"]
    assert verdict["problems"] == []
    assert all(row["ok"] for row in verdict["checks"])


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        ({"unsafe": 0.001}, "unsafe_closure_rate"),  # any rise, however small
        ({"unsafe": None}, "unsafe_closure_rate"),
        ({"auto": 0.49}, "auto_decided_share"),
        ({"auto": None}, "auto_decided_share"),
        ({"precision": 0.89}, "dismissal_precision"),
        ({"precision": None}, "dismissal_precision"),  # no dismissals any more
        ({"severity": 0.7}, "severity_at_or_above"),
        ({"sha": "b" * 64}, "dataset"),
    ],
)
def test_worse_fails(changes: dict[str, Any], failing: str) -> None:
    verdict = check(fabricated(**changes), BASELINE, source="b.json")
    assert not verdict["ok"]
    assert len(verdict["problems"]) == 1
    assert verdict["problems"][0].startswith(f"the {failing}" if failing == "dataset" else failing)


def test_the_absolute_cap_applies_even_when_the_baseline_is_worse() -> None:
    lax = baseline_from(fabricated(unsafe=0.05))
    assert not check(fabricated(unsafe=0.03), lax, source="b.json")["ok"]  # above the 2% cap
    assert check(fabricated(unsafe=0.02), lax, source="b.json")["ok"]


def test_a_metric_the_baseline_cannot_measure_is_not_gated() -> None:
    no_dismissals = baseline_from(fabricated(precision=None, severity=None))
    verdict = check(fabricated(precision=None, severity=None), no_dismissals, source="b.json")
    assert verdict["ok"]
    # Dismissals appearing later is no regression in itself (unsafe closures gate the risk).
    assert check(fabricated(precision=0.1), no_dismissals, source="b.json")["ok"]


def test_no_real_vulnerability_before_or_now_passes_the_unsafe_gate() -> None:
    empty = baseline_from(fabricated(unsafe=None))
    assert check(fabricated(unsafe=None), empty, source="b.json")["ok"]
    assert not check(fabricated(unsafe=0.5), empty, source="b.json")["ok"]


def test_re_recording_keeps_the_thresholds(tmp_path: Path) -> None:
    strict = BASELINE.model_copy(update={"tolerance": 0.0, "max_unsafe_closure_rate": 0.01})
    again = baseline_from(fabricated(auto=0.6), strict)
    assert (again.tolerance, again.max_unsafe_closure_rate) == (0.0, 0.01)
    assert again.metrics["auto_decided_share"] == 0.6
    path = tmp_path / "baselines" / "x.json"
    save_baseline(path, again)
    assert load_baseline(path) == again


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"dataset": "x"}',
        '{"dataset": "x", "dataset_sha256": "short", "recorded_with": "p", "metrics": {}}',
        '{"dataset": "x", "dataset_sha256": "' + SHA + '", "recorded_with": "p", '
        '"metrics": {"auto_decided_share": 1.5}}',
        '{"dataset": "x", "dataset_sha256": "' + SHA + '", "recorded_with": "p", '
        '"metrics": {}, "surprise": 1}',
    ],
)
def test_an_invalid_baseline_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BaselineError, match="invalid baseline"):
        load_baseline(path)


def test_a_missing_baseline_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="cannot read"):
        load_baseline(tmp_path / "absent.json")


def test_gate_metrics_reads_none_severity_as_not_measured() -> None:
    assert gate_metrics(fabricated(severity=None))["severity_at_or_above"] is None


def test_committed_baselines_are_valid_and_meet_the_issue_bar() -> None:
    baselines = sorted((Path(__file__).resolve().parents[3] / "evals" / "baselines").glob("*.json"))
    assert {p.stem for p in baselines} >= {"example", "owasp-benchmark-python"}
    for path in baselines:
        if path.stem == "adversarial":  # attack successes, not quality: its own schema
            adversarial = load_adversarial_baseline(path)
            assert set(adversarial.max_successes.values()) == {0}
            continue
        baseline: Baseline = load_baseline(path)
        # <dataset>.json, or <dataset>.<model>.json for a model's own baseline
        assert baseline.dataset == path.stem.split(".", 1)[0]
        unsafe = baseline.metrics["unsafe_closure_rate"]
        assert unsafe is not None and unsafe <= 0.02
