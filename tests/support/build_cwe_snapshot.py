"""Build ``tools/intel/snapshots/cwe.json`` from MITRE's CWE XML catalogue.

Usage::

    python -m tests.support.build_cwe_snapshot \\
        --xml ../shared/data/enrichment/mitre_cwe/cwec_v4.14.xml.gz

``--xml`` is MITRE's ``cwec_vX.Y.xml`` (optionally gzip-compressed) from
https://cwe.mitre.org/data/downloads.html. Every ``Weakness``, ``Category`` and ``View`` keeps its
number, kind, status and name; descriptions and relationships are dropped. The release number and
date come from the catalogue's root element. The output is deterministic (sorted by number, one
entry per line), so re-running it on the same input changes nothing. Update ``SOURCE.md`` with it.

A maintainer's tool, not part of the product.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from defusedxml.ElementTree import iterparse

from tools.intel.cwe import DEFAULT_CWE_SNAPSHOT

_KINDS = {"Weakness": "weakness", "Category": "category", "View": "view"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _entries(handle: IO[bytes], header: dict[str, str]) -> Iterator[list[object]]:
    for event, element in iterparse(handle, events=("start", "end")):
        name = _local(element.tag)
        if event == "start":
            if name == "Weakness_Catalog":
                header["version"] = element.get("Version", "")
                header["date"] = element.get("Date", "")
            continue
        kind = _KINDS.get(name)
        if kind is not None and element.get("ID") is not None:
            yield [int(element.get("ID")), kind, element.get("Status", ""), element.get("Name", "")]
            element.clear()


def _render(header: dict[str, str], entries: list[list[object]]) -> str:
    """Compact JSON with one entry per line, so a refresh reads as a diff."""
    head = json.dumps({"name": "MITRE CWE", **header}, separators=(",", ":"), sort_keys=True)
    lines = [json.dumps(entry, separators=(",", ":"), ensure_ascii=False) for entry in entries]
    return head[:-1] + ',"entries":[\n' + ",\n".join(lines) + "\n]}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--xml", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=DEFAULT_CWE_SNAPSHOT)
    args = parser.parse_args(argv)
    header: dict[str, str] = {}
    opener = gzip.open if args.xml.suffix == ".gz" else Path.open
    with opener(args.xml, "rb") as handle:
        entries = sorted(_entries(handle, header), key=lambda entry: int(str(entry[0])))
    numbers = [entry[0] for entry in entries]
    if len(numbers) != len(set(numbers)):
        raise SystemExit("the catalogue lists a CWE number twice")
    if not header.get("version") or not header.get("date"):
        raise SystemExit("no Weakness_Catalog Version/Date in the input")
    args.out.write_text(_render(header, entries), encoding="utf-8")
    print(f"{len(entries)} CWE entries of release {header['version']} written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
