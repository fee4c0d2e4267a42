"""picklescan's plain-text output, and how the loader hands plain text to the text formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.support.formats import CONTEXT, parse_file
from tools.findings.finding import FindingKind, ModelArtifactDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.loader import load_json
from tools.ingest.plain_text import TextReport
from tools.ingest.report import ParsedReport

REPORT = FIXTURES / "ai" / "picklescan.txt"
SUMMARY = "----------- SCAN SUMMARY -----------"


def _details(finding: object) -> ModelArtifactDetails:
    details = getattr(finding, "details", None)
    assert isinstance(details, ModelArtifactDetails)
    return details


def _text(tmp_path: Path, text: str) -> TextReport:
    path = tmp_path / "picklescan.txt"
    path.write_text(text, encoding="utf-8")
    document, _raw = load_json(path, max_bytes=1_000_000)
    assert isinstance(document, TextReport)
    return document


def _parse(tmp_path: Path, text: str) -> ParsedReport:
    document = _text(tmp_path, text)
    assert registry.detect(document).name == "picklescan"
    return registry.format_named("picklescan").parse(document, CONTEXT)


def _report(*lines: str, dangerous: int, suspicious: str = "") -> str:
    tail = f"Suspicious globals: {suspicious}\n" if suspicious else ""
    return "\n".join(
        [
            *lines,
            SUMMARY,
            "Scanned files: 4",
            "Infected files: 1",
            tail + f"Dangerous globals: {dangerous}",
        ]
    )


def test_the_sample_gives_one_finding_per_line_pointing_at_the_archive_member() -> None:
    report = parse_file(REPORT, expect_format="picklescan")
    assert (report.results, len(report.findings), report.quarantined, report.complete) == (
        3,
        3,
        (),
        True,
    )
    archive, tokenizer, classifier = report.findings
    assert archive.kind is FindingKind.MODEL_ARTIFACT
    assert (archive.tool, archive.rule_id, archive.path) == (
        "picklescan",
        "dangerous-import",
        "models/model.pt",
    )
    details = _details(archive)
    assert (details.file, details.member) == ("models/model.pt", "archive/data.pkl")
    assert details.location == "models/model.pt:archive/data.pkl"
    assert (details.module, details.operator) == ("posix", "system")
    assert details.frameworks == ("LLM03:2025", "AML.T0010", "AML.T0011.000")
    assert archive.tool_severity is Severity.CRITICAL
    assert (tokenizer.path, _details(tokenizer).member, _details(tokenizer).operator) == (
        "models/tokenizer.pkl",
        None,
        "exec",
    )
    assert classifier.path == "models/classifier.pkl"
    assert len({f.fingerprint for f in report.findings}) == 3


def test_the_same_output_keeps_its_fingerprints(tmp_path: Path) -> None:
    text = REPORT.read_text(encoding="utf-8")
    first = _parse(tmp_path, text)
    second = _parse(tmp_path, text.replace("\n", "\r\n") + "\n\n")
    assert [f.fingerprint for f in first.findings] == [f.fingerprint for f in second.findings]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            _report("m.pkl: dangerous import 'posix system' FOUND", "garbage here", dangerous=1),
            r"^line 2: not a picklescan result line",
        ),
        (
            _report("m.pkl: dangerous import 'posix' FOUND", dangerous=1),
            r"^line 1: not a picklescan result line",
        ),
        (
            _report("m.pkl: dangerous import 'posix system' FOUND", dangerous=2),
            r"counts 2 dangerous globals but 1 lines",
        ),
        (
            _report("m.pkl: dangerous import 'posix system' FOUND", dangerous=1) + "\nBonus: 1",
            r"^line 6: not a picklescan summary line",
        ),
        (
            _report(dangerous=0) + "\nm.pkl: dangerous import 'posix system' FOUND",
            r"^line 5: not a picklescan summary line",
        ),
        (
            _report(dangerous=0).replace("Infected files: 1\n", ""),
            r"summary has no 'Infected files'",
        ),
        (
            _report(dangerous=0) + "\nDangerous globals: 0",
            r"^line 5: 'Dangerous globals' is given twice",
        ),
    ],
    ids=[
        "stray-line",
        "one-word-global",
        "count-mismatch",
        "unknown-summary-line",
        "result-after-summary",
        "missing-count",
        "count-twice",
    ],
)
def test_malformed_output_is_rejected_naming_the_line(
    tmp_path: Path, text: str, reason: str
) -> None:
    with pytest.raises(ReportRejected, match=reason):
        _parse(tmp_path, text)


def test_suspicious_globals_errors_and_the_globals_listing(tmp_path: Path) -> None:
    text = _report(
        "a.pkl: suspicious import 'mylib Loader' FOUND",
        "ERROR: parsing pickle in b.pkl: truncated stream",
        "c.pt:c/data.pkl: dangerous import 'builtins eval' FOUND",
        dangerous=1,
        suspicious="1",
    )
    text += "\nAll globals found:\n  * mylib.Loader - suspicious\n  * builtins.eval - dangerous\n"
    report = _parse(tmp_path, text)
    assert report.results == 2
    assert report.complete is False  # b.pkl could not be read: it may hold more
    suspicious, dangerous = report.findings
    assert (suspicious.rule_id, suspicious.tool_severity) == ("suspicious-import", Severity.MEDIUM)
    assert _details(dangerous).location == "c.pt:c/data.pkl"


def test_an_absolute_model_path_is_quarantined_not_stored(tmp_path: Path) -> None:
    report = _parse(
        tmp_path, _report("/srv/m.pkl: dangerous import 'posix system' FOUND", dangerous=1)
    )
    assert (report.results, report.findings, len(report.quarantined)) == (1, (), 1)
    assert report.quarantined[0].where == "line 1"


def test_text_without_the_summary_is_not_detected_and_keeps_the_json_reason(
    tmp_path: Path,
) -> None:
    document = _text(tmp_path, "m.pkl: dangerous import 'posix system' FOUND\n")
    with pytest.raises(
        ReportRejected, match=r"^not valid JSON: .*nor plain text in a known format"
    ):
        registry.detect(document)
    with pytest.raises(ReportRejected, match="SCAN SUMMARY"):
        registry.format_named("picklescan").parse(document, CONTEXT)


def test_a_json_format_given_plain_text_gives_the_json_reason(tmp_path: Path) -> None:
    document = _text(tmp_path, "a,b\n1,2\n")
    with pytest.raises(ReportRejected, match=r"^not valid JSON: .* line 1 column 1"):
        registry.format_named("semgrep").parse(document, CONTEXT)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{ this is not json", "not valid JSON"),
        (b'[{"a": 1}, oops]', "not valid JSON"),
        (b"<report><unclosed></report>", "not valid XML"),
        (b"models/m.pkl\xff: dangerous", "not UTF-8"),
    ],
)
def test_json_xml_and_non_utf8_files_are_never_handed_over_as_text(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "report"
    path.write_bytes(content)
    with pytest.raises(ReportRejected, match=reason):
        load_json(path, max_bytes=1_000)


def test_the_picklescan_parser_refuses_a_json_document() -> None:
    with pytest.raises(ReportRejected, match="plain text"):
        registry.format_named("picklescan").parse({"issues": []}, CONTEXT)
