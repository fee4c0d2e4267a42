"""promptfoo eval and red-team results (``promptfoo eval -o out.json``) → LLM findings.

Each entry of ``results.results`` is one test case run against one provider: a result. A passing
case is ignored; a failing one (``success: false``) is a finding. Cases of one red-team plugin
(``metadata.pluginId``) against one provider share an identity and merge into one finding, whose
success rate is the share of that plugin's cases the attack won. A case with no plugin is a plain
eval assertion; it is keyed by its assertion's reason instead.

promptfoo's red-team plugins carry a severity (``metadata.severity``); plain evals do not and
read as "medium".
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tools.findings.finding import FindingKind, LlmDetails
from tools.findings.severity import Severity, from_word
from tools.ingest.draft import Draft, build_report
from tools.ingest.formats._ai import excerpt, frameworks, short
from tools.ingest.json_access import obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "promptfoo"
TOOL = "promptfoo"


def looks_like(document: Any) -> bool:
    if not isinstance(document, dict) or "evalId" not in document:
        return False
    results = document.get("results")
    return (
        isinstance(results, dict)
        and isinstance(results.get("results"), list)
        and isinstance(results.get("stats"), dict)
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = obj(document, "report")
    body = obj(report.get("results"), "results")
    entries = opt_arr(body, "results", "results")
    cases = [obj(raw, f"results.results[{i}]") for i, raw in enumerate(entries)]
    keys = [_key(case, f"results.results[{i}]") for i, case in enumerate(cases)]
    totals = Counter(keys)
    failures = Counter(k for k, case in zip(keys, cases, strict=True) if not _passed(case))
    failed = [i for i, case in enumerate(cases) if not _passed(case)]
    version = (
        report.get("metadata", {}).get("promptfooVersion")
        if isinstance(report.get("metadata"), dict)
        else None
    )
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(cases),
        ignored=len(cases) - len(failed),
        drafts=(
            _draft(
                cases[i],
                f"results.results[{i}]",
                keys[i],
                failures[keys[i]],
                totals[keys[i]],
                version if isinstance(version, str) else None,
            )
            for i in failed
        ),
        context=context,
    )


def _passed(case: dict[str, Any]) -> bool:
    return case.get("success") is True


def _metadata(case: dict[str, Any], where: str) -> dict[str, Any]:
    test_case = opt_obj(case, "testCase", where) or {}
    return opt_obj(case, "metadata", where) or opt_obj(test_case, "metadata", where) or {}


def _provider(case: dict[str, Any], where: str) -> str:
    provider = case.get("provider")
    if isinstance(provider, dict):
        return opt_str(provider, "label", where) or opt_str(provider, "id", where) or ""
    return provider if isinstance(provider, str) else ""


def _reason(case: dict[str, Any], where: str) -> str:
    grading = opt_obj(case, "gradingResult", where) or {}
    return opt_str(grading, "reason", where) or opt_str(case, "error", where) or "assertion failed"


def _key(case: dict[str, Any], where: str) -> tuple[str, str]:
    plugin = _metadata(case, where).get("pluginId")
    rule = plugin if isinstance(plugin, str) and plugin else "eval-assertion"
    return rule, _provider(case, where)


def _draft(
    case: dict[str, Any],
    where: str,
    key: tuple[str, str],
    failures: int,
    total: int,
    version: str | None,
) -> Draft:
    plugin, provider = key
    metadata = _metadata(case, where)
    prompt = opt_obj(case, "prompt", where) or {}
    response = opt_obj(case, "response", where) or {}
    output = response.get("output")
    goal = metadata.get("goal")
    reason = _reason(case, where)
    details = LlmDetails(
        probe=plugin[:500],
        goal=short(goal) if isinstance(goal, str) else None,
        target=short(provider),
        attempts=total,
        hits=failures,
        success_rate=failures / total if total else None,
        prompt_excerpt=excerpt(opt_str(prompt, "raw", where)),
        response_excerpt=excerpt(output if isinstance(output, str) else None),
        frameworks=frameworks(TOOL, plugin),
    )
    category = metadata.get("harmCategory")
    word = metadata.get("severity")
    if plugin == "eval-assertion":
        # A plain eval has no plugin: the failed assertion is what identifies it.
        identity = f"assertion|{provider}|{reason}"
        message = f"promptfoo assertion failed against {provider or 'the provider'}: {reason}"
    else:
        identity = f"{plugin}|{provider}"
        message = (
            f"promptfoo red-team plugin {plugin} succeeded in {failures} of {total} cases "
            f"against {provider or 'the provider'}: {goal if isinstance(goal, str) else reason}"
        )
    return Draft(
        tool=TOOL,
        tool_version=version,
        rule_id=plugin,
        rule_name=category if isinstance(category, str) else None,
        message=message,
        severity=(from_word(word) if isinstance(word, str) else None) or Severity.MEDIUM,
        where=where,
        kind=FindingKind.LLM,
        identity=identity,
        details=details,
    )
