"""Root-cause keys: the same rule on the same code, or the same advisory in the same package."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.grouping import flagged_code, root_cause_key
from tools.store.tables import FindingRow

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CODE = "    query = 'SELECT %s' % name\n    cur.execute(query)\n"


def _row(**fields: Any) -> FindingRow:
    values: dict[str, Any] = {
        "repository": "o/r",
        "fingerprint": "f",
        "kind": "sast",
        "tool": "Semgrep",
        "rule_id": "py.sqli",
        "message": "m",
        "tool_severity": "medium",
        "path": "app/db.py",
        "start_line": 5,
        "end_line": 6,
        "first_seen": NOW,
        "last_seen": NOW,
    }
    return FindingRow(**(values | fields))


def test_the_same_rule_on_the_same_code_shares_a_key() -> None:
    key = root_cause_key(_row(), CODE)
    assert key is not None and key.startswith("root:code:") and len(key) <= 300
    assert (
        root_cause_key(
            _row(path="lib/copy.py", fingerprint="g"),
            "query = 'SELECT %s' % name\n\ncur.execute(query)",
        )
        == key
    )


def test_anything_that_could_change_the_proposal_changes_the_key() -> None:
    key = root_cause_key(_row(), CODE)
    for change in (
        {"repository": "o/other"},
        {"rule_id": "py.other"},
        {"tool": "Bandit"},
        {"tool_severity": "high"},
        {"path": "tests/test_db.py"},  # a different file role
    ):
        assert root_cause_key(_row(**change), CODE) != key
    assert root_cause_key(_row(), CODE.replace("query)", "q)")) != key


def test_findings_that_stand_alone_get_no_key() -> None:
    assert root_cause_key(_row(), None) is None
    assert root_cause_key(_row(), "  \n ") is None
    assert root_cause_key(_row(path=None), CODE) is None
    for kind in ("secret", "dast", "llm", "model_artifact"):
        assert root_cause_key(_row(kind=kind), CODE) is None


def test_the_same_advisory_in_the_same_package_shares_a_key() -> None:
    details = {"package": "django", "ecosystem": "PyPI", "advisory_ids": ["CVE-2024-1", "GHSA-x"]}
    key = root_cause_key(_row(kind="sca", path="requirements.txt", details=details), None)
    other_manifest = root_cause_key(
        _row(kind="sca", path="backend/requirements.txt", details=details), None
    )
    assert key is not None and key == other_manifest
    other_package = details | {"package": "flask"}
    assert (
        root_cause_key(_row(kind="sca", path="requirements.txt", details=other_package), None)
        != key
    )
    assert root_cause_key(_row(kind="sca", details={"package": "django"}), None) is None


def test_flagged_code_comes_from_the_report_or_a_local_checkout(tmp_path: Path) -> None:
    assert flagged_code(_row(snippet="x = 1"), max_file_bytes=1000) == "x = 1"
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "db.py").write_text("a\nb\nc\nd\n" + CODE)
    local = _row(repo_source=f"local:{tmp_path}")
    assert flagged_code(local, max_file_bytes=10_000) == CODE.rstrip("\n")
    assert flagged_code(_row(repo_source="github:o/r@" + "a" * 40), max_file_bytes=1000) is None
    assert (
        flagged_code(_row(repo_source=f"local:{tmp_path}", path="../x"), max_file_bytes=10) is None
    )
    assert flagged_code(_row(kind="secret", snippet="k"), max_file_bytes=1000) is None
