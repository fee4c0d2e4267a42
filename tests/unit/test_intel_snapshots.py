"""The advisory CVSS snapshot (shipped) and the EPSS loader (no file ships)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from tools.ingest.formats._sca import cvss3_base_score
from tools.intel.cvss import DEFAULT_CVSS_SNAPSHOT, derive_snapshot, load_cvss
from tools.intel.epss import load_epss, parse_epss
from tools.intel.kev import IntelError

SNAPSHOTS = DEFAULT_CVSS_SNAPSHOT.parent
EPSS_TEXT = (
    "#model_version:v2025.03.14,score_date:2025-11-27T12:55:00Z\n"
    "cve,epss,percentile\n"
    "CVE-1999-0001,0.01141,0.77855\n"
    "CVE-2021-44228,0.94358,0.99957\n"
)


def test_the_shipped_cvss_snapshot_names_its_sources_and_keeps_their_licences() -> None:
    catalog = load_cvss()
    assert (catalog.name, catalog.date) == ("advisory CVSS snapshot", "2024-10-10")
    raw = json.loads(DEFAULT_CVSS_SNAPSHOT.read_text())
    assert {key: value["licence"] for key, value in raw["sources"].items()} == {
        "ghsa": "CC-BY-4.0",
        "pypa": "CC-BY-4.0",
    }
    assert len(raw["records"]) == 229
    assert (SNAPSHOTS / "ADVISORIES-LICENSE").read_text().startswith("Attribution 4.0")
    assert "DefectDojo, Inc." in (SNAPSHOTS / "DEFECTDOJO-LICENSE.md").read_text()
    source = (SNAPSHOTS / "SOURCE.md").read_text()
    assert "advisory-cvss.json" in source and "3ccb612573e2511ab5cad7dafecd838605c80cda" in source
    # Every shipped score is the calculator's score of the shipped vector: nothing hand-made.
    for advisory, _source, vector, score, _aliases in raw["records"]:
        assert cvss3_base_score(vector) == score, advisory


@pytest.mark.parametrize(
    ("key", "advisory", "score"),
    [
        ("CVE-2022-28346", "GHSA-2gwj-7jmv-h26r", 9.8),
        ("cve-2022-28346", "GHSA-2gwj-7jmv-h26r", 9.8),
        ("GHSA-2GWJ-7JMV-H26R", "GHSA-2gwj-7jmv-h26r", 9.8),
        ("CVE-2020-13921", "PYSEC-2020-342", 9.8),
        ("CVE-2024-23334", "GHSA-5h86-8mv2-jq9f", 5.9),
    ],
)
def test_lookup_by_any_id_or_alias(key: str, advisory: str, score: float) -> None:
    found = load_cvss().lookup(key)
    assert found is not None
    assert found.score == score
    assert found.vector.startswith("CVSS:3.")
    assert found.source.startswith(f"advisory CVSS snapshot 2024-10-10: {advisory} (")


def test_an_unknown_id_has_no_cvss() -> None:
    assert load_cvss().lookup("CVE-2099-0001") is None


def _osv(advisory: str, vector: str | None, aliases: list[str], modified: str) -> dict[str, Any]:
    record: dict[str, Any] = {"id": advisory, "aliases": aliases, "modified": modified}
    if vector:
        record["severity"] = [{"type": "CVSS_V3", "score": vector}]
    return record


NET = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
LOW = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"


def test_derive_keeps_scored_v3_records_prefers_a_database_and_the_newest_copy(
    tmp_path: Path,
) -> None:
    records = [
        ("pypa", _osv("PYSEC-1", LOW, ["CVE-2000-0001", "GHSA-aaaa-bbbb-cccc"], "2024-01-01")),
        ("ghsa", _osv("GHSA-aaaa-bbbb-cccc", NET, ["CVE-2000-0001", "PYSEC-1"], "2024-01-01")),
        ("pypa", _osv("PYSEC-2", None, ["CVE-2000-0002"], "2024-01-01")),  # no vector: left out
        ("pypa", _osv("PYSEC-3", "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", [], "2024-01-01")),
        ("pypa", _osv("PYSEC-4", LOW, [], "2024-01-01")),
        ("pypa", _osv("PYSEC-4", NET, [], "2024-06-01")),  # the newer copy of the same record
    ]
    sources = {"ghsa": {"name": "GHSA"}, "pypa": {"name": "PyPA"}}
    snapshot = derive_snapshot(
        records, name="test", date="2024-06-01", sources=sources, preference=("ghsa", "pypa")
    )
    assert [row[0] for row in snapshot["records"]] == ["GHSA-aaaa-bbbb-cccc", "PYSEC-1", "PYSEC-4"]
    path = tmp_path / "cvss.json"
    path.write_text(json.dumps(snapshot))
    catalog = load_cvss(path)
    cve = catalog.lookup("CVE-2000-0001")
    assert cve is not None and (cve.vector, cve.source) == (
        NET,
        "test 2024-06-01: GHSA-aaaa-bbbb-cccc (GHSA)",
    )
    own = catalog.lookup("PYSEC-1")  # a record's own id beats another record's alias
    assert own is not None and own.vector == LOW and own.score == 1.8
    newest = catalog.lookup("PYSEC-4")
    assert newest is not None and newest.score == 9.8
    assert catalog.lookup("PYSEC-2") is None and catalog.lookup("PYSEC-3") is None


@pytest.mark.parametrize(
    "records",
    [
        [["PYSEC-1", "pypa", "not a vector", None, []]],
        [["PYSEC-1", "pypa", NET, 11.0, []]],
        [["PYSEC-1", "nowhere", NET, 9.8, []]],
        [["../etc", "pypa", NET, 9.8, []]],
    ],
)
def test_a_malformed_cvss_snapshot_is_refused(tmp_path: Path, records: list[Any]) -> None:
    path = tmp_path / "cvss.json"
    data = {"name": "x", "date": "2024-01-01", "sources": {"pypa": {"name": "PyPA"}}}
    path.write_text(json.dumps(data | {"records": records}))
    with pytest.raises(IntelError, match="malformed CVSS snapshot"):
        load_cvss(path)


def test_a_missing_score_is_computed_from_the_vector(tmp_path: Path) -> None:
    path = tmp_path / "cvss.json"
    data = {"name": "x", "date": "2024-01-01", "sources": {"pypa": {"name": "PyPA"}}}
    path.write_text(json.dumps(data | {"records": [["PYSEC-1", "pypa", NET, None, []]]}))
    found = load_cvss(path).lookup("PYSEC-1")
    assert found is not None and found.score == 9.8


@pytest.mark.parametrize("compressed", [False, True])
def test_epss_csv_loads_plain_or_gzipped_with_its_model_and_date(
    tmp_path: Path, compressed: bool
) -> None:
    path = tmp_path / "epss.csv"
    data = EPSS_TEXT.encode()
    path.write_bytes(gzip.compress(data) if compressed else data)
    catalog = load_epss(path)
    assert catalog.provenance == "FIRST EPSS v2025.03.14 (scores of 2025-11-27)"
    assert (catalog.source, catalog.retrieved) == (None, None)
    log4shell = catalog.lookup("cve-2021-44228")
    assert log4shell is not None and (log4shell.epss, log4shell.percentile) == (0.94358, 0.99957)
    assert catalog.lookup("CVE-2099-0001") is None


def test_epss_provenance_line_is_read() -> None:
    line = '#appsec-triage:{"source":"https://epss.example/x.csv.gz","retrieved":"2025-11-28"}\n'
    catalog = parse_epss(line + EPSS_TEXT)
    assert (catalog.source, catalog.retrieved) == ("https://epss.example/x.csv.gz", "2025-11-28")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (EPSS_TEXT.split("\n", 1)[1], "model_version"),
        ("#model_version:v1\n" + EPSS_TEXT.split("\n", 1)[1], "model_version"),
        (EPSS_TEXT.replace("cve,epss,percentile", "cve,score"), "expected the header"),
        (EPSS_TEXT + "CVE-1999-0001,0.5,0.5\n", "CVE-1999-0001 is listed twice"),
        (EPSS_TEXT + "CVE-2000-1,0.5,0.5\n", "expected 'CVE-YYYY-NNNN"),
        (
            EPSS_TEXT + "CVE-2000-1234,1.5,0.5\n",
            "line 5: 'CVE-2000-1234,1.5,0.5': a score is not betw",
        ),
        (EPSS_TEXT + "CVE-2000-1234,nan,0.5\n", "not between 0 and 1"),
        (EPSS_TEXT + "CVE-2000-1234,high,0.5\n", "a score is not a number"),
        (EPSS_TEXT + "CVE-2000-01234,0.5,0.5\n", "line 5: expected 'CVE-YYYY-NNNN"),
        (EPSS_TEXT + "CVE-2000-1234,0.5\n", "expected 'CVE-YYYY-NNNN"),
        (EPSS_TEXT.rsplit("\n", 3)[0] + "\n", "no scores"),
    ],
)
def test_malformed_epss_is_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_epss(text)


def test_an_unreadable_epss_file_is_an_intel_error(tmp_path: Path) -> None:
    with pytest.raises(IntelError, match="cannot read EPSS snapshot"):
        load_epss(tmp_path / "missing.csv.gz")
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(EPSS_TEXT.encode())[:-12])
    with pytest.raises(IntelError, match="cannot read EPSS snapshot"):
        load_epss(broken)
    bad = tmp_path / "bad.csv"
    bad.write_text("cve,epss,percentile\n")
    with pytest.raises(IntelError, match="malformed EPSS snapshot"):
        load_epss(bad)
