"""Dedup across re-scans and tools, and the lifecycle new → open → fixed → reopened."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from sqlmodel import select

from tests.conftest import EXAMPLE_REPORT, Cli
from tests.support.ingesting import ingest
from tests.support.sarif import one_result_log, write_log
from tools.store.database import Database
from tools.store.findings import untriaged_findings
from tools.store.tables import FindingRow

EXAMPLE_FINDINGS = 19


def _example() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(EXAMPLE_REPORT.read_text())
    return document


def _shifted(document: dict[str, Any], lines: int) -> dict[str, Any]:
    shifted = copy.deepcopy(document)
    for result in shifted["runs"][0]["results"]:
        for location in result.get("locations", []):
            for key in ("region", "contextRegion"):
                region = location["physicalLocation"].get(key)
                if region:
                    region["startLine"] += lines
                    if "endLine" in region:
                        region["endLine"] += lines
    return shifted


def _without_results(document: dict[str, Any], *, finished: bool = True) -> dict[str, Any]:
    empty = copy.deepcopy(document)
    empty["runs"][0]["results"] = []
    empty["runs"][0]["invocations"] = [{"executionSuccessful": finished}]
    return empty


def _statuses(database: Database) -> dict[str, int]:
    with database.session() as session:
        counts: dict[str, int] = {}
        for row in session.exec(select(FindingRow)).all():
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts


def test_rescans_and_line_shifts_create_nothing_and_absence_fixes(
    database: Database, tmp_path: Path
) -> None:
    first = ingest(database, EXAMPLE_REPORT)
    assert (first["new"], first["fixed"]) == (EXAMPLE_FINDINGS, 0)
    assert _statuses(database) == {"new": EXAMPLE_FINDINGS}

    again = ingest(database, EXAMPLE_REPORT)
    assert (again["new"], again["duplicates"], again["fixed"]) == (0, EXAMPLE_FINDINGS, 0)
    assert _statuses(database) == {"open": EXAMPLE_FINDINGS}

    shifted = ingest(database, write_log(tmp_path, "shifted.sarif", _shifted(_example(), 10)))
    assert (shifted["new"], shifted["fixed"]) == (0, 0)
    with database.session() as session:
        lines = sorted(row.start_line or 0 for row in session.exec(select(FindingRow)).all())
    assert min(lines) > 10, "a finding seen again moves to its new line"

    clean = ingest(database, write_log(tmp_path, "clean.sarif", _without_results(_example())))
    assert (clean["new"], clean["fixed"]) == (0, EXAMPLE_FINDINGS)
    assert _statuses(database) == {"fixed": EXAMPLE_FINDINGS}
    with database.session() as session:
        assert untriaged_findings(session, None) == []

    back = ingest(database, EXAMPLE_REPORT)
    assert (back["new"], back["reopened"]) == (0, EXAMPLE_FINDINGS)
    assert _statuses(database) == {"reopened": EXAMPLE_FINDINGS}


def test_a_scan_that_did_not_finish_fixes_nothing(database: Database, tmp_path: Path) -> None:
    ingest(database, EXAMPLE_REPORT)
    crashed = _without_results(_example(), finished=False)
    summary = ingest(database, write_log(tmp_path, "crashed.sarif", crashed))
    assert summary["fixed"] == 0
    assert _statuses(database) == {"new": EXAMPLE_FINDINGS}


def test_another_tools_scan_fixes_nothing_of_this_tool(database: Database, tmp_path: Path) -> None:
    ingest(database, EXAMPLE_REPORT)
    other = write_log(tmp_path, "other.sarif", one_result_log(tool="Semgrep", path="app/x.py"))
    assert ingest(database, other)["fixed"] == 0
    assert _statuses(database) == {"new": EXAMPLE_FINDINGS + 1}


def _cwe_log(tool: str, rule: str, cwe: str, line: int = 7) -> dict[str, Any]:
    log = one_result_log(tool=tool, rule_id=rule, path="app/run.py", line=line)
    log["runs"][0]["tool"]["driver"]["rules"][0]["properties"] = {"tags": [f"external/cwe/{cwe}"]}
    return log


def test_two_tools_on_one_line_in_one_cwe_family_are_one_finding(
    database: Database, tmp_path: Path
) -> None:
    ingest(database, write_log(tmp_path, "bandit.sarif", _cwe_log("Bandit", "B602", "cwe-78")))
    summary = ingest(
        database, write_log(tmp_path, "semgrep.sarif", _cwe_log("Semgrep", "shell-true", "cwe-77"))
    )
    assert (summary["new"], summary["cross_tool_duplicates"]) == (1, 1)
    with database.session() as session:
        rows = session.exec(select(FindingRow).order_by(FindingRow.id)).all()  # type: ignore[arg-type]
        assert [r.duplicate_of for r in rows] == [None, rows[0].id]
        assert [r.tool for r in untriaged_findings(session, None)] == ["Bandit"]


def test_different_lines_families_or_the_same_tool_stay_separate(
    database: Database, tmp_path: Path
) -> None:
    logs = {
        "a.sarif": _cwe_log("Bandit", "B602", "cwe-78"),
        "b.sarif": _cwe_log("Semgrep", "shell-true", "cwe-78", line=8),  # another line
        "c.sarif": _cwe_log("CodeQL", "py/sql", "cwe-89"),  # another family
    }
    for name, log in logs.items():
        assert ingest(database, write_log(tmp_path, name, log))["cross_tool_duplicates"] == 0
    two_rules = _cwe_log("Bandit", "B602", "cwe-78")
    second_rule = copy.deepcopy(two_rules["runs"][0]["results"][0])
    second_rule["ruleId"] = "B605"
    two_rules["runs"][0]["tool"]["driver"]["rules"].append(
        {"id": "B605", "properties": {"tags": ["cwe-78"]}}
    )
    two_rules["runs"][0]["results"].append(second_rule)
    summary = ingest(database, write_log(tmp_path, "d.sarif", two_rules), repository="other/repo")
    assert (summary["new"], summary["cross_tool_duplicates"]) == (2, 0)


def test_list_filters_by_status(cli: Cli, tmp_path: Path) -> None:
    assert cli("ingest", str(EXAMPLE_REPORT)).code == 0
    clean = write_log(tmp_path, "clean.sarif", _without_results(_example()))
    assert cli("ingest", str(clean)).code == 0
    other = write_log(tmp_path, "other.sarif", one_result_log(tool="Semgrep"))
    assert cli("ingest", str(other)).code == 0
    fixed = json.loads(cli("findings", "list", "--status", "fixed", "--json").stdout)
    new = json.loads(cli("findings", "list", "--status", "new", "--json").stdout)
    assert len(fixed) == EXAMPLE_FINDINGS and {r["status"] for r in fixed} == {"fixed"}
    assert [r["tool"] for r in new] == ["Semgrep"]
    wrong = cli("findings", "list", "--status", "closed")
    assert wrong.code == 2 and "closed" in wrong.stderr
