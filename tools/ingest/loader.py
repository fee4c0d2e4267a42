"""Read a report file into a document, enforcing the limits before anything is parsed.

A document is what the format detectors see: a JSON value, a list of objects for JSON Lines
reports (Trufflehog, Nosey Parker), an XML element tree (ZAP, OWASP dependency-check), or, for a
file that does not even start like JSON or XML, a ``TextReport`` (picklescan's printed lines).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element  # nosec B405  # the type only; parsing is defusedxml

import orjson
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from tools.ingest.errors import ReportRejected
from tools.ingest.plain_text import TextReport
from tools.sanitize.invisible import replace_lone_surrogates

# Valid UTF-8 cannot carry a surrogate; only a JSON escape can produce one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _reject_constant(name: str) -> None:
    raise ReportRejected(f"not valid JSON: {name} is not a JSON value")


_SNIFF_BYTES = 64 * 1024
_JSON_STARTS = ("{", "[", '"')
"""A file starting with one of these is JSON or nothing: its parse error is the answer."""
_SARIF_MARKERS = (b'"runs"', b"sarif-schema", b"sarif-2.1")


def checked_size(path: Path, *, max_bytes: int) -> int:
    """The file's size; ReportRejected when it is missing, not a file, or over ``max_bytes``."""
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
    return size


def looks_like_sarif_file(path: Path) -> bool:
    """Whether the head of a file too big to load names SARIF, so it can be streamed."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    return head.lstrip().startswith(b"{") and any(marker in head for marker in _SARIF_MARKERS)


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def load_json(path: Path, *, max_bytes: int) -> tuple[Any, bytes]:
    """The parsed document and the file's raw bytes.

    Raises ReportRejected when the file is missing, too big, not UTF-8, or JSON or XML that does
    not parse. UTF-8 text that does not start like JSON or XML comes back as a ``TextReport`` for
    the plain-text formats. The size is checked with ``stat`` first so an oversized file is never
    read.
    """
    checked_size(path, max_bytes=max_bytes)
    raw = path.read_bytes()
    if not raw.strip():
        raise ReportRejected("file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportRejected(f"not UTF-8 text (invalid byte at offset {exc.start})") from exc
    if text.lstrip().startswith("<"):
        return _xml(text), raw
    return _json(text), raw


def _json(text: str) -> Any:
    try:
        # orjson refuses nesting deeper than 1024 while parsing, in C: a hostile depth never
        # reaches Python's recursion limit. It also refuses NaN/Infinity and lone surrogates.
        return orjson.loads(text)
    except orjson.JSONDecodeError as fast_error:
        if _SURROGATE_ESCAPE.search(text):
            return _scrub(_stdlib_json(text))
        lines = _json_lines(text)
        if lines is not None:
            return lines
        reason = f"not valid JSON: {_reason(fast_error, text)}"
        if not text.lstrip().startswith(_JSON_STARTS):
            return TextReport(text=text, not_json=reason)
        raise ReportRejected(reason) from fast_error


def _stdlib_json(text: str) -> Any:
    """The slow path, for the rare report with lone surrogate escapes orjson refuses."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ReportRejected(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise ReportRejected("JSON is nested too deeply to be a scanner report") from exc


def _json_lines(text: str) -> list[Any] | None:
    """One JSON object per line, or None when the text is not JSON Lines either."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    parsed: list[Any] = []
    for number, line in enumerate(lines, start=1):
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            return None if number == 1 else _bad_line(number)
        if not isinstance(value, dict):
            return None
        parsed.append(value)
    return parsed


def _bad_line(number: int) -> list[Any]:
    raise ReportRejected(f"not valid JSON Lines: line {number} is not a JSON object")


def _reason(error: orjson.JSONDecodeError, text: str) -> str:
    message = str(error)
    if "recursion" in message.lower():
        return "nested more than 1024 levels deep, too deep to be a scanner report"
    line = text.count("\n", 0, error.pos) + 1
    column = error.pos - (text.rfind("\n", 0, error.pos) + 1) + 1
    return f"{error.msg} at line {line} column {column}"


def _xml(text: str) -> Element:
    try:
        # defusedxml: no DTDs, no entity expansion, no external references.
        return fromstring(text, forbid_dtd=True)
    except DefusedXmlException as exc:
        reason = type(exc).__name__
        raise ReportRejected(f"XML with a DTD or entities is refused ({reason})") from exc
    except ParseError as exc:
        raise ReportRejected(f"not valid XML: {exc}") from exc


def _scrub(value: Any) -> Any:
    """Replace lone surrogates everywhere; the store, logs and checkpoints need valid Unicode."""
    if isinstance(value, str):
        return replace_lone_surrogates(value)
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, dict):
        return {replace_lone_surrogates(k): _scrub(v) for k, v in value.items()}
    return value
