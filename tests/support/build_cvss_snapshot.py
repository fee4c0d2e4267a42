"""Build ``tools/intel/snapshots/advisory-cvss.json`` from OSV advisory records.

Usage::

    python -m tests.support.build_cvss_snapshot \\
        --pypa ../shared/data/enrichment/pypa_advisory_database/vulns \\
        --ghsa ../shared/data/enrichment/ghsa_osv_records_from_scanner_outputs

``--pypa`` is a checkout's ``vulns/`` folder of https://github.com/pypa/advisory-database (OSV
records as YAML); ``--ghsa`` a folder of OSV JSON records (GitHub Security Advisories; PYSEC
records found there count as PyPA's). Only id, aliases and the CVSS v3 vector are kept; the base
score is computed from the vector (tools.intel.cvss.derive_snapshot). The output is deterministic,
so re-running it on the same input changes nothing. Update ``SOURCE.md`` (commit, date) with it.

A maintainer's tool, not part of the product: it reads YAML with PyYAML, which the virtualenv has
through LangChain but the project does not declare.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from tools.intel.cvss import DEFAULT_CVSS_SNAPSHOT, derive_snapshot

NAME = "advisory CVSS snapshot"
SOURCES = {
    "ghsa": {
        "name": "GitHub Advisory Database",
        "url": "https://github.com/github/advisory-database",
        "licence": "CC-BY-4.0",
    },
    "pypa": {
        "name": "PyPA advisory database",
        "url": "https://github.com/pypa/advisory-database",
        "licence": "CC-BY-4.0",
    },
}
PREFERENCE = ("ghsa", "pypa")
"""A CVE both databases describe takes GitHub's reviewed vector."""


def _plain(value: Any) -> Any:
    """YAML timestamps as ISO strings, like the JSON form of the same record."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _records(pypa: Path, ghsa: Path) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for path in sorted(pypa.rglob("*.yaml")):
        record = _plain(yaml.safe_load(path.read_text(encoding="utf-8")))
        if isinstance(record, dict):
            yield "pypa", record
    for path in sorted(ghsa.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(record, dict):
            source = "ghsa" if str(record.get("id", "")).startswith("GHSA-") else "pypa"
            yield source, record


def _render(snapshot: Mapping[str, Any]) -> str:
    """Compact JSON with one record per line, so a refresh reads as a diff."""
    head = {key: value for key, value in snapshot.items() if key != "records"}
    lines = [json.dumps(row, separators=(",", ":")) for row in snapshot["records"]]
    header = json.dumps(head, separators=(",", ":"), sort_keys=True)[:-1]
    return header + ',"records":[\n' + ",\n".join(lines) + "\n]}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pypa", type=Path, required=True)
    parser.add_argument("--ghsa", type=Path, required=True)
    parser.add_argument("--date", required=True, help="ISO date of the newest input data")
    parser.add_argument("--out", type=Path, default=DEFAULT_CVSS_SNAPSHOT)
    args = parser.parse_args(argv)
    snapshot = derive_snapshot(
        _records(args.pypa, args.ghsa),
        name=NAME,
        date=args.date,
        sources=SOURCES,
        preference=PREFERENCE,
    )
    args.out.write_text(_render(snapshot), encoding="utf-8")
    print(f"{len(snapshot['records'])} records with a CVSS v3 vector written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
