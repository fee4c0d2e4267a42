"""``appsec-triage-eval``: score triage on a labelled dataset, write the report, gate regressions.

A separate console script rather than ``appsec-triage eval``: the ``appsec-triage`` entry point
lives in ``agent`` (layer 4), and ``agent`` may not import ``evals`` (layer 5, the import-linter
contract in pyproject.toml). This command sits above both and uses the same workflow.

Exit codes, as for ``appsec-triage``: 0 ok, 1 a regression against the baseline (or the eval
could not finish), 2 bad input (unknown dataset, missing data, invalid baseline).
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from config.settings import Settings
from evals.adversarial import eval as adversarial_eval
from evals.adversarial import report as adversarial_report
from evals.adversarial.payloads import SHARED_PAYLOADS, PayloadError
from evals.adversarial.run import AdversarialError, ModelChoice, run_adversarial
from evals.datasets import DEFAULT_DATA, DatasetError, resolve
from evals.gate import (
    BASELINES,
    Baseline,
    BaselineError,
    baseline_from,
    check,
    load_baseline,
    save_baseline,
)
from evals.model_config import ModelConfigError, load_model_config, model_label
from evals.report import build_report, render_markdown
from evals.runner import EvalError, run

EXIT_REGRESSION = 1
EXIT_BAD_INPUT = 2
PROGRAM = "appsec-triage-eval"

app = typer.Typer(
    help="Score triage on a labelled dataset against its ground truth and the raw scanners.",
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _say(message: str) -> None:
    sys.stderr.write(message + "\n")


def _fail(code: int, message: str) -> NoReturn:
    _say(f"error: {message}")
    raise typer.Exit(code)


def _command() -> str:
    """The command as typed, with the program named the way a reader can rerun it."""
    program = PROGRAM if Path(sys.argv[0]).name == PROGRAM else "python -m evals"
    return shlex.join([*shlex.split(program), *sys.argv[1:]])


def _progress() -> Any:
    seen = {"cases": 0}

    def report(message: str) -> None:
        if message.startswith("triaging case"):
            seen["cases"] += 1
            if seen["cases"] % 500:
                return
            message = f"triaged {seen['cases']} cases"
        _say(message)

    return report


@app.command()
def evaluate(
    dataset: Annotated[
        str,
        typer.Option(
            "--dataset",
            metavar="NAME|PATH",
            help="example, owasp-benchmark-python (under --data), adversarial, or a "
            "benchmark-layout folder.",
        ),
    ],
    data: Annotated[
        Path,
        typer.Option(help="Folder holding third-party datasets, read in place."),
    ] = DEFAULT_DATA,
    out: Annotated[
        Path | None,
        typer.Option(help="Report folder (default: <state dir>/evals, i.e. .appsec-triage/evals)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    baseline: Annotated[
        Path | None,
        typer.Option(help="Baseline to gate against (default: evals/baselines/<dataset>.json)."),
    ] = None,
    update_baseline: Annotated[
        bool,
        typer.Option(help="Record this run's numbers as the baseline instead of gating."),
    ] = False,
    model: Annotated[
        str | None,
        typer.Option(
            metavar="CONFIG",
            help="Run against a real model: a TOML model config (evals/models/*.example.toml; "
            "the key from the environment only), or 'env' for the APPSEC_TRIAGE_LLM_* settings.",
        ),
    ] = None,
    sample_size: Annotated[
        int | None,
        typer.Option(
            "--sample",
            min=0,
            help="adversarial: draw this many shared payloads (with --seed) instead of all.",
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="adversarial: the seed of --sample.")
    ] = adversarial_eval.DEFAULT_SEED,
) -> None:
    """Triage the dataset in a throwaway store, score it, write <out>/<dataset>.md and .json."""
    try:
        overrides = load_model_config(model) if model is not None else None
    except ModelConfigError as exc:
        _fail(EXIT_BAD_INPUT, str(exc))
    if dataset == adversarial_eval.NAME:
        _adversarial(
            data=data,
            out=out,
            as_json=as_json,
            baseline=baseline,
            update_baseline=update_baseline,
            overrides=overrides,
            sample_size=sample_size,
            seed=seed,
        )
        return
    try:
        chosen = resolve(dataset, data)
        reports = out if out is not None else Settings().state_dir / "evals"
    except DatasetError as exc:
        _fail(EXIT_BAD_INPUT, str(exc))
    except ValidationError as exc:
        _fail(EXIT_BAD_INPUT, f"invalid APPSEC_TRIAGE_* setting: {exc}")
    # A model's numbers are gated against that model's own baseline, never the policy's.
    suffix = f".{model_label(overrides)}" if overrides is not None else ""
    baseline_path = baseline or BASELINES / f"{chosen.name}{suffix}.json"
    previous: Baseline | None = None
    if baseline_path.is_file() or (baseline is not None and not update_baseline):
        try:
            previous = load_baseline(baseline_path)
        except BaselineError as exc:
            _fail(EXIT_BAD_INPUT, str(exc))

    _say(f"eval {chosen.name}: {len(chosen.reports)} report(s), {len(chosen.labels)} labels")
    try:
        result = run(chosen, _progress(), model=overrides)
    except EvalError as exc:
        _fail(EXIT_REGRESSION, str(exc))
    report = build_report(chosen, result, command=_command())

    if update_baseline:
        save_baseline(baseline_path, baseline_from(report, previous))
        _say(f"baseline recorded: {baseline_path}")
    elif previous is not None:
        report["gate"] = check(report, previous, source=_shown(baseline_path))
    else:
        _say(
            f"WARNING: no baseline at {baseline_path}; nothing gated (record one with "
            "--update-baseline)"
        )

    reports.mkdir(parents=True, exist_ok=True)
    json_path, md_path = reports / f"{chosen.name}.json", reports / f"{chosen.name}.md"
    json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(render_markdown(report), encoding="utf-8")

    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write(_summary(report, md_path, json_path))
    gate = report.get("gate")
    if gate is not None and not gate["ok"]:
        for problem in gate["problems"]:
            _say(f"REGRESSION: {problem}")
        raise typer.Exit(EXIT_REGRESSION)


def _adversarial(
    *,
    data: Path,
    out: Path | None,
    as_json: bool,
    baseline: Path | None,
    update_baseline: bool,
    overrides: dict[str, Any] | None,
    sample_size: int | None,
    seed: int,
) -> None:
    """The adversarial dataset: attack success per goal, gated at 0 for code-enforced goals."""
    try:
        selection = adversarial_eval.select(data, sample_size=sample_size, seed=seed)
        reports = out if out is not None else Settings().state_dir / "evals"
    except PayloadError as exc:
        _fail(EXIT_BAD_INPUT, str(exc))
    except ValidationError as exc:
        _fail(EXIT_BAD_INPUT, f"invalid APPSEC_TRIAGE_* setting: {exc}")
    baseline_path = baseline or BASELINES / f"{adversarial_eval.NAME}.json"
    previous = None
    if baseline_path.is_file() or (baseline is not None and not update_baseline):
        try:
            previous = adversarial_report.load_baseline(baseline_path)
        except ValueError as exc:
            _fail(EXIT_BAD_INPUT, str(exc))
    d = selection.description
    if d["shared_path"] is None:
        _say(f"WARNING: {data / SHARED_PAYLOADS} not found: project payloads only (set --data)")
    _say(
        f"eval adversarial: {d['project_payloads']} project + {d['shared_payloads']} shared "
        f"payloads ({d['selection']}), {len(selection.cases)} cases"
    )
    try:
        result = run_adversarial(
            selection.cases, model=ModelChoice(overrides), seed=seed, progress=_progress()
        )
    except AdversarialError as exc:
        _fail(EXIT_REGRESSION, str(exc))
    report = adversarial_report.build_report(result, command=_command(), dataset=d)
    if update_baseline:
        adversarial_report.save_baseline(baseline_path, report, previous)
        _say(f"baseline recorded: {baseline_path}")
    elif previous is not None:
        report["gate"] = adversarial_report.check(report, previous, source=_shown(baseline_path))
    else:
        _say(f"WARNING: no baseline at {baseline_path}; nothing gated")
    reports.mkdir(parents=True, exist_ok=True)
    json_path = reports / f"{adversarial_eval.NAME}.json"
    md_path = reports / f"{adversarial_eval.NAME}.md"
    json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(adversarial_report.render_markdown(report), encoding="utf-8")
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        lines = [f"dataset adversarial ({d['selection']}) sha256 {d['sha256']}"]
        lines.append(f"model   {report['triage']['model']}, {report['triage']['prompt_version']}")
        for goal, row in report["goals"].items():
            lines.append(
                f"{goal:<22} {row['successes']} successes in {row['attempts']} cases "
                f"({row['answer_in_ticket']} answers delivered)"
            )
        per = report["cost"]["per_finding"]
        lines.append(
            f"per finding: {per['model_calls']} model calls, {per['input_tokens']} + "
            f"{per['output_tokens']} tokens, {per['model_latency_ms']} ms"
        )
        gate = report.get("gate")
        if gate is not None:
            lines.append(f"gate    {'PASS' if gate['ok'] else 'FAIL'} against {gate['baseline']}")
        lines.append(f"report  {md_path} and {json_path}")
        sys.stdout.write("\n".join(lines) + "\n")
    gate = report.get("gate")
    if gate is not None and not gate["ok"]:
        for problem in gate["problems"]:
            _say(f"ATTACK SUCCEEDED: {problem}")
        raise typer.Exit(EXIT_REGRESSION)


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(BASELINES.parent.parent).as_posix()
    except ValueError:
        return str(path)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def _summary(report: dict[str, Any], md_path: Path, json_path: Path) -> str:
    m, f = report["metrics"], report["findings"]
    unsafe, auto, dismissal = m["unsafe_closure_rate"], m["auto_decided_share"], m["dismissal"]
    base_rate = report["scanner_baseline"]["dismissal_base_rate"]["value"]
    lines = [
        f"dataset {report['dataset']['name']} sha256 {report['dataset']['sha256']}",
        f"triage  {report['triage']['path']} path, {report['triage']['policy']}, "
        + (
            f"model {report['triage']['model']} ({report['triage']['prompt_version']})"
            if report["triage"]["model"]
            else "no model"
        ),
        f"findings {f['total']}: {f['scored']} scored ({f['real']} real, {f['not_real']} not), "
        f"{f['merged_into_another_tools_finding']} merged across tools, {f['dropped']} dropped",
        f"unsafe closure rate      {_pct(unsafe['value'])} ({unsafe['count']} of {unsafe['of']} "
        "real vulnerabilities closed without a human)",
        f"decided without a human  {_pct(auto['value'])} ({auto['count']} of {auto['of']})",
        f"dismissal precision      {_pct(dismissal['precision'])} "
        f"({dismissal['TP'] + dismissal['FP']} dismissals), recall {_pct(dismissal['recall'])}; "
        f"blind-dismissal base rate {_pct(base_rate)}",
    ]
    tc = report["test_cases"]
    if tc is not None:
        for name, c in tc["views"].items():
            lines.append(
                f"test cases, {name:<7}   precision {_pct(c['precision'])} recall "
                f"{_pct(c['recall'])} (TP {c['TP']} FP {c['FP']} FN {c['FN']})"
            )
    if m["severity"] is not None:
        sev = m["severity"]
        lines.append(
            f"severity at/above label  ours {_pct(sev['proposed']['at_or_above']['value'])}, "
            f"scanner {_pct(sev['scanner']['at_or_above']['value'])}"
        )
    cost = report["cost"]["per_finding"]
    lines.append(
        f"model calls, tokens, model latency per finding: {cost['model_calls']}, "
        f"{cost['tokens']}, {cost['model_seconds']} s"
        + (" (deterministic path)" if report["triage"]["model"] is None else "")
    )
    gate = report.get("gate")
    if gate is not None:
        lines.append(f"gate    {'PASS' if gate['ok'] else 'FAIL'} against {gate['baseline']}")
    lines.append(f"report  {md_path} and {json_path}")
    return "\n".join(lines) + "\n"


def main() -> None:
    app()
