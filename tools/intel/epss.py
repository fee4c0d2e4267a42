"""FIRST's Exploit Prediction Scoring System (EPSS): how likely a CVE is to be exploited soon.

FIRST publishes the scores of every CVE daily as a CSV file (https://www.first.org/epss/data_stats,
``https://epss.cyentia.com/epss_scores-current.csv.gz``)::

    #model_version:v2025.03.14,score_date:2025-11-27T12:55:00Z
    cve,epss,percentile
    CVE-1999-0001,0.01141,0.77855

``epss`` is the probability of exploitation activity in the next 30 days; ``percentile`` ranks it
among all scored CVEs. No snapshot ships with the project (none is available offline):
``appsec-triage intel update --epss`` downloads one, adding a ``#appsec-triage:`` comment line
with where and when it was fetched. Without a file there is no EPSS value, and none is invented.
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
import zlib
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

from tools.intel.kev import IntelError

NO_EPSS = "no EPSS snapshot (run `appsec-triage intel update --epss`)"
MAX_CSV_BYTES = 256 * 1024 * 1024
"""Uncompressed; the full file is about 10 MB for 300,000 CVEs."""
PROVENANCE_PREFIX = "#appsec-triage:"
GZIP_MAGIC = b"\x1f\x8b"

# A CVE's sequence number has 4 digits, or more without a leading zero (7 at most today).
_CVE_PATTERN = r"CVE-(\d{4})-(\d{4}|[1-9]\d{4,11})"
_CVE = re.compile(_CVE_PATTERN, re.ASCII)
_ROW = re.compile(_CVE_PATTERN + r",([^,]*),([^,]*)\Z", re.ASCII)
_YEAR = 10**12
_HEADER = "cve,epss,percentile"


@dataclass(frozen=True)
class EpssScore:
    cve: str
    epss: float
    """Probability of exploitation activity in the next 30 days, 0-1."""
    percentile: float


@dataclass(frozen=True)
class EpssCatalog:
    """The scores of one EPSS file: sorted arrays, a few MB for every CVE ever scored."""

    model_version: str
    score_date: str
    source: str | None
    """Where the file was downloaded from, when ``intel update`` fetched it."""
    retrieved: str | None
    keys: array[int]
    """Each CVE as a number (see ``_key``), ascending."""
    epss: array[float]
    percentile: array[float]

    def lookup(self, cve: str) -> EpssScore | None:
        key = _key(cve.strip().upper())
        if key is None:
            return None
        index = bisect_left(self.keys, key)
        if index == len(self.keys) or self.keys[index] != key:
            return None
        return EpssScore(cve.strip().upper(), self.epss[index], self.percentile[index])

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def provenance(self) -> str:
        return f"FIRST EPSS {self.model_version} (scores of {self.score_date[:10]})"


def _key(cve: str) -> int | None:
    """``CVE-YYYY-N…`` as one integer (year, then number), or None when it is not a CVE id."""
    match = _CVE.fullmatch(cve)
    return int(match.group(1)) * _YEAR + int(match.group(2)) if match else None


def load_epss(path: Path) -> EpssCatalog:
    """Read an EPSS CSV file, gzip-compressed or not."""
    try:
        with path.open("rb") as handle:
            head = handle.read(2)
            handle.seek(0)
            if head == GZIP_MAGIC:
                with gzip.GzipFile(fileobj=handle) as unzipped:
                    data = unzipped.read(MAX_CSV_BYTES + 1)
            else:
                data = handle.read(MAX_CSV_BYTES + 1)
    except OSError as exc:  # gzip.BadGzipFile is an OSError too
        reason = exc.strerror or str(exc)
        raise IntelError(f"cannot read EPSS snapshot {path}: {reason}") from exc
    except (EOFError, zlib.error) as exc:
        raise IntelError(f"cannot read EPSS snapshot {path}: truncated or corrupt ({exc})") from exc
    if len(data) > MAX_CSV_BYTES:
        raise IntelError(f"EPSS snapshot {path}: more than {MAX_CSV_BYTES} bytes uncompressed")
    try:
        return parse_epss(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise IntelError(f"malformed EPSS snapshot {path}: {exc}") from exc


def parse_epss(text: str) -> EpssCatalog:
    """The scores in FIRST's CSV layout; ValueError naming the first problem."""
    lines = text.splitlines()
    meta: dict[str, str] = {}
    provenance: dict[str, object] = {}
    index = 0
    while index < len(lines) and lines[index].startswith("#"):
        line = lines[index]
        if line.startswith(PROVENANCE_PREFIX):
            loaded = json.loads(line[len(PROVENANCE_PREFIX) :])
            if not isinstance(loaded, dict):
                raise ValueError(f"line {index + 1}: provenance is not a JSON object")
            provenance = loaded
        else:
            for part in line[1:].split(","):
                key, _, value = part.partition(":")
                meta[key.strip()] = value.strip()
        index += 1
    model, date = meta.get("model_version"), meta.get("score_date")
    if not model or not date or not re.match(r"^\d{4}-\d{2}-\d{2}", date):
        raise ValueError("no '#model_version:…,score_date:YYYY-MM-DD…' line before the header")
    if index >= len(lines) or lines[index].strip().lower() != _HEADER:
        raise ValueError(f"line {index + 1}: expected the header {_HEADER!r}")
    keys: array[int] = array("q")
    epss: array[float] = array("d")
    percentile: array[float] = array("d")
    for number, line in enumerate(lines[index + 1 :], start=index + 2):
        match = _ROW.match(line)
        if match is None:
            if not line:
                continue
            raise ValueError(f"line {number}: expected 'CVE-YYYY-NNNN,epss,percentile'")
        year, sequence, first, second = match.groups()
        try:
            probability, rank = float(first), float(second)
        except ValueError:
            raise ValueError(f"line {number}: {line[:60]!r}: a score is not a number") from None
        if not (0.0 <= probability <= 1.0 and 0.0 <= rank <= 1.0):  # False for NaN too
            raise ValueError(f"line {number}: {line[:60]!r}: a score is not between 0 and 1")
        keys.append(int(year) * _YEAR + int(sequence))
        epss.append(probability)
        percentile.append(rank)
    if not keys:
        raise ValueError("no scores")
    order = sorted(range(len(keys)), key=keys.__getitem__)
    keys = array("q", (keys[i] for i in order))
    for before, after in itertools.pairwise(keys):
        if before == after:
            raise ValueError(f"{_cve_of(after)} is listed twice")
    source, retrieved = provenance.get("source"), provenance.get("retrieved")
    return EpssCatalog(
        model_version=model[:50],
        score_date=date[:50],
        source=str(source) if source is not None else None,
        retrieved=str(retrieved) if retrieved is not None else None,
        keys=keys,
        epss=array("d", (epss[i] for i in order)),
        percentile=array("d", (percentile[i] for i in order)),
    )


def _cve_of(key: int) -> str:
    year, number = divmod(key, _YEAR)
    return f"CVE-{year}-{number:04d}"
