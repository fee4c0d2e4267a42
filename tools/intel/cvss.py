"""CVSS vectors and base scores of published advisories, from a local snapshot.

The snapshot (``snapshots/advisory-cvss.json``) is derived from OSV records (the PyPA advisory
database and GitHub Security Advisories) and keeps only what triage needs: each record's id, its
aliases (CVE, GHSA, PYSEC), its CVSS v3 vector and base score. OSV records carry the vector but no
number; the score is computed from it with the same calculator the report parsers use
(:func:`tools.ingest.formats._sca.cvss3_base_score`), so a vector reads the same wherever it came
from.

``derive_snapshot`` builds the snapshot from OSV records; ``load_cvss`` reads it back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.ingest.formats._sca import cvss3_base_score
from tools.intel.kev import IntelError

DEFAULT_CVSS_SNAPSHOT = Path(__file__).with_name("snapshots") / "advisory-cvss.json"

_V3 = re.compile(r"^CVSS:3\.[01]/")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{1,99}$")


@dataclass(frozen=True)
class CvssRecord:
    """One advisory's CVSS v3 base metrics."""

    advisory: str
    """The OSV record's own id (``PYSEC-…``, ``GHSA-…``)."""
    source: str
    """Key of the database it came from (``sources`` of the catalogue)."""
    vector: str
    score: float


@dataclass(frozen=True)
class CvssLookup:
    """What ``CvssCatalog.lookup`` answers: the vector, its base score and where they are from."""

    vector: str
    score: float
    source: str


@dataclass(frozen=True)
class CvssCatalog:
    name: str
    date: str
    """ISO date of the newest data in the snapshot."""
    sources: dict[str, str]
    """Source key → the database's name."""
    records: dict[str, CvssRecord]
    """Upper-cased advisory id or alias → its record."""

    def lookup(self, advisory_id: str) -> CvssLookup | None:
        """The CVSS of ``advisory_id`` (a CVE, GHSA or PYSEC id, any case), or None."""
        record = self.records.get(advisory_id.strip().upper())
        if record is None:
            return None
        database = self.sources.get(record.source, record.source)
        return CvssLookup(
            vector=record.vector,
            score=record.score,
            source=f"{self.provenance}: {record.advisory} ({database})",
        )

    @property
    def provenance(self) -> str:
        return f"{self.name} {self.date}"


def load_cvss(path: Path = DEFAULT_CVSS_SNAPSHOT) -> CvssCatalog:
    """Read a snapshot written by :func:`derive_snapshot`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        sources = {str(key): str(value["name"]) for key, value in data["sources"].items()}
        records: dict[str, CvssRecord] = {}
        for advisory, source, vector, score, aliases in data["records"]:
            record = _record(str(advisory), str(source), str(vector), score)
            if record.source not in sources:
                raise ValueError(f"{advisory}: unknown source {source!r}")
            for key in (advisory, *aliases):
                # A record's own id wins over another record's alias; else the first listed wins.
                if str(key).upper() == record.advisory.upper():
                    records[record.advisory.upper()] = record
                else:
                    records.setdefault(str(key).upper(), record)
        return CvssCatalog(
            name=str(data["name"]), date=str(data["date"]), sources=sources, records=records
        )
    except OSError as exc:
        raise IntelError(f"cannot read CVSS snapshot {path}: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise IntelError(f"malformed CVSS snapshot {path}: {exc}") from exc


def _record(advisory: str, source: str, vector: str, score: object) -> CvssRecord:
    if not _ID.match(advisory):
        raise ValueError(f"bad advisory id {advisory[:100]!r}")
    computed = cvss3_base_score(vector) if _V3.match(vector) else None
    if computed is None:
        raise ValueError(f"{advisory}: {vector[:100]!r} is not a CVSS v3 vector")
    if score is None:
        score = computed
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 10:
        raise ValueError(f"{advisory}: score {score!r} is not a number from 0 to 10")
    return CvssRecord(advisory=advisory, source=source, vector=vector, score=float(score))


def derive_snapshot(
    records: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    name: str,
    date: str,
    sources: Mapping[str, Mapping[str, str]],
    preference: tuple[str, ...],
) -> dict[str, Any]:
    """The compact snapshot of OSV ``records`` (each with its source key) that carry a CVSS v3.

    A record seen twice (the same id in two databases) keeps its most recently modified version.
    Records are listed in ``preference`` order of their source, then by id, so when two records
    share an alias (a CVE in both a GHSA and a PYSEC record) the preferred database answers for it.
    """
    chosen: dict[str, tuple[str, str, Mapping[str, Any]]] = {}
    for source, record in records:
        if source not in sources:
            raise ValueError(f"unknown source {source!r}")
        advisory = str(record.get("id", ""))
        vector = _v3_vector(record)
        if not _ID.match(advisory) or vector is None:
            continue
        modified = str(record.get("modified", ""))
        previous = chosen.get(advisory.upper())
        if previous is None or modified > str(previous[2].get("modified", "")):
            chosen[advisory.upper()] = (source, vector, record)
    rows = []
    for source, vector, record in chosen.values():
        aliases = sorted(
            {str(a) for a in record.get("aliases") or () if isinstance(a, str) and _ID.match(a)}
            - {str(record["id"])}
        )
        score = cvss3_base_score(vector)
        rows.append([str(record["id"]), source, vector, score, aliases])
    rows.sort(key=lambda row: (preference.index(row[1]), row[0]))
    return {
        "name": name,
        "date": date,
        "sources": {key: dict(value) for key, value in sources.items()},
        "records": rows,
    }


def _v3_vector(record: Mapping[str, Any]) -> str | None:
    """The record's CVSS v3 vector that the calculator can score, if it has one."""
    for entry in record.get("severity") or ():
        if not isinstance(entry, Mapping) or entry.get("type") != "CVSS_V3":
            continue
        vector = entry.get("score")
        if isinstance(vector, str) and _V3.match(vector) and cvss3_base_score(vector) is not None:
            return vector.strip()
    return None


def cvss_metrics(vector: str | None) -> dict[str, str]:
    """The metrics of a CVSS vector (any version) by name: ``{"AV": "N", "E": "P", …}``."""
    if not vector:
        return {}
    metrics: dict[str, str] = {}
    for part in vector.strip().split("/"):
        name, sep, value = part.partition(":")
        if sep and name != "CVSS" and name.isalpha() and value:
            metrics.setdefault(name.upper(), value.upper())
    return metrics


def base_score(vector: str | None) -> float | None:
    """The CVSS v3.x base score of ``vector``; None for another version or a malformed vector."""
    return cvss3_base_score(vector) if vector and _V3.match(vector.strip()) else None
