"""The SARIF SDK validator corpus: every file either ingests or is rejected for the right reason.

The SDK ships one valid and one invalid log per validator rule. Rules that flag structural errors
which would make us record a wrong finding must reject; rules that are style guidance
(SARIF2xxx, most GH/AI rules) must ingest. Two deliberate differences from the SDK's own verdicts:
GH1004_Valid is rejected (its message.id "Default." names no messageString, a defect the SDK's
test harness filters out), and both SARIF2004 files ingest although one rule.toolComponent
reference dangles: we do not read tool extensions, so it cannot mislead us.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.support.keys import TEST_SECRET_KEY
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.loader import load_json
from tools.ingest.report import ParseContext, ParsedReport

CORPUS = FIXTURES / "sarif-sdk" / "validate-command"

REJECTED = {
    "JSON1001.SyntaxError.sarif": "not valid JSON",
    "JSON1002.DeserializationError.sarif": "names no rule",
    "GH1004.ReviewArraysThatExceedConfigurableDefaults_Invalid.sarif": "messageStrings",
    "GH1004.ReviewArraysThatExceedConfigurableDefaults_Valid.sarif": "messageStrings",
    "SARIF1002.UrisMustBeValid_Invalid.sarif": "malformed URI",
    "SARIF1007.RegionPropertiesMustBeConsistent_Invalid.sarif": "is before start",
    "SARIF1009.IndexPropertiesMustBeConsistentWithArrays_Invalid.sarif": "out of range",
    "SARIF1010.RuleIdMustBeConsistent_Invalid.sarif": "names no rule",
    "SARIF1012.MessageArgumentsMustBeConsistentWithRule_Invalid.sarif": "has no argument",
    "SARIF1013.SarifReferencesMustResolve_Invalid.sarif": "does not resolve",
    "SimpleExample.sarif-external-properties.json": "external property file",
}


def _read(path: Path) -> ParsedReport:
    document, _raw = load_json(path, max_bytes=50_000_000)
    return registry.detect(document).parse(
        document, ParseContext(max_results=100_000, secret_key=TEST_SECRET_KEY)
    )


def test_the_corpus_is_complete() -> None:
    names = {p.name for p in CORPUS.iterdir()}
    assert len(names) == 91
    assert set(REJECTED) <= names


@pytest.mark.parametrize("path", sorted(CORPUS.iterdir()), ids=lambda p: p.name)
def test_validator_case(path: Path) -> None:
    if path.name in REJECTED:
        with pytest.raises(ReportRejected, match=REJECTED[path.name]):
            _read(path)
        return
    report = _read(path)
    assert report.format == "sarif"
    assert report.results == (
        len(report.findings) + report.ignored + len(report.quarantined) + _merged(report, path)
    )


def _merged(report: ParsedReport, path: Path) -> int:
    """Exact duplicates merged within the file (known per file, so a change shows up)."""
    return {
        "SARIF2010.ProvideCodeSnippets_Invalid.sarif": 2,
        "SARIF2012.ProvideRuleProperties_WithoutRuleMetadata.sarif": 1,
    }.get(path.name, 0)


def test_a_large_real_report_ingests_with_rules_resolved_by_index() -> None:
    report = _read(FIXTURES / "sarif-sdk" / "fortify-scan.sarif")
    assert report.results == 452
    assert len(report.findings) == 379  # 73 results repeat another's rule, location and code
    assert all(f.path and f.start_line for f in report.findings)
    assert sum("CWE-22" in f.cwe_ids for f in report.findings) > 0
    assert len({f.fingerprint for f in report.findings}) == 379
