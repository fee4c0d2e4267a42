"""Streaming SARIF (two passes, flat memory) reads exactly what the in-memory parser reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.support.keys import TEST_SECRET_KEY
from tests.support.sarif import one_result_log, write_log
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import sarif
from tools.ingest.loader import load_json
from tools.ingest.report import ParseContext, ParsedReport

CONTEXT = ParseContext(max_results=100_000, secret_key=TEST_SECRET_KEY)
LOGS = sorted(
    [
        *(FIXTURES / "sarif-sdk" / "validate-command").glob("*.sarif"),
        FIXTURES / "sarif-sdk" / "fortify-scan.sarif",
    ]
)


def _in_memory_or_reason(path: Path) -> ParsedReport | str:
    try:
        document, _raw = load_json(path, max_bytes=50_000_000)
        return sarif.parse(document, CONTEXT)
    except ReportRejected as exc:
        return exc.reason


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_streaming_and_in_memory_agree_on_every_corpus_log(path: Path) -> None:
    expected = _in_memory_or_reason(path)
    try:
        stream = sarif.stream_file(path, CONTEXT)
        findings = tuple(stream.findings)
    except ReportRejected as exc:
        assert isinstance(expected, str), f"streaming rejected what memory accepts: {exc.reason}"
        return
    assert not isinstance(expected, str), f"streaming accepted what memory rejects: {expected}"
    assert findings == expected.findings
    tally = stream.tally
    assert (tally.results, tally.ignored, tally.quarantined) == (
        expected.results,
        expected.ignored,
        expected.quarantined_count,
    )
    assert (stream.tools, stream.complete, stream.repository) == (
        expected.tools,
        expected.complete,
        expected.repository,
    )


def test_results_belong_to_their_own_run(tmp_path: Path) -> None:
    first = one_result_log(tool="Bandit", rule_id="B602", path="a.py")
    second = one_result_log(tool="Semgrep", rule_id="shell", path="b.py")
    empty = {"tool": {"driver": {"name": "Empty"}}, "results": []}
    log = {
        "version": "2.1.0",
        "runs": [first["runs"][0], empty, second["runs"][0], second["runs"][0]],
    }
    stream = sarif.stream_file(write_log(tmp_path, "runs.sarif", log), CONTEXT)
    findings = list(stream.findings)
    assert [(f.tool, f.rule_id, f.path) for f in findings] == [
        ("Bandit", "B602", "a.py"),
        ("Semgrep", "shell", "b.py"),
    ]
    assert (stream.tally.results, stream.tally.merged) == (3, 1)


def test_the_result_cap_is_checked_before_any_result_is_read(tmp_path: Path) -> None:
    log = one_result_log()
    log["runs"][0]["results"] *= 3
    log["runs"][0]["results"].append({"kind": "not-a-kind"})  # would reject if it were read
    path = write_log(tmp_path, "big.sarif", log)
    with pytest.raises(ReportRejected, match="4 results, over the limit of 3"):
        sarif.stream_file(path, ParseContext(max_results=3, secret_key=TEST_SECRET_KEY))


def test_parser_errors_never_quote_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.sarif"
    path.write_bytes(b'{"version": "2.1.0", "runs": [{"token": "s3cr3t-value\xff"}]}')
    with pytest.raises(ReportRejected) as raised:
        sarif.stream_file(path, CONTEXT)
    assert raised.value.reason.startswith("not valid JSON")
    assert "s3cr3t" not in raised.value.reason
    assert json.dumps(raised.value.reason)  # one printable line
    assert "\n" not in raised.value.reason


def test_a_key_that_spells_the_results_path_is_refused_not_read_as_results(
    tmp_path: Path,
) -> None:
    # ijson's dotted prefixes made this key look like a run's results (a crash, before).
    log = one_result_log()
    log["runs.item.results"] = [{"kind": "not-a-kind"}]
    with pytest.raises(ReportRejected, match=r"'runs\.item\.results' spells the path"):
        sarif.stream_file(write_log(tmp_path, "dotted.sarif", log), CONTEXT)


def test_other_keys_with_dots_are_ordinary_keys(tmp_path: Path) -> None:
    log = one_result_log()
    log["runs"][0]["properties"] = {"problem.severity": "error", "runs.item": 1}
    stream = sarif.stream_file(write_log(tmp_path, "dots.sarif", log), CONTEXT)
    assert [f.rule_id for f in stream.findings] == ["R1"]


def test_the_head_gives_an_outline_when_the_tool_comes_before_the_results(
    tmp_path: Path,
) -> None:
    log = one_result_log(tool="Bandit")
    log["runs"][0]["invocations"] = [{"executionSuccessful": False}]  # after the results
    path = write_log(tmp_path, "head.sarif", log)
    head = sarif.read_head(path, CONTEXT)
    assert head is not None and [run.tool for run in head.runs] == ["Bandit"]
    whole = sarif.read_outline(path, CONTEXT)
    assert head.reads_like(whole)
    assert head.header().complete and not whole.header().complete  # the head saw too little


def test_no_head_outline_when_the_results_come_first(tmp_path: Path) -> None:
    log = one_result_log()
    run = log["runs"][0]
    log["runs"][0] = {"results": run["results"], "tool": run["tool"]}
    assert sarif.read_head(write_log(tmp_path, "late-tool.sarif", log), CONTEXT) is None


def test_a_head_does_not_read_like_a_log_with_more_runs(tmp_path: Path) -> None:
    log = one_result_log()
    log["runs"].append(one_result_log(tool="Other")["runs"][0])
    path = write_log(tmp_path, "two.sarif", log)
    head = sarif.read_head(path, CONTEXT)
    assert head is not None
    assert not head.reads_like(sarif.read_outline(path, CONTEXT))
