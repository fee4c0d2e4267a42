"""`intel update` over real HTTP (a local server): validated, atomic, used by the next triage."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import Cli
from tools.intel import update
from tools.intel.epss import NO_EPSS
from tools.intel.kev import IntelError

FEED = {
    "title": "test feed",
    "catalogVersion": "2099.01.01",
    "dateReleased": "2099-01-01T00:00:00.000Z",
    "count": 1,
    "vulnerabilities": [
        {"cveID": "CVE-2099-0001", "dateAdded": "2099-01-01", "knownRansomwareCampaignUse": "Known"}
    ],
}
EPSS = (
    b"#model_version:v2099.01.01,score_date:2099-01-02T00:00:00+0000\n"
    b"cve,epss,percentile\n"
    b"CVE-2099-0002,0.50000,0.99000\n"
    b"CVE-2099-0003,0.00100,0.10000\n"
)
PAGES = {
    "/kev.json": json.dumps(FEED).encode(),
    "/broken.json": b'{"vulnerabilities": [{"x": 1}]}',
    "/epss.csv.gz": gzip.compress(EPSS),
    "/epss.csv": EPSS,
    "/epss-broken.csv.gz": gzip.compress(EPSS.replace(b"0.50000", b"5")),
    "/epss-truncated.csv.gz": gzip.compress(EPSS)[:-20],
    "/epss-bomb.csv.gz": gzip.compress(EPSS + b"\n" * 5_000_000),
}


class _Feed(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path)
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def feed_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_update_validates_replaces_atomically_and_feeds_triage(
    cli: Cli, feed_url: str, tmp_path: Path
) -> None:
    updated = cli("intel", "update", "--url", f"{feed_url}/kev.json")
    assert updated.code == 0, updated.stderr
    assert "CISA KEV 2099.01.01 (released 2099-01-01): 1 CVEs saved" in updated.stdout
    snapshot = cli.cwd / ".appsec-triage" / "intel" / "kev.json"
    saved = json.loads(snapshot.read_text())
    assert saved["source"] == f"{feed_url}/kev.json" and "retrieved" in saved

    for bad, reason in (("/broken.json", "malformed KEV snapshot"), ("/missing.json", "404")):
        failed = cli("intel", "update", "--url", f"{feed_url}{bad}")
        assert failed.code == 1 and reason in failed.stderr
        assert json.loads(snapshot.read_text()) == saved  # the good snapshot is untouched
    assert not list(snapshot.parent.glob(".kev-*"))
    plain_http = cli("intel", "update", "--url", "http://intel.example/kev.json")
    assert plain_http.code == 1 and "use https" in plain_http.stderr

    report = tmp_path / "dep.sarif"
    report.write_text(
        json.dumps(
            {
                "version": "2.1.0",
                "runs": [
                    {
                        "tool": {"driver": {"name": "Grype"}},
                        "results": [
                            {
                                "ruleId": "CVE-2099-0001",
                                "level": "note",
                                "message": {"text": "libfoo 1.0 is affected by CVE-2099-0001"},
                            }
                        ],
                    }
                ],
            }
        )
    )
    assert cli("ingest", str(report)).code == 0
    shown = json.loads(cli("findings", "show", "1", "--json").stdout)["assessment"]
    assert shown["severity"] == "high"
    exploitation = shown["risk"]["factors"][0]
    assert exploitation["value"] == "active (CVE-2099-0001 known exploited)"
    assert exploitation["source"] == "CISA KEV 2099.01.01 (released 2099-01-01)"


def _sarif(path: Path, cve: str) -> Path:
    path.write_text(
        json.dumps(
            {
                "version": "2.1.0",
                "runs": [
                    {
                        "tool": {"driver": {"name": "Grype"}},
                        "results": [
                            {
                                "ruleId": cve,
                                "level": "note",
                                "message": {"text": f"libfoo 1.0 is affected by {cve}"},
                            }
                        ],
                    }
                ],
            }
        )
    )
    return path


def _factors(cli: Cli, finding: int) -> dict[str, tuple[str, str]]:
    shown = json.loads(cli("findings", "show", str(finding), "--json").stdout)["assessment"]
    return {f["name"]: (f["value"], f["source"]) for f in shown["risk"]["factors"]}


def test_epss_update_records_its_source_keeps_the_old_file_on_error_and_feeds_triage(
    cli: Cli, feed_url: str, tmp_path: Path
) -> None:
    assert cli("ingest", str(_sarif(tmp_path / "dep.sarif", "CVE-2099-0002"))).code == 0
    before = _factors(cli, 1)
    assert before["epss"] == ("unknown", NO_EPSS)  # nothing ships, nothing is invented
    assert before["exploitation"][0] == "none known"
    assert NO_EPSS in before["exploitation"][1]

    updated = cli("intel", "update", "--epss", "--url", f"{feed_url}/epss.csv.gz")
    assert updated.code == 0, updated.stderr
    snapshot = cli.cwd / ".appsec-triage" / "intel" / "epss.csv.gz"
    assert updated.stdout == (
        "FIRST EPSS v2099.01.01 (scores of 2099-01-02): 2 CVEs saved to "
        ".appsec-triage/intel/epss.csv.gz\n"
    )
    saved = gzip.decompress(snapshot.read_bytes())
    head, rest = saved.split(b"\n", 1)
    provenance = json.loads(head.removeprefix(b"#appsec-triage:"))
    assert provenance["source"] == f"{feed_url}/epss.csv.gz" and provenance["retrieved"]
    assert rest == EPSS  # the published file, byte for byte, after our one line

    after = _factors(cli, 1)
    assert after["epss"] == (
        "CVE-2099-0002 0.5 (percentile 0.99)",
        "FIRST EPSS v2099.01.01 (scores of 2099-01-02)",
    )
    assert after["exploitation"][0] == "poc (EPSS CVE-2099-0002 0.5 >= 0.1)"
    assert after["exploitation"][1].startswith("FIRST EPSS v2099.01.01 (scores of 2099-01-02)")

    failed = cli("intel", "update", "--epss", "--url", f"{feed_url}/epss-broken.csv.gz")
    assert failed.code == 1
    assert (
        f"{feed_url}/epss-broken.csv.gz: not an EPSS CSV file (line 3: "
        "'CVE-2099-0002,5,0.99000': a score is not between 0 and 1)" in failed.stderr
    )
    for bad, reason in (
        ("/epss-truncated.csv.gz", "not a readable gzip file"),
        ("/missing.csv.gz", "404"),
        ("/kev.json", "not an EPSS CSV file"),
    ):
        with pytest.raises(IntelError, match=reason):
            update.update_epss(f"{feed_url}{bad}", snapshot)
    assert gzip.decompress(snapshot.read_bytes()) == saved  # the good file is untouched
    assert not list(snapshot.parent.glob(".epss-*"))
    plain_http = cli("intel", "update", "--epss", "--url", "http://epss.example/x.csv.gz")
    assert plain_http.code == 1 and "use https" in plain_http.stderr
    assert _factors(cli, 1)["epss"] == after["epss"]


def test_epss_update_accepts_plain_csv_and_caps_what_it_unpacks(
    feed_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    destination = tmp_path / "intel" / "epss.csv.gz"
    scores = update.update_epss(f"{feed_url}/epss.csv", destination)
    assert scores.source == f"{feed_url}/epss.csv" and len(scores) == 2
    monkeypatch.setattr(update, "MAX_CSV_BYTES", 1_000_000)
    with pytest.raises(IntelError, match="more than 1000000 bytes uncompressed"):
        update.update_epss(f"{feed_url}/epss-bomb.csv.gz", destination)
    monkeypatch.setattr(update, "MAX_BYTES", 100)
    with pytest.raises(IntelError, match="more than 100 bytes; refusing"):
        update.update_epss(f"{feed_url}/epss.csv", destination)
    assert gzip.decompress(destination.read_bytes()).endswith(EPSS)
