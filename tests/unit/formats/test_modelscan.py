"""modelscan JSON, on a report written for this project (tests/fixtures/ai)."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from tests.support.formats import CONTEXT, parse_document, parse_file
from tools.findings.finding import FindingKind, ModelArtifactDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected

REPORT = FIXTURES / "ai" / "modelscan.json"


def _details(finding: object) -> ModelArtifactDetails:
    details = getattr(finding, "details", None)
    assert isinstance(details, ModelArtifactDetails)
    return details


def test_an_archive_member_is_named_and_the_path_is_the_model_file() -> None:
    report = parse_file(REPORT, expect_format="modelscan")
    assert (report.results, len(report.findings), report.quarantined) == (2, 2, ())
    ranker, vocab = report.findings
    assert ranker.kind is FindingKind.MODEL_ARTIFACT
    assert (ranker.tool, ranker.tool_version, ranker.rule_id) == (
        "modelscan",
        "0.8.8",
        "PickleUnsafeOpScan",
    )
    assert ranker.path == "ml/ranker.pt"
    details = _details(ranker)
    assert (details.file, details.member) == ("ml/ranker.pt", "ranker/data.pkl")
    assert details.location == "ml/ranker.pt:ranker/data.pkl"
    assert (details.module, details.operator) == ("posix", "system")
    assert details.frameworks == ("LLM03:2025", "AML.T0010", "AML.T0011.000")
    assert ranker.tool_severity is Severity.CRITICAL
    assert vocab.path == "ml/vocab.pkl"
    assert _details(vocab).member is None
    assert vocab.tool_severity is Severity.HIGH


def test_a_bare_member_path_in_the_scanned_root_is_not_quarantined() -> None:
    document = {
        "summary": {"modelscan_version": "0.8.8", "input_path": "."},
        "issues": [
            {
                "source": "model.pt:archive/data.pkl",
                "module": "posix",
                "operator": "system",
                "severity": "CRITICAL",
                "scanner": "modelscan.scanners.PickleUnsafeOpScan",
            }
        ],
        "errors": [],
    }
    report = parse_document(document, expect_format="modelscan")
    (finding,) = report.findings
    assert finding.path == "model.pt"
    assert _details(finding).location == "model.pt:archive/data.pkl"


def test_the_same_construct_keeps_its_fingerprint_and_errors_make_the_scan_incomplete() -> None:
    document = {
        "summary": {"modelscan_version": "0.8.8", "input_path": "m"},
        "issues": [{"source": "a.pkl", "module": "builtins", "operator": "exec"}],
        "errors": [{"description": "could not read b.pkl"}],
    }
    first = parse_document(document, expect_format="modelscan")
    second = parse_document(document, expect_format="modelscan")
    assert first.findings[0].fingerprint == second.findings[0].fingerprint
    assert first.complete is False
    assert first.findings[0].tool_severity is Severity.MEDIUM  # no severity given


def test_an_issue_without_a_source_is_rejected() -> None:
    document = {"summary": {"modelscan_version": "0.8.8"}, "issues": [{"module": "posix"}]}
    with pytest.raises(ReportRejected, match=r"issues\[0\]"):
        registry.format_named("modelscan").parse(document, CONTEXT)


def test_an_empty_scan_has_no_results() -> None:
    document = {"summary": {"modelscan_version": "0.8.8"}, "issues": [], "errors": []}
    report = parse_document(document, expect_format="modelscan")
    assert (report.results, report.findings, report.complete) == (0, (), True)
