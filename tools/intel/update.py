"""Refreshing intelligence snapshots from their public URLs.

The download is validated (it must load as a KEV catalogue) before it replaces anything, and the
replacement is atomic, so a failed or partial download never leaves a broken snapshot behind.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from tools.intel.kev import IntelError, KevCatalog, load_kev

KEV_URL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
MAX_BYTES = 50 * 1024 * 1024


def update_kev(url: str, destination: Path, *, timeout: float = 30.0) -> KevCatalog:
    """Download the KEV feed from ``url`` to ``destination`` (https; http only to localhost)."""
    if not (url.startswith("https://") or url.startswith(("http://127.0.0.1", "http://localhost"))):
        raise IntelError(f"refusing to fetch intelligence over {url.split(':', 1)[0]}: use https")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310  # nosec B310
            body = response.read(MAX_BYTES + 1)
    except OSError as exc:
        raise IntelError(f"cannot download {url}: {exc}") from exc
    if len(body) > MAX_BYTES:
        raise IntelError(f"{url}: more than {MAX_BYTES} bytes; refusing")
    try:
        feed = json.loads(body)
        feed["source"] = url
        feed["retrieved"] = datetime.now(UTC).isoformat(timespec="seconds")
    except (ValueError, TypeError) as exc:
        raise IntelError(f"{url}: not a JSON KEV feed ({exc})") from exc
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=destination.parent, prefix=".kev-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(feed, handle)
        catalog = load_kev(Path(tmp))  # validate before it replaces the old snapshot
        Path(tmp).replace(destination)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return catalog
