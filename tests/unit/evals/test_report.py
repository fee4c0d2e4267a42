"""The report built from fabricated outcomes: numbers land where they should, text stays inert."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from evals.datasets import Dataset, benchmark_dataset
from evals.metrics import FALSE_POSITIVE, NEEDS_HUMAN, TRUE_POSITIVE, BenchmarkCase, Outcome
from evals.report import build_report, render_markdown
from evals.runner import RunResult, Triaged
from tests.unit.evals import synthetic


def _outcome(truth: str | None, verdict: str, case: str) -> Outcome:
    return Outcome(
        tool="bandit",
        rule_id="R",
        path=f"{case}.py",
        line=1,
        truth=truth,
        verdict=verdict,
        test_case=case,
        in_category=truth is not None,
    )


def _result(outcomes: list[Outcome]) -> RunResult:
    return RunResult(
        outcomes=outcomes,
        triaged=Triaged(),
        rubric_version="test-1",
        decided_by={"policy@test-1": len(outcomes)},
        unlabelled=0,
        seconds=1.0,
    )


def _dataset(tmp_path: Path) -> Dataset:
    return benchmark_dataset(synthetic.write(tmp_path / "bench"))


def test_a_dismissing_triage_shows_its_numbers_beside_the_scanners(tmp_path: Path) -> None:
    outcomes = [
        _outcome(TRUE_POSITIVE, TRUE_POSITIVE, "BenchmarkTest00001"),
        _outcome(FALSE_POSITIVE, FALSE_POSITIVE, "BenchmarkTest00002"),
        _outcome(TRUE_POSITIVE, FALSE_POSITIVE, "BenchmarkTest00003"),  # an unsafe closure
        _outcome(FALSE_POSITIVE, NEEDS_HUMAN, "BenchmarkTest00004"),
    ]
    report = build_report(_dataset(tmp_path), _result(outcomes), command="appsec-triage-eval x")
    metrics = report["metrics"]
    assert metrics["unsafe_closure_rate"] == {"value": 0.5, "count": 1, "of": 2}
    assert metrics["auto_decided_share"] == {"value": 0.75, "count": 3, "of": 4}
    assert (metrics["dismissal"]["TP"], metrics["dismissal"]["FP"]) == (1, 1)
    assert metrics["dismissal"]["precision"] == 0.5
    assert metrics["severity"] is None
    assert report["scanner_baseline"]["dismissal_base_rate"]["value"] == 0.5
    views = report["test_cases"]["views"]
    assert (views["scanner"]["TP"], views["scanner"]["FP"], views["scanner"]["FN"]) == (2, 2, 1)
    assert (views["filed"]["TP"], views["filed"]["FP"], views["filed"]["FN"]) == (1, 0, 2)
    assert (views["open"]["TP"], views["open"]["FP"], views["open"]["FN"]) == (1, 1, 2)
    # Our recomputation of the raw scanner matches the synthetic published numbers.
    assert report["test_cases"]["reproduces_published"] is True
    assert report["cost"]["model_calls"] == 0 and report["cost"]["per_finding"]["tokens"] == 0
    assert report["triage"]["policy"] == "policy@test-1"
    assert report["command"] == "appsec-triage-eval x"

    text = render_markdown(report)
    assert "**50.00% (1 of 2)**" in text  # the unsafe closure rate, in bold
    assert "| raw scanners, published (scanner-baseline.md, union) | 2 | 2 | 0 | 1 |" in text
    assert "reproduces the published numbers: yes" in text
    assert report["dataset"]["sha256"] in text


def test_published_numbers_that_differ_are_reported(tmp_path: Path) -> None:
    outcomes = [_outcome(TRUE_POSITIVE, TRUE_POSITIVE, "BenchmarkTest00001")]
    report = build_report(_dataset(tmp_path), _result(outcomes), command="c")
    assert report["test_cases"]["reproduces_published"] is False
    assert "reproduces the published numbers: NO" in render_markdown(report)


def test_dataset_text_cannot_break_out_of_the_markdown(tmp_path: Path) -> None:
    hostile = "x`| [click](https://evil.example) |\n# heading"
    dataset = replace(
        _dataset(tmp_path), cases=(BenchmarkCase("BenchmarkTest00001", hostile, True),)
    )
    report = build_report(
        dataset,
        _result([_outcome(TRUE_POSITIVE, TRUE_POSITIVE, "BenchmarkTest00001")]),
        command="c",
    )
    text = render_markdown(report)
    row = next(line for line in text.splitlines() if "evil.example" in line)
    assert row.startswith("| `x   [click](https://evil.example)   # heading` |")
    assert "\n# heading" not in text
