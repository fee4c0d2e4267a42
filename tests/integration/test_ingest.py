"""Ingest into the real store: dedup within and across runs, and rejection that leaves nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from tests.conftest import EXAMPLE_REPO, EXAMPLE_REPORT, REPO, Cli
from tests.support.ingesting import ingest, options
from tests.support.sarif import one_result_log, write_log
from tools.store.database import Database
from tools.store.rows import BATCH_SIZE
from tools.store.tables import FindingRow, OccurrenceRow, ReportRow


def _ingest(database: Database, path: Path, **overrides: object) -> dict[str, object]:
    return ingest(database, path, **{"repo_root": EXAMPLE_REPO, **overrides})


def _count(database: Database, table: type) -> int:
    with database.session() as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_reingesting_a_report_finds_only_duplicates(database: Database) -> None:
    first = _ingest(database, EXAMPLE_REPORT)
    again = _ingest(database, EXAMPLE_REPORT)
    assert first == {
        **first,
        "status": "ok",
        "format": "sarif",
        "results": 19,
        "findings": 19,
        "new": 19,
        "duplicates": 0,
        "error": None,
    }
    assert again["new"] == 0 and again["duplicates"] == 19
    assert _count(database, FindingRow) == 19
    assert _count(database, OccurrenceRow) == 38
    assert _count(database, ReportRow) == 2


def test_a_line_shift_in_a_rescan_is_the_same_finding(database: Database, tmp_path: Path) -> None:
    _ingest(database, EXAMPLE_REPORT)
    log = json.loads(EXAMPLE_REPORT.read_text())
    for result in log["runs"][0]["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        region["startLine"] += 7
        region["endLine"] = region.get("endLine", region["startLine"] - 7) + 7
    shifted = tmp_path / "shifted.sarif"
    shifted.write_text(json.dumps(log))
    summary = _ingest(database, shifted)
    assert summary["new"] == 0 and summary["duplicates"] == 19
    with database.session() as session:
        lines = [row.start_line or 0 for row in session.exec(select(FindingRow))]
    assert min(lines) > 7  # the stored location follows the latest scan


def test_the_same_report_for_another_repository_is_new(database: Database) -> None:
    _ingest(database, EXAMPLE_REPORT)
    other = _ingest(database, EXAMPLE_REPORT, repository="example/other")
    assert other["new"] == 19


def test_a_rejected_file_leaves_nothing_behind(database: Database, tmp_path: Path) -> None:
    log = json.loads(EXAMPLE_REPORT.read_text())
    log["runs"][0]["results"][-1]["locations"][0]["physicalLocation"]["region"]["endLine"] = 1
    broken = tmp_path / "broken.sarif"
    broken.write_text(json.dumps(log))
    summary = _ingest(database, broken)
    assert summary["status"] == "rejected"
    assert "endLine 1 is before startLine" in str(summary["error"])
    assert (_count(database, FindingRow), _count(database, ReportRow)) == (0, 0)


def test_a_bad_result_after_stored_batches_still_leaves_nothing(
    database: Database, tmp_path: Path
) -> None:
    log = one_result_log()
    template = log["runs"][0]["results"][0]
    results = [
        template | {"message": {"text": f"call number {i}"}} for i in range(BATCH_SIZE * 2 + 1)
    ]
    results.append(template | {"kind": "not-a-kind"})  # read after two batches were written
    log["runs"][0]["results"] = results
    late = write_log(tmp_path, "late.sarif", log)
    summary = _ingest(database, late, options=options(max_results=len(results)))
    assert summary["status"] == "rejected"
    assert f"results[{len(results) - 1}].kind" in str(summary["error"])
    counts = [_count(database, table) for table in (FindingRow, OccurrenceRow, ReportRow)]
    assert counts == [0, 0, 0]


def test_runs_whose_tools_differ_only_in_case_merge_instead_of_colliding(
    database: Database, tmp_path: Path
) -> None:
    # The fingerprint hashes the tool's name in lower case: the same result from "Scanner" and
    # "SCANNER" is one finding, not two rows with one fingerprint (an integrity error before).
    log = one_result_log(tool="Scanner")
    shouted = json.loads(json.dumps(log["runs"][0]))
    shouted["tool"]["driver"]["name"] = "SCANNER"
    log["runs"].append(shouted)
    summary = _ingest(database, write_log(tmp_path, "two-runs.sarif", log))
    assert summary["status"] == "ok", summary
    assert (summary["results"], summary["new"], summary["duplicates"]) == (2, 1, 1)
    assert _count(database, FindingRow) == 1


def test_size_limit_rejects_before_reading(database: Database) -> None:
    summary = _ingest(database, EXAMPLE_REPORT, options=options(max_bytes=1000))
    assert summary["status"] == "rejected"
    assert "over the limit of 1000" in str(summary["error"])


def test_cli_batch_goes_on_after_bad_files_and_exits_2(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "notjson.sarif").write_text("{ this is not json")
    (tmp_path / "v1.sarif").write_text(json.dumps({"version": "1.0.0", "runs": []}))
    (tmp_path / "csv.txt").write_text("a,b\n1,2\n")
    files = ["notjson.sarif", str(EXAMPLE_REPORT), "v1.sarif", "missing.sarif", "csv.txt"]
    result = cli("ingest", *files, "--repo-root", str(EXAMPLE_REPO), "--json")
    assert result.code == 2, result.stderr
    rows = json.loads(result.stdout)
    assert [row["status"] for row in rows] == ["rejected", "ok", "rejected", "rejected", "rejected"]
    assert set(rows[0]) == {
        "file",
        "format",
        "results",
        "findings",
        "new",
        "duplicates",
        "ignored",
        "quarantined",
        "quarantine_reasons",
        "reopened",
        "fixed",
        "cross_tool_duplicates",
        "status",
        "error",
    }
    assert rows[0]["error"].startswith("not valid JSON")
    assert "version '1.0.0' is not supported" in rows[2]["error"]
    assert "cannot read the file" in rows[3]["error"]
    assert "not valid JSON" in rows[4]["error"]
    assert rows[1]["new"] == 19
    for name in ("notjson.sarif", "v1.sarif", "missing.sarif", "csv.txt"):
        assert f"rejected {name}:" in result.stderr.replace(str(tmp_path) + "/", "")
    listing = cli("findings", "list", "--json")
    assert listing.code == 0
    findings = json.loads(listing.stdout)
    assert len(findings) == 19
    assert set(findings[0]) == {
        "id",
        "fingerprint",
        "tool",
        "rule_id",
        "cwe",
        "path",
        "start_line",
        "end_line",
        "tool_severity",
        "kind",
        "status",
        "duplicate_of",
        "frameworks",
    }
    shown = cli("findings", "show", str(findings[0]["id"]), "--json")
    assert json.loads(shown.stdout)["fingerprint"] == findings[0]["fingerprint"]
    assert cli("findings", "show", "9999").code == 2


def test_an_undecodable_file_name_is_stored_as_valid_text(cli: Cli, tmp_path: Path) -> None:
    odd = tmp_path / "report-\udcff.sarif"  # the OS hands Python b"\xff" as a surrogate escape
    odd.write_bytes(EXAMPLE_REPORT.read_bytes())
    result = cli("ingest", str(odd), "--json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["status"] == "ok" and row["file"].endswith("report-\ufffd.sarif")


def test_findings_show_includes_the_code_context(cli: Cli) -> None:
    assert cli("ingest", str(EXAMPLE_REPORT), "--repo-root", str(EXAMPLE_REPO)).code == 0
    rows = json.loads(cli("findings", "list", "--json").stdout)
    sqli = next(r for r in rows if r["rule_id"] == "B608")
    shown = json.loads(cli("findings", "show", str(sqli["id"]), "--json").stdout)
    context = shown["context"]
    assert context["source"] == "repository" and context["language"] == "python"
    assert context["enclosing"] == "search_notes" and context["file_role"] == "production"
    assert context["owners"] == ["@example-org/notes-team"]
    assert context["owners_source"] == ".github/CODEOWNERS"
    assert "cur.execute(query)" in context["snippet"]
    where = f"local:{EXAMPLE_REPO.resolve()}"
    assert (shown["repo_source"], context["read_from"]) == (where, where)


def test_findings_show_states_every_risk_factor_with_its_source(cli: Cli) -> None:
    business = {"APPSEC_TRIAGE_BUSINESS_CONTEXT": str(REPO / "config" / "business.example.toml")}
    assert (
        cli(
            "ingest",
            str(EXAMPLE_REPORT),
            "--repo-root",
            str(EXAMPLE_REPO),
            "--repository",
            "example/notesvc",
        ).code
        == 0
    )
    rows = json.loads(cli("findings", "list", "--json").stdout)

    def assessment(rule: str, path_prefix: str) -> dict[str, Any]:
        row = next(r for r in rows if r["rule_id"] == rule and r["path"].startswith(path_prefix))
        shown = cli("findings", "show", str(row["id"]), "--json", extra_env=business)
        assert shown.code == 0, shown.stderr
        result: dict[str, Any] = json.loads(shown.stdout)["assessment"]
        return result

    production = assessment("B105", "app/")
    in_tests = assessment("B105", "tests/")
    assert production["risk"]["priority"] < in_tests["risk"]["priority"]  # "P2" sorts before "P4"
    exposure = {f["name"]: f for f in production["risk"]["factors"]}["exposure"]
    assert exposure == {
        "name": "exposure",
        "value": "internet",
        "source": "business context entry 1 (example/notesvc)",
    }
    assert {f["name"]: f for f in in_tests["risk"]["factors"]}["exposure"]["value"] == "none"


def test_an_sca_finding_shows_how_its_package_is_used(cli: Cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "requirements.txt").write_text("requests==2.19.0\n")
    (repo / "requirements-dev.txt").write_text("pytest==8.0.0\n")
    (repo / "app" / "client.py").write_text("import requests\n")
    report = {
        "results": [
            {
                "source": {"path": "requirements.txt", "type": "lockfile"},
                "packages": [
                    {
                        "package": {"name": "requests", "version": "2.19.0", "ecosystem": "PyPI"},
                        "vulnerabilities": [
                            {
                                "id": "GHSA-x84v-xcm2-53pg",
                                "aliases": ["CVE-2018-18074"],
                                "summary": "Insufficiently Protected Credentials in Requests",
                            }
                        ],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "osv.json"
    path.write_text(json.dumps(report))
    assert cli("ingest", str(path), "--repo-root", str(repo), "--repository", "acme/app").code == 0
    shown = json.loads(cli("findings", "show", "1", "--json").stdout)
    assert shown["kind"] == "sca"
    assert shown["details"]["package"] == "requests"
    dependency = shown["context"]["dependency"]
    assert (dependency["manifest"], dependency["direct"], dependency["scope"]) == (
        "requirements.txt",
        True,
        "runtime",
    )
    assert (dependency["imported"], dependency["import_sites"]) == (True, ["app/client.py:1"])
    assert {source["field"] for source in dependency["sources"]} >= {"direct", "imported"}
