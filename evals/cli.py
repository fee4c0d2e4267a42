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
            help="example, owasp-benchmark-python (under --data), or a benchmark-layout folder.",
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
) -> None:
    """Triage the dataset in a throwaway store, score it, write <out>/<dataset>.md and .json."""
    try:
        chosen = resolve(dataset, data)
        reports = out if out is not None else Settings().state_dir / "evals"
    except DatasetError as exc:
        _fail(EXIT_BAD_INPUT, str(exc))
    except ValidationError as exc:
        _fail(EXIT_BAD_INPUT, f"invalid APPSEC_TRIAGE_* setting: {exc}")
    baseline_path = baseline or BASELINES / f"{chosen.name}.json"
    previous: Baseline | None = None
    if baseline_path.is_file() or (baseline is not None and not update_baseline):
        try:
            previous = load_baseline(baseline_path)
        except BaselineError as exc:
            _fail(EXIT_BAD_INPUT, str(exc))

    _say(f"eval {chosen.name}: {len(chosen.reports)} report(s), {len(chosen.labels)} labels")
    try:
        result = run(chosen, _progress())
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
        f"triage  {report['triage']['path']} path, {report['triage']['policy']}, no model",
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
    lines.append("model calls, tokens, model latency per finding: 0, 0, 0 s (deterministic path)")
    gate = report.get("gate")
    if gate is not None:
        lines.append(f"gate    {'PASS' if gate['ok'] else 'FAIL'} against {gate['baseline']}")
    lines.append(f"report  {md_path} and {json_path}")
    return "\n".join(lines) + "\n"


def main() -> None:
    app()
