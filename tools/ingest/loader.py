"""Read a report file as JSON, enforcing the size limit before anything is parsed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tools.ingest.errors import ReportRejected
from tools.sanitize.invisible import replace_lone_surrogates

# Valid UTF-8 cannot carry a surrogate; only a JSON escape can produce one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _reject_constant(name: str) -> None:
    raise ReportRejected(f"not valid JSON: {name} is not a JSON value")


def load_json(path: Path, *, max_bytes: int) -> tuple[Any, bytes]:
    """The parsed document and its raw bytes.

    Raises ReportRejected when the file is missing, too big, not UTF-8 or not JSON. The size is
    checked with ``stat`` first so an oversized file is never read into memory.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReportRejected(f"cannot read the file: {exc.strerror}") from exc
    if not path.is_file():
        raise ReportRejected("not a regular file")
    if size > max_bytes:
        raise ReportRejected(
            f"file is {size} bytes, over the limit of {max_bytes} "
            "(raise APPSEC_TRIAGE_MAX_REPORT_BYTES to accept it)"
        )
    raw = path.read_bytes()
    if not raw.strip():
        raise ReportRejected("file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportRejected(f"not UTF-8 text (invalid byte at offset {exc.start})") from exc
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ReportRejected(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise ReportRejected("JSON is nested too deeply to be a scanner report") from exc
    if _SURROGATE_ESCAPE.search(text):
        document = _scrub(document)
    return document, raw


def _scrub(value: Any) -> Any:
    """Replace lone surrogates everywhere; the store, logs and checkpoints need valid Unicode."""
    if isinstance(value, str):
        return replace_lone_surrogates(value)
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, dict):
        return {replace_lone_surrogates(k): _scrub(v) for k, v in value.items()}
    return value
