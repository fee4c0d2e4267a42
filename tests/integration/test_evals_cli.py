"""``appsec-triage-eval`` end to end, in a fresh interpreter, on project data only.

The example dataset runs against its committed baseline, so a change that makes triage of the
example app worse fails ``make test`` here. The OWASP Benchmark (GPL) is never read by pytest;
its layout is exercised with the invented dataset in tests/unit/evals/synthetic.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from evals.gate import BASELINES, load_baseline
from tests.conftest import Cli, CliResult
from tests.unit.evals import synthetic


def run_eval(cli: Cli, *args: str) -> CliResult:
    proc = subprocess.run(
        [sys.executable, "-m", "evals", *args],
        cwd=cli.cwd,
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def _report(cli: Cli, name: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(
        (cli.cwd / ".appsec-triage" / "evals" / f"{name}.json").read_text(encoding="utf-8")
    )
    return report


def test_the_example_eval_passes_its_committed_baseline(cli: Cli) -> None:
    result = run_eval(cli, "--dataset", "example")
    assert result.code == 0, result.stderr
    assert "gate    PASS against evals/baselines/example.json" in result.stdout

    report = _report(cli, "example")
    baseline = load_baseline(BASELINES / "example.json")
    assert report["dataset"]["sha256"] == baseline.dataset_sha256
    assert report["command"] == "python -m evals --dataset example"
    assert report["triage"]["policy"].startswith("policy@")
    metrics = report["metrics"]
    # The example app: 9 real issues, 10 false positives (examples/vulnerable-app/labels.json).
    assert metrics["unsafe_closure_rate"] == {"value": 0.0, "count": 0, "of": 9}
    assert metrics["auto_decided_share"]["of"] == 19
    assert metrics["severity"]["proposed"]["at_or_above"]["count"] >= 8
    assert metrics["severity"]["scanner"]["at_or_above"]["count"] == 5
    assert report["cost"]["model_calls"] == 0
    assert report["gate"]["ok"] is True
    assert report["test_cases"] is None

    markdown = (cli.cwd / ".appsec-triage" / "evals" / "example.md").read_text(encoding="utf-8")
    assert "python -m evals --dataset example" in markdown
    assert report["dataset"]["sha256"] in markdown
    assert "## Gate: PASS" in markdown


def test_json_output_is_the_written_report(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    result = run_eval(cli, "--dataset", "example", "--json", "--out", str(out))
    assert result.code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed == json.loads((out / "example.json").read_text(encoding="utf-8"))
    assert (out / "example.md").is_file()


def test_a_worse_result_than_the_baseline_fails_the_gate(cli: Cli, tmp_path: Path) -> None:
    baseline = json.loads((BASELINES / "example.json").read_text(encoding="utf-8"))
    # A fabricated baseline better than what triage achieves: the run is a regression.
    baseline["metrics"]["auto_decided_share"] = 0.9
    baseline["metrics"]["severity_at_or_above"] = 1.0
    better = tmp_path / "better.json"
    better.write_text(json.dumps(baseline), encoding="utf-8")

    result = run_eval(cli, "--dataset", "example", "--baseline", str(better))
    assert result.code == 1
    assert "REGRESSION: auto_decided_share" in result.stderr
    assert "REGRESSION: severity_at_or_above" in result.stderr
    assert "gate    FAIL" in result.stdout
    report = _report(cli, "example")
    assert report["gate"]["ok"] is False
    assert "## Gate: FAIL" in (cli.cwd / ".appsec-triage" / "evals" / "example.md").read_text()


def test_update_baseline_records_the_run(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "recorded.json"
    result = run_eval(cli, "--dataset", "example", "--baseline", str(path), "--update-baseline")
    assert result.code == 0, result.stderr
    recorded = load_baseline(path)
    committed = load_baseline(BASELINES / "example.json")
    assert recorded.metrics == committed.metrics
    assert recorded.dataset_sha256 == committed.dataset_sha256


def test_a_benchmark_layout_folder_end_to_end(cli: Cli, tmp_path: Path) -> None:
    root = synthetic.write(tmp_path / "bench")
    result = run_eval(cli, "--dataset", str(root), "--json")
    assert result.code == 0, result.stderr
    assert "WARNING: no baseline" in result.stderr
    report = json.loads(result.stdout)
    assert report["findings"]["total"] == 6
    assert report["findings"]["unlabelled"] == 1
    assert report["verdicts"]["true_positive"]["needs_human"] == 1  # the one under tests/
    assert report["metrics"]["unsafe_closure_rate"] == {"value": 0.0, "count": 0, "of": 2}
    assert report["metrics"]["auto_decided_share"] == {"value": 5 / 6, "count": 5, "of": 6}
    assert report["metrics"]["dismissal"]["precision"] is None
    views = report["test_cases"]["views"]
    for name, expected in (
        ("scanner", synthetic.SCANNER),
        ("filed", synthetic.FILED),
        ("open", synthetic.OPEN),
    ):
        assert {k: views[name][k] for k in expected} == expected, name
    assert report["test_cases"]["reproduces_published"] is True


def test_bad_input_exits_2(cli: Cli, tmp_path: Path) -> None:
    missing = run_eval(cli, "--dataset", "owasp-benchmark-python", "--data", str(tmp_path))
    assert missing.code == 2
    assert "not found" in missing.stderr and "--data" in missing.stderr

    unknown = run_eval(cli, "--dataset", str(tmp_path / "nothing-here"))
    assert unknown.code == 2

    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    invalid = run_eval(cli, "--dataset", "example", "--baseline", str(bad))
    assert invalid.code == 2
    assert "invalid baseline" in invalid.stderr
