"""Refreshing intelligence snapshots from their public URLs.

The download is validated (it must load as a KEV catalogue, or as FIRST's EPSS CSV) before it
replaces anything, and the replacement is atomic, so a failed or partial download never leaves a
broken snapshot behind. Each saved snapshot records where it came from and when.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
import urllib.request
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, TypeVar

from tools.intel.epss import (
    GZIP_MAGIC,
    MAX_CSV_BYTES,
    PROVENANCE_PREFIX,
    EpssCatalog,
    load_epss,
    parse_epss,
)
from tools.intel.kev import IntelError, KevCatalog, load_kev

KEV_URL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
EPSS_URL = "https://epss.cyentia.com/epss_scores-current.csv.gz"
MAX_BYTES = 50 * 1024 * 1024
"""No download may be bigger (the KEV feed is about 1.5 MB, the EPSS file about 2 MB gzipped)."""

T = TypeVar("T")


def update_kev(url: str, destination: Path, *, timeout: float = 30.0) -> KevCatalog:
    """Download the KEV feed from ``url`` to ``destination`` (https; http only to localhost)."""
    body = _download(url, timeout)
    try:
        feed = json.loads(body)
        feed["source"] = url
        feed["retrieved"] = _now()
    except (ValueError, TypeError) as exc:
        raise IntelError(f"{url}: not a JSON KEV feed ({exc})") from exc
    return _replace(
        destination,
        lambda handle: handle.write(json.dumps(feed).encode("utf-8")),
        load_kev,
        prefix=".kev-",
    )


def update_epss(url: str, destination: Path, *, timeout: float = 30.0) -> EpssCatalog:
    """Download FIRST's EPSS CSV (gzipped or not) from ``url`` to ``destination``, gzipped.

    The saved file is the CSV as published, after one added comment line that records the source
    URL and the retrieval time.
    """
    body = _download(url, timeout)
    if body.startswith(GZIP_MAGIC):
        try:
            body = gzip.GzipFile(fileobj=io.BytesIO(body)).read(MAX_CSV_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise IntelError(f"{url}: not a readable gzip file ({exc})") from exc
        if len(body) > MAX_CSV_BYTES:
            raise IntelError(f"{url}: more than {MAX_CSV_BYTES} bytes uncompressed; refusing")
    try:
        parse_epss(body.decode("utf-8"))  # line numbers of the file as published
    except (UnicodeDecodeError, ValueError) as exc:
        raise IntelError(f"{url}: not an EPSS CSV file ({exc})") from exc
    provenance = json.dumps({"source": url, "retrieved": _now()}, separators=(",", ":"))
    line = f"{PROVENANCE_PREFIX}{provenance}\n".encode()

    def write(handle: BinaryIO) -> None:
        with gzip.GzipFile(fileobj=handle, mode="wb", mtime=0) as zipped:
            zipped.write(line)
            zipped.write(body)

    return _replace(destination, write, load_epss, prefix=".epss-")


def _download(url: str, timeout: float) -> bytes:
    if not (url.startswith("https://") or url.startswith(("http://127.0.0.1", "http://localhost"))):
        raise IntelError(f"refusing to fetch intelligence over {url.split(':', 1)[0]}: use https")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310  # nosec B310
            body: bytes = response.read(MAX_BYTES + 1)
    except OSError as exc:
        raise IntelError(f"cannot download {url}: {exc}") from exc
    if len(body) > MAX_BYTES:
        raise IntelError(f"{url}: more than {MAX_BYTES} bytes; refusing")
    return body


def _replace(
    destination: Path,
    write: Callable[[BinaryIO], object],
    load: Callable[[Path], T],
    *,
    prefix: str,
) -> T:
    """Write a temporary file beside ``destination``, load it (validation), then move it over."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=destination.parent, prefix=prefix, suffix=destination.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        loaded = load(Path(tmp))  # validate before it replaces the old snapshot
        Path(tmp).replace(destination)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return loaded


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
