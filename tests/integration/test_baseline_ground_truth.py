"""Our lifecycle against the SARIF SDK's own baselining cases (ground truth, MIT).

Each case is an earlier scan (``TEST100N.Baseline.sarif``) and the SDK's verdict on a later scan:
every current result marked ``new``, ``unchanged`` or ``updated``, and every result that went away
kept in the log as ``absent``. We ingest the earlier scan, then the later one, and expect:
``new`` → our status new, ``unchanged``/``updated`` → open, and as many of the earlier findings
fixed as the SDK lists absent ones. The SDK's harness ran the same validator under two host
names ("testhost", "SARIF Functional Testing"); our lifecycle is per tool, so the earlier scan's
driver name is set to the later one's. TEST1001 and TEST1002 are left out: their earlier scan is
not a valid log (result 6 cites message "Note_Default" of rule ADO1003, which defines no
messageStrings), and we reject such logs rather than invent a message.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from tests.conftest import FIXTURES
from tests.support.ingesting import ingest
from tests.support.sarif import write_log
from tools.store.database import Database
from tools.store.tables import FindingRow

CASES = FIXTURES / "sarif-sdk" / "baseline"
EXPECTED = sorted(
    p
    for p in CASES.glob("TEST100?.Validate*.sarif")
    if not p.name.startswith(("TEST1001", "TEST1002"))
)
OUR_STATUS = {"new": "new", "unchanged": "open", "updated": "open"}


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return document


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_lifecycle_matches_the_sdk_baseline_verdicts(
    database: Database, tmp_path: Path, expected_path: Path
) -> None:
    case = expected_path.name.split(".")[0]
    current = _load(expected_path)
    earlier = _load(CASES / f"{case}.Baseline.sarif")
    tool = current["runs"][0]["tool"]["driver"]["name"]
    earlier["runs"][0]["tool"]["driver"]["name"] = tool

    first = ingest(database, write_log(tmp_path, "earlier.sarif", earlier))
    assert first["status"] == "ok", first["error"]
    second = ingest(database, expected_path)
    assert second["status"] == "ok", second["error"]

    verdicts = Counter(r.get("baselineState") for r in current["runs"][0]["results"])
    with database.session() as session:
        ours = Counter(row.status for row in session.exec(select(FindingRow)).all())
    expected_statuses: Counter[str] = Counter()
    for state, count in verdicts.items():
        if state in OUR_STATUS:
            expected_statuses[OUR_STATUS[state]] += count
    # We merge results that are byte-for-byte the same finding (rule, message, location) within one
    # report; the SDK counts each copy. TEST1003-1007 each carry one such pair.
    assert ours["new"] == expected_statuses["new"] - _exact_copies(current), (case, verdicts, ours)
    assert ours["open"] == expected_statuses["open"], (case, verdicts, ours)
    assert second["fixed"] == ours["fixed"] == verdicts["absent"]
    assert second["ignored"] == verdicts["absent"], "absent results are history, not findings"


def _exact_copies(log: dict[str, Any]) -> int:
    seen: Counter[str] = Counter(
        json.dumps([r.get("ruleId"), r.get("message"), r.get("locations")], sort_keys=True)
        for r in log["runs"][0]["results"]
        if r.get("baselineState") != "absent"
    )
    return sum(count - 1 for count in seen.values())


CODEQL = FIXTURES / "codeql-action"


def test_github_line_hashes_identify_findings_across_a_line_shift(
    database: Database, tmp_path: Path
) -> None:
    """codeql-action's expected upload: the line hash, not the line, is the identity."""
    expected = _load(CODEQL / "fingerprinting.expected.sarif")
    first = ingest(database, CODEQL / "fingerprinting.expected.sarif")
    assert (first["status"], first["new"]) == ("ok", 2)
    for result in expected["runs"][0]["results"]:
        result["locations"][0]["physicalLocation"]["region"]["startLine"] += 10
    shifted = ingest(database, write_log(tmp_path, "shifted.sarif", expected))
    assert (shifted["new"], shifted["fixed"]) == (0, 0)
    # The same results uploaded without hashes fall back to their messages: new identities.
    bare = ingest(database, CODEQL / "fingerprinting.input.sarif")
    assert (bare["new"], bare["fixed"]) == (2, 2)
