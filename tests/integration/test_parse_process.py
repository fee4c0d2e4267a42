"""A parser process reads a big SARIF file while the ingesting process stores it.

What it stores must be exactly what in-process ingest stores; a report it rejects, a parser that
dies and a bug in it must each end the same way as in process, leaving nothing behind.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from agent.parse_process import ROWS_PER_MESSAGE, ParserProcess, ParserProcessFailed
from tests.conftest import EXAMPLE_REPORT, Cli
from tests.support.ingesting import ingest, options
from tests.support.keys import TEST_SECRET_KEY
from tests.support.many_findings import many_results_log
from tests.support.sarif import write_log
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import sarif
from tools.ingest.report import ParseContext, ReportTally
from tools.store.database import Database
from tools.store.tables import FindingRow, ReportRow

IN_PROCESS = options()
_COMPARED = (
    "fingerprint",
    "kind",
    "tool",
    "rule_id",
    "cwe_ids",
    "message",
    "tool_severity",
    "path",
    "start_line",
    "end_line",
    "snippet",
    "details",
    "correlation_key",
    "status",
)


def _varied_log() -> dict[str, Any]:
    """More results than one message holds, with what ingest treats specially mixed in."""
    log = many_results_log(2 * ROWS_PER_MESSAGE + 17)
    results = log["runs"][0]["results"]
    results.append(dict(results[0]))  # an exact duplicate: merged
    results.append({**results[1], "suppressions": [{"kind": "inSource"}]})  # ignored
    escape = json.loads(json.dumps(results[2]))
    escape["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "../etc/passwd"
    results.append(escape)  # quarantined
    results[3]["properties"] = {"tags": ["external/cwe/cwe-89"]}
    log["runs"].append(
        {
            "tool": {"driver": {"name": "gitleaks", "rules": [{"id": "aws-access-key"}]}},
            "results": [
                {
                    "ruleId": "aws-access-key",
                    "message": {"text": "AWS key found"},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": "config/settings.py"},
                                "region": {"startLine": 4, "snippet": {"text": "AKIAFAKEFAKE1234"}},
                            }
                        }
                    ],
                }
            ],
        }
    )
    return log


def _stored(database: Database, repository: str) -> list[tuple[Any, ...]]:
    with database.session() as session:
        rows = session.exec(
            select(FindingRow)
            .where(FindingRow.repository == repository)
            .order_by(col(FindingRow.id))
        ).all()
        return [tuple(getattr(row, name) for name in _COMPARED) for row in rows]


def _options(**changes: Any) -> Any:
    return type(IN_PROCESS)(**{**vars(IN_PROCESS), **changes})


def _shaped(tmp_path: Path, shape: str) -> Path:
    """Logs that read ahead differently: kept, never started, or started and thrown away."""
    if shape == "example":  # one run, tool before results: what was read ahead is kept
        return EXAMPLE_REPORT
    if shape == "varied":  # two runs: read ahead with the first, then read again
        return write_log(tmp_path, "v.sarif", _varied_log())
    log = many_results_log(2 * ROWS_PER_MESSAGE)
    run = log["runs"][0]
    if shape == "results-first":  # Semgrep's key order: nothing to read ahead with
        log["runs"][0] = {"results": run["results"], "tool": run["tool"]}
        return write_log(tmp_path, "r.sarif", log)
    if shape == "pointer-past-head":  # a sarif: pointer the head cannot resolve yet
        run["results"][1]["relatedLocations"] = [
            {"physicalLocation": {"artifactLocation": {"uri": "sarif:/runs/0/invocations/0"}}}
        ]
        log["runs"][0] = {**run, "invocations": [{"executionSuccessful": True}]}
        return write_log(tmp_path, "p.sarif", log)
    # "tool-redefined": a second "tool" key after the results; the last one counts
    text = json.dumps(log)[: -len("}]}")]
    renamed = json.dumps({"driver": {"name": "Other", "rules": [{"id": "R1"}]}})
    path = tmp_path / "t.sarif"
    path.write_text(f'{text}, "tool": {renamed}}}]}}')
    return path


@pytest.mark.parametrize(
    "shape", ["example", "varied", "results-first", "pointer-past-head", "tool-redefined"]
)
def test_a_parser_process_stores_what_in_process_ingest_stores(
    database: Database, tmp_path: Path, shape: str
) -> None:
    path = _shaped(tmp_path, shape)
    here = ingest(database, path, repository="acme/here", options=IN_PROCESS)
    there = ingest(database, path, repository="acme/there", options=_options(parse_process_bytes=1))
    assert here["status"] == "ok", here
    assert {**there, "file": None} == {**here, "file": None}
    stored = _stored(database, "acme/there")
    assert stored == _stored(database, "acme/here") and stored
    if shape == "tool-redefined":
        assert {row[2] for row in stored} == {"Other"}
    if shape == "varied":
        assert here["quarantined"] == 1 and here["ignored"] == 1 and here["duplicates"] == 1
        assert "AKIAFAKEFAKE1234" not in json.dumps(stored, default=str)


def test_a_report_the_parser_rejects_leaves_nothing(database: Database, tmp_path: Path) -> None:
    log = many_results_log(3 * ROWS_PER_MESSAGE)
    log["runs"][0]["results"][-1]["level"] = "catastrophic"  # after batches went to the store
    path = write_log(tmp_path, "bad-late.sarif", log)
    here = ingest(database, path, options=IN_PROCESS)
    there = ingest(database, path, options=_options(parse_process_bytes=1))
    assert there["status"] == "rejected"
    assert there["error"] == here["error"]
    assert "'catastrophic' is not a SARIF level" in there["error"]
    with database.session() as session:
        assert session.exec(select(func.count()).select_from(FindingRow)).one() == 0
        assert session.exec(select(func.count()).select_from(ReportRow)).one() == 0


def _outline(tmp_path: Path) -> tuple[Path, sarif.Outline, ParseContext]:
    context = ParseContext(max_results=10_000, secret_key=TEST_SECRET_KEY)
    path = write_log(tmp_path, "r.sarif", many_results_log(3 * ROWS_PER_MESSAGE))
    return path, sarif.read_outline(path, context), context


def test_a_parser_that_dies_rejects_the_report_with_the_reason(tmp_path: Path) -> None:
    path, outline, context = _outline(tmp_path)
    with ParserProcess() as parser:
        os.kill(parser.pid, signal.SIGKILL)
        with pytest.raises(ReportRejected, match=r"parser process ended .*signal 9"):
            parser.read(path, context, {})
            parser.follow(outline)
            list(parser.batches(ReportTally()))


def test_a_bug_in_the_parser_surfaces_with_its_traceback(tmp_path: Path) -> None:
    path, outline, context = _outline(tmp_path)
    path.unlink()  # not a bad report: the parser cannot even open it
    with ParserProcess() as parser, pytest.raises(ParserProcessFailed, match="FileNotFoundError"):
        parser.read(path, context, {})
        parser.follow(outline)
        list(parser.batches(ReportTally()))


def test_an_ingest_that_stops_early_stops_its_parser(tmp_path: Path) -> None:
    path, outline, context = _outline(tmp_path)
    tally = ReportTally(results=outline.total)
    parser = ParserProcess()
    parser.read(path, context, {})
    parser.follow(outline)
    batches = parser.batches(tally)
    assert next(batches)
    pid = parser.pid
    parser.close()
    with pytest.raises(ProcessLookupError):  # ended and reaped, not left running
        os.kill(pid, 0)
    assert tally.findings == 0  # it never finished


def test_the_cli_ingests_through_a_parser_process(cli: Cli, tmp_path: Path) -> None:
    path = write_log(tmp_path, "v.sarif", _varied_log())
    result = cli(
        "ingest", str(path), "--json", extra_env={"APPSEC_TRIAGE_PARSE_PROCESS_BYTES": "1"}
    )
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["status"] == "ok" and row["new"] == 2 * ROWS_PER_MESSAGE + 17 + 1  # + the secret


def test_no_setting_reaches_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    canary = "ghp_canary0parser0must0never0see0this00000"
    monkeypatch.setenv("APPSEC_TRIAGE_GITHUB_TOKEN", canary)
    monkeypatch.setenv("APPSEC_TRIAGE_DB_URL", "postgresql://user:pw@db/triage")
    with ParserProcess() as parser:
        environ = _environment_of(parser.pid)
    assert b"PYTHONPATH=" in environ  # the parser's environment, read for real
    assert canary.encode() not in environ
    assert b"APPSEC_TRIAGE_" not in environ


def _environment_of(pid: int) -> bytes:
    """/proc's view of a process's environment. Popen returns once exec has begun, and Linux
    shows an empty environment until the new program's stack is built: wait for it."""
    deadline = time.monotonic() + 30
    while not (environ := Path(f"/proc/{pid}/environ").read_bytes()):
        assert time.monotonic() < deadline, "the parser never showed an environment"
        time.sleep(0.01)
    return environ
