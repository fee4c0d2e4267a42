"""garak (NVIDIA's LLM vulnerability scanner) JSON Lines → LLM findings.

garak writes two JSON Lines files per run, and both are read here:

- the hit log (``*.hitlog.jsonl``): one line per attempt a detector judged a hit, with the probe,
  the detector, the detector's score, the prompt and the model's output. Every line is a result;
  the hits of one probe/detector against one model share an identity, so they merge into one
  finding that carries their count and highest score.
- the report (``*.report.jsonl``): lines with an ``entry_type``. Its ``eval`` lines summarise
  each probe/detector pair (``passed`` of ``total``); each is a result, and one with failures is a
  finding whose success rate is ``(total - passed) / total``. ``attempt`` lines repeat what the
  evals summarise and are not counted; setup, config and completion lines are not results.

garak rates nothing: every finding is "medium" from the scanner, and the risk rules
(agent/ai_rules.py) set the severity from the success rate and what the application can do.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from tools.findings.finding import FindingKind, LlmDetails
from tools.findings.severity import Severity
from tools.ingest.draft import Draft, build_report
from tools.ingest.errors import ReportRejected
from tools.ingest.formats._ai import excerpt, frameworks, short
from tools.ingest.json_access import opt_int, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "garak"
TOOL = "garak"
_HIT_KEYS = frozenset({"probe", "detector", "attempt_id", "run_id"})


def _lines(document: Any) -> list[Any] | None:
    # One line of JSON Lines loads as a single object.
    if isinstance(document, dict):
        return [document]
    return document if isinstance(document, list) else None


def _is_hit(line: Any) -> bool:
    return isinstance(line, dict) and line.keys() >= _HIT_KEYS and "entry_type" not in line


def looks_like(document: Any) -> bool:
    lines = _lines(document)
    if not lines:
        return False
    first = lines[0]
    # A report starts with its run's setup line; a hit log's lines all name probe and detector.
    return _is_hit(first) or (
        isinstance(first, dict) and first.get("entry_type") == "start_run setup"
    )


@dataclass
class _Group:
    hits: int = 0
    max_score: float | None = None


def parse(document: Any, context: ParseContext) -> ParsedReport:
    lines = _lines(document)
    if lines is None:
        raise ReportRejected("report: expected JSON Lines")
    if lines and _is_hit(lines[0]):
        return _hitlog(lines, context)
    return _report(lines, context)


def _hitlog(lines: list[Any], context: ParseContext) -> ParsedReport:
    for i, line in enumerate(lines):
        if not _is_hit(line):
            raise ReportRejected(f"line {i + 1}: not a garak hit (probe, detector, attempt_id)")
    groups: dict[tuple[str, str, str], _Group] = defaultdict(_Group)
    for i, line in enumerate(lines):
        group = groups[_key(line, f"line {i + 1}")]
        group.hits += 1
        score = _score(line.get("score"))
        if score is not None and (group.max_score is None or score > group.max_score):
            group.max_score = score
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(lines),
        drafts=(_hit_draft(line, f"line {i + 1}", groups) for i, line in enumerate(lines)),
        context=context,
    )


def _key(line: dict[str, Any], where: str) -> tuple[str, str, str]:
    probe = opt_str(line, "probe", where)
    if not probe:
        raise ReportRejected(f"{where}: the required 'probe' property is missing")
    return probe, opt_str(line, "detector", where) or "", opt_str(line, "generator", where) or ""


def _score(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    return None


def _hit_draft(
    line: dict[str, Any], where: str, groups: dict[tuple[str, str, str], _Group]
) -> Draft:
    probe, detector, target = key = _key(line, where)
    group = groups[key]
    prompt = opt_obj(line, "prompt", where) or {}
    output = opt_obj(line, "output", where) or {}
    details = LlmDetails(
        probe=probe[:500],
        detector=short(detector),
        goal=short(opt_str(line, "goal", where)),
        target=short(target),
        hits=group.hits,
        max_score=group.max_score,
        prompt_excerpt=excerpt(_prompt_text(prompt)),
        response_excerpt=excerpt(
            output.get("text") if isinstance(output.get("text"), str) else None
        ),
        frameworks=frameworks(TOOL, probe),
    )
    goal = details.goal or "make the model misbehave"
    return Draft(
        tool=TOOL,
        rule_id=probe,
        rule_name=detector or None,
        message=f"garak probe {probe} succeeded against {target or 'the model'} "
        f"({group.hits} hit(s)): {goal}",
        severity=Severity.MEDIUM,  # garak rates nothing; see the module docstring
        where=where,
        kind=FindingKind.LLM,
        # Hits of one probe and detector against one model are one weakness, whatever the prompt.
        identity=f"{probe}|{detector}|{target}",
        details=details,
    )


def _prompt_text(prompt: dict[str, Any]) -> str | None:
    """The last user turn of garak's conversation object (older versions store a string)."""
    turns = prompt.get("turns")
    if isinstance(turns, list):
        for turn in reversed(turns):
            content = turn.get("content") if isinstance(turn, dict) else None
            text = content.get("text") if isinstance(content, dict) else None
            if isinstance(text, str):
                return text
    return None


def _report(lines: list[Any], context: ParseContext) -> ParsedReport:
    evals: list[tuple[int, dict[str, Any]]] = []
    target = ""
    for i, line in enumerate(lines):
        if not isinstance(line, dict) or not isinstance(line.get("entry_type"), str):
            raise ReportRejected(f"line {i + 1}: a garak report line needs an 'entry_type'")
        if line["entry_type"] == "eval":
            evals.append((i, line))
        elif line["entry_type"] == "config":
            kind = line.get("plugins.model_type") or line.get("plugins.target_type")
            name = line.get("plugins.model_name") or line.get("plugins.target_name")
            target = " ".join(str(v) for v in (kind, name) if isinstance(v, str))
    failed = [(i, line) for i, line in evals if _failures(line, f"line {i + 1}")[0] > 0]
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(evals),
        # A probe every attempt of which the model resisted is a pass, not a finding.
        ignored=len(evals) - len(failed),
        drafts=(_eval_draft(line, f"line {i + 1}", target) for i, line in failed),
        context=context,
    )


def _failures(line: dict[str, Any], where: str) -> tuple[int, int]:
    total = opt_int(line, "total", where, minimum=0) or 0
    passed = opt_int(line, "passed", where, minimum=0) or 0
    return max(total - passed, 0), total


def _eval_draft(line: dict[str, Any], where: str, target: str) -> Draft:
    probe, detector, _ = _key(line, where)
    fails, total = _failures(line, where)
    rate = fails / total if total else None
    details = LlmDetails(
        probe=probe[:500],
        detector=short(detector),
        target=short(target),
        attempts=total,
        hits=fails,
        success_rate=rate,
        frameworks=frameworks(TOOL, probe),
    )
    return Draft(
        tool=TOOL,
        rule_id=probe,
        rule_name=detector or None,
        message=f"garak probe {probe} succeeded in {fails} of {total} attempts against "
        f"{target or 'the model'}",
        severity=Severity.MEDIUM,
        where=where,
        kind=FindingKind.LLM,
        identity=f"{probe}|{detector}|{target}",
        details=details,
    )
