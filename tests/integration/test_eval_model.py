"""``appsec-triage-eval --model CONFIG``: the same eval against a model, here the local stub
server standing in for OpenAI / Azure / vLLM; the report names the model and prompt version and
counts the calls the server really received."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from agent.llm.prompts import PROMPT_VERSION
from evals.gate import BASELINES, load_baseline
from evals.openai_stub import STUB_API_KEY, answer_when_asked, running_openai_stub
from tests.conftest import Cli

ANSWER = {
    "verdict": "true_positive",
    "severity": "high",
    "rationale": "Untrusted input reaches the call.",
    "evidence": [],
    "fix_recommendation": "Validate it.",
    "confidence": 0.6,
    "cwe_ids": [],
}


def test_the_example_eval_runs_against_a_configured_model(cli: Cli, tmp_path: Path) -> None:
    with running_openai_stub(fallback=answer_when_asked(ANSWER)) as stub:
        config = tmp_path / "stub.toml"
        config.write_text(
            'provider = "openai"\nmodel = "stub-model"\n'
            f'base_url = "{stub.openai_base_url}"\nrequests_per_second = 0\nmax_retries = 0\n'
        )
        proc = subprocess.run(
            [sys.executable, "-m", "evals", "--dataset", "example", "--model", str(config)],
            cwd=cli.cwd,
            env=cli.env | {"APPSEC_TRIAGE_OPENAI_API_KEY": STUB_API_KEY},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        received = len(stub.completions())
    assert proc.returncode == 0, proc.stderr
    # A model run is never gated against the policy's numbers.
    assert "no baseline at" in proc.stderr and "example.stub-model.json" in proc.stderr
    report = json.loads((cli.cwd / ".appsec-triage" / "evals" / "example.json").read_text())
    assert report["triage"]["path"] == "model"
    assert (report["triage"]["model"], report["triage"]["prompt_version"]) == (
        "stub-model",
        PROMPT_VERSION,
    )
    assert report["dataset"]["sha256"] == load_baseline(BASELINES / "example.json").dataset_sha256
    cost = report["cost"]
    assert cost["model_calls"] == received > 0
    assert cost["input_tokens"] > 0 and cost["per_finding"]["model_calls"] > 0
    assert f"model stub-model ({PROMPT_VERSION})" in proc.stdout
    # The model never dismissed a real finding: it may only add to policy (agent/llm/merge.py).
    assert report["metrics"]["unsafe_closure_rate"]["count"] == 0


def test_a_key_in_the_model_config_is_refused(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('provider = "openai"\nmodel = "m"\nopenai_api_key = "sk-live"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "evals", "--dataset", "example", "--model", str(config)],
        cwd=cli.cwd,
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "keys come from the environment only" in proc.stderr and "sk-live" not in proc.stderr
