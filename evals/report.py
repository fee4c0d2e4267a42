"""The eval report: one JSON document (the record) and its Markdown rendering (for people).

Every number in ``metrics``, ``verdicts``, ``test_cases`` and ``cost`` is deterministic for a given
dataset and rubric; only ``run`` (wall-clock time) varies between runs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from evals.datasets import Dataset, finding_key
from evals.metrics import (
    DROPPED,
    RULES,
    TRUE_POSITIVE,
    Confusion,
    Outcome,
    Rate,
    auto_decided,
    auto_filed_false_positives,
    case_confusion,
    confusion,
    dismissals,
    flagged_cases,
    per_category,
    severity_agreement,
    unsafe_closures,
    verdict_matrix,
)
from evals.runner import POLICY_PREFIX, RunResult

SCHEMA = "appsec-triage-eval/1"
VIEWS = {
    "scanner": "raw scanners (every finding flags its test case)",
    "filed": "ours: proposed true_positive without a human",
    "open": "ours: not closed (filed, or sent to a human)",
}


def build_report(dataset: Dataset, result: RunResult, *, command: str) -> dict[str, Any]:
    outcomes = result.outcomes
    scored = [o for o in outcomes if o.truth is not None]
    real = sum(o.truth == TRUE_POSITIVE for o in scored)
    proposed_severity = severity_agreement(outcomes, "proposed")
    scanner_severity = severity_agreement(outcomes, "scanner")
    policy = f"{POLICY_PREFIX}{result.rubric_version}"
    return {
        "schema": SCHEMA,
        "command": command,
        "dataset": {
            "name": dataset.name,
            "path": str(dataset.root.resolve()),
            "sha256": dataset.sha256(),
            "files": dataset.file_hashes(),
            "licence": dataset.licence,
        },
        "triage": {
            "path": "deterministic" if result.model is None else "model",
            "policy": policy,
            "rubric_version": result.rubric_version,
            "decided_by": result.decided_by,
            "model": result.model.model if result.model else None,
            "prompt_version": result.model.prompt_version if result.model else None,
        },
        "ingest": [
            {
                "file": r.file.rsplit("/", 1)[-1],
                "format": r.format,
                "results": r.results,
                "findings": r.findings,
                "new": r.new,
                "cross_tool_duplicates": r.cross_tool_duplicates,
                "ignored": r.ignored,
                "quarantined": r.quarantined,
            }
            for r in result.triaged.ingest
        ],
        "findings": {
            "total": len(outcomes),
            "scored": len(scored),
            "real": real,
            "not_real": len(scored) - real,
            "unscored": len(outcomes) - len(scored),
            "unlabelled": result.unlabelled,
            "merged_into_another_tools_finding": result.triaged.merged_duplicates,
            "dropped": sum(o.verdict == DROPPED for o in outcomes),
        },
        "verdicts": verdict_matrix(outcomes),
        "metrics": {
            "unsafe_closure_rate": unsafe_closures(outcomes).as_json(),
            "auto_decided_share": auto_decided(outcomes).as_json(),
            "auto_decided_share_scored": auto_decided(scored).as_json(),
            "dismissal": dismissals(outcomes).as_json(),
            "filed": _filed(scored).as_json(),
            "auto_filed_false_positives": auto_filed_false_positives(outcomes).as_json(),
            "severity": None
            if proposed_severity is None or scanner_severity is None
            else {"proposed": proposed_severity.as_json(), "scanner": scanner_severity.as_json()},
        },
        "scanner_baseline": {
            "finding_precision": Rate(real, len(scored)).as_json(),
            "dismissal_base_rate": Rate(len(scored) - real, len(scored)).as_json(),
            "published": dataset.published,
        },
        "test_cases": _test_cases(dataset, outcomes),
        "cost": _cost(result, policy, len(outcomes)),
        "run": {
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(result.seconds, 2),
            "seconds_per_finding": round(result.seconds / len(outcomes), 5) if outcomes else None,
        },
    }


def _cost(result: RunResult, policy: str, findings: int) -> dict[str, Any]:
    cost = result.model
    if cost is None:
        return {
            "model": None,
            "model_calls": 0,
            "input_tokens": 0,
            "output_tokens": 0,
            "model_seconds": 0.0,
            "per_finding": {"model_calls": 0.0, "tokens": 0.0, "model_seconds": 0.0},
            "note": f"deterministic path: no model is configured; every proposal was made by "
            f"{policy}",
        }
    n = findings or 1
    tokens = cost.input_tokens + cost.output_tokens
    return {
        "model": cost.model,
        "prompt_version": cost.prompt_version,
        "model_calls": cost.calls,
        "input_tokens": cost.input_tokens,
        "output_tokens": cost.output_tokens,
        "model_seconds": round(cost.latency_ms / 1000, 3),
        "consulted_cases": cost.consulted_cases,
        "cache_hits": cost.cache_hits,
        "per_finding": {
            "model_calls": round(cost.calls / n, 4),
            "tokens": round(tokens / n, 1),
            "model_seconds": round(cost.latency_ms / 1000 / n, 4),
        },
        "note": f"model {cost.model} ({cost.prompt_version}) consulted on "
        f"{cost.consulted_cases} case(s), {cost.cache_hits} verdict-cache hit(s); policy "
        f"{policy} made the proposals it merged into",
    }


def _filed(scored: list[Outcome]) -> Confusion:
    """The true-positive verdict as a classifier: how clean is what triage files on its own."""
    return confusion((o.verdict == TRUE_POSITIVE, o.truth == TRUE_POSITIVE) for o in scored)


def _test_cases(dataset: Dataset, outcomes: list[Outcome]) -> dict[str, Any] | None:
    if not dataset.cases:
        return None
    real = {case.name: case.real for case in dataset.cases}
    views = {name: flagged_cases(outcomes, rule) for name, rule in RULES.items()}
    per_tool = {
        tool: case_confusion(
            real, flagged_cases([o for o in outcomes if o.tool == tool], RULES["scanner"])
        )
        for tool in sorted({o.tool for o in outcomes})
    }
    categories = {name: per_category(dataset.cases, flagged) for name, flagged in views.items()}
    return {
        "mode": "mapped",
        "cases": len(real),
        "real": sum(real.values()),
        "views": {name: case_confusion(real, flagged).as_json() for name, flagged in views.items()},
        "scanner_per_tool": {tool: c.as_json() for tool, c in per_tool.items()},
        "reproduces_published": _reproduces(dataset.published, views["scanner"], real, per_tool),
        "per_category": {
            category: {name: categories[name][category].as_json() for name in views}
            for category in categories["scanner"]
        },
    }


def _reproduces(
    published: dict[str, Any] | None,
    scanner: set[str],
    real: dict[str, bool],
    per_tool: dict[str, Confusion],
) -> bool | None:
    """Whether our recomputation of the raw scanners matches the published numbers exactly."""
    if not published:
        return None
    counts = ("TP", "FP", "TN", "FN")
    checks = []
    if published.get("union"):
        ours = case_confusion(real, scanner).as_json()
        checks.append(all(ours[k] == published["union"][k] for k in counts))
    for tool, numbers in published.get("per_tool", {}).items():
        family = finding_key(tool, "", "", 0)[0]
        if family in per_tool:
            ours = per_tool[family].as_json()
            checks.append(all(ours[k] == numbers[k] for k in counts))
    return all(checks) if checks else None


# Markdown -----------------------------------------------------------------------------------------


def _model_row(report: dict[str, Any]) -> str:
    triage = report["triage"]
    if triage.get("model") is None:
        return "none (the deterministic path calls no model)"
    return f"{_code(triage['model'])}, {_code(triage['prompt_version'])}"


def _code(text: object) -> str:
    """Dataset-provided text, rendered as code and unable to break out of a table cell."""
    clean = re.sub(r"[`|\r\n]", " ", str(text))
    return f"`{clean}`"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _rate(rate: dict[str, Any]) -> str:
    return f"{_pct(rate['value'])} ({rate['count']} of {rate['of']})"


def render_markdown(report: dict[str, Any]) -> str:
    d, m, f = report["dataset"], report["metrics"], report["findings"]
    dismissal, filed = m["dismissal"], m["filed"]
    base = report["scanner_baseline"]
    lines = [
        f"# Triage eval: {_code(d['name'])}",
        "",
        "```sh",
        report["command"].replace("\n", " "),
        "```",
        "",
        "| | |",
        "|---|---|",
        f"| dataset | {_code(d['path'])} |",
        f"| licence | {d['licence'] or 'not stated'} |",
        f"| dataset SHA-256 | {_code(d['sha256'])} (over {len(d['files'])} files, listed below) |",
        f"| triage | {report['triage']['path']} path, {_code(report['triage']['policy'])} |",
        f"| model, prompt | {_model_row(report)} |",
        f"| findings | {f['total']} ({f['scored']} scored: {f['real']} real, {f['not_real']} not; "
        f"{f['unscored']} unscored; {f['merged_into_another_tools_finding']} merged into another "
        f"tool's finding; {f['dropped']} dropped) |",
        "",
        "## Headline",
        "",
        "| metric | ours | raw scanners |",
        "|---|---|---|",
        f"| **unsafe closure rate** (real vulnerabilities dismissed or dropped without a human) "
        f"| **{_rate(m['unsafe_closure_rate'])}** | 0% (a scanner closes nothing) |",
        "| decided without a human (verdict is not needs_human) "
        f"| {_rate(m['auto_decided_share'])} | n/a (every finding waits for triage) |",
        f"| dismissal precision (false_positive verdicts that were right) "
        f"| {_num(dismissal['precision'])} ({dismissal['TP'] + dismissal['FP']} dismissals) "
        f"| base rate {_rate(base['dismissal_base_rate'])}: "
        "a blind dismissal is right this often |",
        f"| dismissal recall / F1 | {_num(dismissal['recall'])} / {_num(dismissal['f1'])} "
        f"| 0.000 / n/a |",
        f"| precision of what is filed without a human (per finding) | {_num(filed['precision'])} "
        f"| {_num(base['finding_precision']['value'])} |",
        f"| false positives filed without a human | {_rate(m['auto_filed_false_positives'])} "
        f"| 100% |",
        "",
        "Every proposal, filed or not, still waits for a human to approve its ticket: "
        '"decided without a human" is about the verdict, not about publishing.',
        "",
        "## Verdicts by label",
        "",
        "| label | " + " | ".join(next(iter(report["verdicts"].values()))) + " |",
        "|---|" + "---|" * len(next(iter(report["verdicts"].values()))),
    ]
    for label, row in report["verdicts"].items():
        lines.append(f"| {label} | " + " | ".join(str(v) for v in row.values()) + " |")
    lines += _test_case_section(report)
    lines += _severity_section(m["severity"])
    cost = report["cost"]
    lines += [
        "",
        "## Cost per finding",
        "",
        "| model calls | tokens | model latency |",
        "|---|---|---|",
        f"| {cost['per_finding']['model_calls']} | {cost['per_finding']['tokens']} "
        f"| {cost['per_finding']['model_seconds']} s |",
        "",
        f"{cost['note']}. Wall clock for ingest and triage: {report['run']['seconds']} s "
        f"({report['run']['seconds_per_finding']} s per finding; not deterministic).",
    ]
    lines += _gate_section(report.get("gate"))
    lines += [
        "",
        "## Ingest",
        "",
        "| file | format | results | findings | new | "
        "cross-tool duplicates | ignored | quarantined |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report["ingest"]:
        lines.append(
            f"| {_code(r['file'])} | {r['format']} | {r['results']} | {r['findings']} | {r['new']} "
            f"| {r['cross_tool_duplicates']} | {r['ignored']} | {r['quarantined']} |"
        )
    lines += ["", "## Dataset files", "", "| file | SHA-256 |", "|---|---|"]
    lines += [f"| {_code(x['path'])} | {_code(x['sha256'])} |" for x in d["files"]]
    return "\n".join(lines) + "\n"


def _confusion_row(name: str, c: dict[str, Any]) -> str:
    return (
        f"| {name} | {c['TP']} | {c['FP']} | {c['TN']} | {c['FN']} "
        f"| {_num(c['precision'])} | {_num(c['recall'])} |"
    )


def _test_case_section(report: dict[str, Any]) -> list[str]:
    tc = report["test_cases"]
    if tc is None:
        return []
    published = (report["scanner_baseline"]["published"] or {}).get("union")
    reproduced = {True: "yes", False: "NO", None: "nothing to compare"}[tc["reproduces_published"]]
    lines = [
        "",
        f"## Per test case ({tc['cases']} test cases, {tc['real']} real; "
        f"{tc['mode']} mode, as in scanner-baseline.md)",
        "",
        "| view | TP | FP | TN | FN | precision | recall |",
        "|---|---|---|---|---|---|---|",
    ]
    if published:
        lines.append(
            _confusion_row("raw scanners, published (scanner-baseline.md, union)", published)
        )
    lines += [_confusion_row(VIEWS[name], c) for name, c in tc["views"].items()]
    lines += [
        "",
        f"Our recomputation of the raw scanners reproduces the published numbers: {reproduced}.",
        "",
        "| category | scanners TP/FP | ours filed TP/FP | ours open TP/FP "
        "| FN after triage (open) |",
        "|---|---|---|---|---|",
    ]
    for category, views in tc["per_category"].items():
        s, fi, o = views["scanner"], views["filed"], views["open"]
        lines.append(
            f"| {_code(category)} | {s['TP']}/{s['FP']} | {fi['TP']}/{fi['FP']} "
            f"| {o['TP']}/{o['FP']} | {o['FN']} |"
        )
    return lines


def _severity_section(severity: dict[str, Any] | None) -> list[str]:
    if severity is None:
        return ["", "## Severity", "", "The dataset has no severity labels: not measured."]
    lines = [
        "",
        "## Severity (real vulnerabilities; the label is the lowest severity deserved)",
        "",
        f"- ours: at or above the label {_rate(severity['proposed']['at_or_above'])}, "
        f"exact {_rate(severity['proposed']['exact'])}",
        f"- scanner: at or above the label {_rate(severity['scanner']['at_or_above'])}, "
        f"exact {_rate(severity['scanner']['exact'])}",
    ]
    for which in ("proposed", "scanner"):
        matrix = severity[which]["matrix"]
        columns = list(next(iter(matrix.values())))
        lines += [
            "",
            f"{'Proposed' if which == 'proposed' else 'Scanner'} severity (columns) against the "
            "label (rows):",
            "",
            "| label | " + " | ".join(columns) + " |",
            "|---|" + "---|" * len(columns),
        ]
        lines += [
            f"| {label} | " + " | ".join(str(row[c]) for c in columns) + " |"
            for label, row in matrix.items()
            if any(row.values())
        ]
    return lines


def _gate_section(gate: dict[str, Any] | None) -> list[str]:
    if gate is None:
        return ["", "## Gate", "", "No baseline: nothing compared."]
    lines = [
        "",
        f"## Gate: {'PASS' if gate['ok'] else 'FAIL'} against {_code(gate['baseline'])}",
        "",
        "| metric | baseline | now | allowed | ok |",
        "|---|---|---|---|---|",
    ]
    for row in gate["checks"]:
        lines.append(
            f"| {row['metric']} | {_num(row['baseline'])} | {_num(row['current'])} "
            f"| {row['allowed']} | {'yes' if row['ok'] else '**NO**'} |"
        )
    lines += [f"- {problem}" for problem in gate["problems"]]
    return lines
