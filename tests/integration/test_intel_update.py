"""`intel update` over real HTTP (a local server): validated, atomic, used by the next triage."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import Cli

FEED = {
    "title": "test feed",
    "catalogVersion": "2099.01.01",
    "dateReleased": "2099-01-01T00:00:00.000Z",
    "count": 1,
    "vulnerabilities": [
        {"cveID": "CVE-2099-0001", "dateAdded": "2099-01-01", "knownRansomwareCampaignUse": "Known"}
    ],
}
PAGES = {"/kev.json": json.dumps(FEED).encode(), "/broken.json": b'{"vulnerabilities": [{"x": 1}]}'}


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
