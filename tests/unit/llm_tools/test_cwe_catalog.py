"""The shipped MITRE CWE snapshot, its loader and the script that builds it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.support.build_cwe_snapshot import main as build_snapshot
from tools.intel.cwe import load_cwe, parse_cwe_number
from tools.intel.kev import IntelError


def test_the_shipped_snapshot_is_cwe_4_14() -> None:
    catalog = load_cwe()
    assert (catalog.version, catalog.date, len(catalog.entries)) == ("4.14", "2024-02-29", 1426)
    kinds = [entry.kind for entry in catalog.entries.values()]
    assert (kinds.count("weakness"), kinds.count("category"), kinds.count("view")) == (963, 409, 54)
    assert catalog.name("CWE-89") == (
        "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"
    )
    assert catalog.exists("CWE-1333")
    assert not catalog.exists("CWE-9999")
    assert not catalog.exists("SQL injection")


@pytest.mark.parametrize(
    ("spelling", "number"),
    [
        ("CWE-79", 79),
        ("cwe_79", 79),
        (" 79 ", 79),
        ("CWE 79", 79),
        (79, 79),
        ("CWE-", None),
        ("CWE-79x", None),
        (True, None),
        (-3, None),
        ("CWE-1234567", None),
    ],
)
def test_cwe_ids_are_read_as_scanners_spell_them(spelling: str | int, number: int | None) -> None:
    assert parse_cwe_number(spelling) == number


def test_a_malformed_snapshot_is_an_intel_error(tmp_path: Path) -> None:
    path = tmp_path / "cwe.json"
    path.write_text(json.dumps({"version": "1", "date": "x", "entries": [[1, "thing", "", "n"]]}))
    with pytest.raises(IntelError, match="unknown kind"):
        load_cwe(path)
    with pytest.raises(IntelError, match="cannot read"):
        load_cwe(tmp_path / "missing.json")


def test_the_build_script_keeps_number_kind_status_and_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Weakness_Catalog Name="CWE" Version="9.9" Date="2030-01-02" '
        'xmlns="http://cwe.mitre.org/cwe-7"><Weaknesses>'
        '<Weakness ID="79" Name="XSS &amp; friends" Status="Stable"><Description>long'
        "</Description></Weakness></Weaknesses>"
        '<Categories><Category ID="2" Name="Env" Status="Draft"/></Categories>'
        '<Views><View ID="1000" Name="Research" Status="Draft"/></Views></Weakness_Catalog>'
    )
    source = tmp_path / "cwec.xml.gz"
    source.write_bytes(gzip.compress(xml.encode()))
    out = tmp_path / "cwe.json"
    assert build_snapshot(["--xml", str(source), "--out", str(out)]) == 0
    assert "3 CWE entries of release 9.9" in capsys.readouterr().out
    catalog = load_cwe(out)
    assert [(e.number, e.kind, e.status, e.name) for e in catalog.entries.values()] == [
        (2, "category", "Draft", "Env"),
        (79, "weakness", "Stable", "XSS & friends"),
        (1000, "view", "Draft", "Research"),
    ]
    assert out.read_text().count("\n") == 5  # one entry per line
