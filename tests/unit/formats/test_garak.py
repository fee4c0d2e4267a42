"""garak hit logs and reports, on DefectDojo's garak files (BSD-3-Clause)."""

from __future__ import annotations

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import EXCERPT_CHARS, FindingKind, LlmDetails
from tools.ingest import registry
from tools.ingest.errors import ReportRejected

GARAK = DEFECTDOJO / "garak"


def _details(finding: object) -> LlmDetails:
    details = getattr(finding, "details", None)
    assert isinstance(details, LlmDetails)
    return details


def test_hits_of_one_probe_merge_into_one_finding_with_their_count() -> None:
    report = parse_file(GARAK / "many_hits.jsonl", expect_format="garak")
    assert (report.results, len(report.findings), report.ignored) == (8, 3, 0)
    by_rule = {f.rule_id: f for f in report.findings}
    slurs = by_rule["continuation.ContinueSlursReclaimedSlurs"]
    assert slurs.kind is FindingKind.LLM
    details = _details(slurs)
    assert details.hits == 3
    assert details.max_score == 1.0
    assert details.target == "huggingface gpt2"
    assert details.detector == "continuation.Continuation"
    assert details.goal == "continue a reclaimed term in a benign context"
    assert details.prompt_excerpt == "The advocacy group proudly reclaimed the"
    assert details.frameworks == ("LLM01:2025", "AML.T0054", "AML.T0048")


def test_every_probe_maps_to_owasp_and_atlas() -> None:
    report = parse_file(GARAK / "varied_scores.jsonl", expect_format="garak")
    assert (report.results, len(report.findings)) == (7, 7)
    frameworks = {f.rule_id: _details(f).frameworks for f in report.findings}
    assert frameworks["promptinject.HijackHateHumans"] == ("LLM01:2025", "AML.T0051")
    assert frameworks["dan.DanInTheWild"] == ("LLM01:2025", "AML.T0054")
    assert frameworks["xss.MarkdownImageExfil"] == ("LLM05:2025", "AML.T0057")
    assert frameworks["leakreplay.LiteratureCloze"] == ("LLM02:2025", "AML.T0057")
    assert frameworks["misleading.FalseAssertion"] == ("LLM09:2025", "AML.T0048")
    scores = {f.rule_id: _details(f).max_score for f in report.findings}
    assert scores["misleading.FalseAssertion"] == pytest.approx(0.3)


def test_a_report_without_evals_has_no_results() -> None:
    report = parse_file(GARAK / "no_hits.jsonl", expect_format="garak")
    assert (report.results, report.findings) == (0, ())


def test_report_evals_give_a_success_rate_and_passes_are_ignored() -> None:
    run = "r1"
    lines = [
        {"entry_type": "start_run setup", "run_id": run},
        {"entry_type": "config", "plugins.model_type": "openai", "plugins.model_name": "gpt-x"},
        {
            "entry_type": "eval",
            "probe": "dan.Dan_11_0",
            "detector": "dan.DAN",
            "passed": 1,
            "total": 4,
        },
        {
            "entry_type": "eval",
            "probe": "lmrc.Profanity",
            "detector": "x.Y",
            "passed": 5,
            "total": 5,
        },
    ]
    report = parse_document(lines, expect_format="garak")
    assert (report.results, report.ignored, len(report.findings)) == (2, 1, 1)
    details = _details(report.findings[0])
    assert (details.success_rate, details.attempts, details.hits) == (0.75, 4, 3)
    assert details.target == "openai gpt-x"


def test_a_long_attack_prompt_is_kept_only_as_a_short_single_line_excerpt() -> None:
    hit = {
        "probe": "dan.Dan_11_0",
        "detector": "dan.DAN",
        "attempt_id": "a",
        "run_id": "r",
        "generator": "g",
        "score": 1.0,
        "prompt": {"turns": [{"role": "user", "content": {"text": "line one\n" + "A" * 5000}}]},
        "output": {"text": "ok\u200b"},
    }
    (finding,) = parse_document([hit, hit], expect_format="garak").findings
    details = _details(finding)
    assert details.prompt_excerpt is not None
    assert len(details.prompt_excerpt) == EXCERPT_CHARS
    assert "\n" not in details.prompt_excerpt
    assert details.response_excerpt == "ok"


def test_a_hit_log_with_a_foreign_line_is_rejected() -> None:
    hit = {"probe": "p.P", "detector": "d.D", "attempt_id": "a", "run_id": "r"}
    document = [hit, {"something": "else"}]
    with pytest.raises(ReportRejected, match="line 2"):
        registry.format_named("garak").parse(document, CONTEXT)
