"""Trufflehog's JSON output (``trufflehog … --json``, JSON Lines) → secret Findings.

Trufflehog 3 writes one object per secret (``SourceMetadata``, ``DetectorName``, ``Raw``,
``RawV2``, ``Verified``); Trufflehog 2 (and trufflehog3's ``--format json`` legacy mode, which
copies it) one object per commit and reason (``reason``, ``stringsFound``, ``commitHash``).
Both carry secrets in clear: they go into ``SecretMaterial`` and nowhere else.

Trufflehog 3 logs JSON too; log lines that end up in the same file are skipped, not counted, but
the version a log line names is kept.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any

from tools.findings.finding import FindingKind
from tools.findings.severity import Severity
from tools.ingest.draft import Draft, SecretMaterial, build_report
from tools.ingest.errors import ReportRejected
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_int, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "trufflehog"
TOOL = "Trufflehog"
# Trufflehog rates nothing. Whether a secret is live is in details.verified, for the risk rules.
_SEVERITY = Severity.MEDIUM


def _layout(record: Any) -> str | None:
    """Which layout a record has: v3, v2, log (a Trufflehog 3 log line), or None."""
    if not isinstance(record, dict):
        return None
    if "SourceMetadata" in record and "DetectorName" in record:
        return "v3"
    if "stringsFound" in record and "commitHash" in record and "reason" in record:
        return "v2"
    logger = record.get("logger")
    if isinstance(logger, str) and logger.startswith("trufflehog") and "msg" in record:
        return "log"
    return None


def _records(document: Any) -> list[Any] | None:
    # The loader gives a one-line JSON Lines file as a bare object, longer ones as a list.
    if isinstance(document, dict):
        return [document]
    if isinstance(document, list):
        return document
    return None


def looks_like(document: Any) -> bool:
    records = _records(document)
    return records is not None and len(records) > 0 and _layout(records[0]) is not None


def parse(document: Any, context: ParseContext) -> ParsedReport:
    records = _records(document)
    if records is None:
        raise ReportRejected("report: expected Trufflehog JSON Lines (one object per line)")
    layouts = [_layout(record) for record in records]
    for index, layout in enumerate(layouts):
        if layout is None:
            obj(records[index], f"report[{index}]")  # names a non-object precisely
            raise ReportRejected(f"report[{index}]: neither a Trufflehog finding nor a log line")
    findings = [i for i, layout in enumerate(layouts) if layout != "log"]
    if len({layouts[i] for i in findings}) > 1:
        raise ReportRejected("report: mixes Trufflehog 2 and Trufflehog 3 findings")
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(findings),
        drafts=_drafts(records, findings, layouts, _version(records, layouts)),
        context=context,
    )


def _version(records: list[Any], layouts: list[str | None]) -> str | None:
    for record, layout in zip(records, layouts, strict=True):
        version = record.get("trufflehog_version") if layout == "log" else None
        if isinstance(version, str) and version:
            return version
    return None


def _drafts(
    records: list[Any], indices: list[int], layouts: list[str | None], version: str | None
) -> Iterator[Draft]:
    for index in indices:
        where = f"report[{index}]"
        record = obj(records[index], where)
        yield _v3(record, where, version) if layouts[index] == "v3" else _v2(record, where)


def _v3(record: JsonObject, where: str, version: str | None) -> Draft:
    detector = opt_str(record, "DetectorName", where)
    if not detector:
        raise ReportRejected(f"{where}: the required 'DetectorName' property is empty")
    source = _source(record, where)
    source_where = f"{where}.SourceMetadata.Data"
    verified = record.get("Verified")
    value, also_hide = _secret(record, where)
    return Draft(
        tool=TOOL,
        tool_version=version,
        rule_id=detector,
        message=f"{detector} secret found by Trufflehog",
        severity=_SEVERITY,
        where=where,
        kind=FindingKind.SECRET,
        path=opt_str(source, "file", source_where),
        start_line=opt_int(source, "line", source_where, minimum=0),
        secret=SecretMaterial(
            secret_type=detector,
            value=value,
            verified=verified if isinstance(verified, bool) else None,
            commit=opt_str(source, "commit", source_where) or None,
            also_hide=also_hide,
        ),
    )


def _source(record: JsonObject, where: str) -> JsonObject:
    """The one source-specific object under ``SourceMetadata.Data`` (``Git``, ``Filesystem``…)."""
    metadata = opt_obj(record, "SourceMetadata", where) or {}
    data = opt_obj(metadata, "Data", f"{where}.SourceMetadata") or {}
    for name, value in data.items():
        if isinstance(value, dict):
            return value
        if value is not None:
            raise ReportRejected(f"{where}.SourceMetadata.Data.{name}: expected an object")
    return {}


def _secret(record: JsonObject, where: str) -> tuple[str | None, tuple[str, ...]]:
    """The secret and the other raw fields that contain it."""
    raw = opt_str(record, "Raw", where) or None
    raw_v2 = opt_str(record, "RawV2", where) or None
    hide = tuple(text for text in (raw, raw_v2) if text)
    if raw and "RawV2" not in record and "DecoderName" not in record:
        # Before ``RawV2`` and ``DecoderName`` existed, Trufflehog 3 marshalled ``Raw`` as Go
        # bytes, which JSON encodes as base64: the secret is the decoded text.
        decoded = _base64_text(raw)
        if decoded is not None:
            return decoded, (*hide, decoded)
    return raw or raw_v2, hide


def _base64_text(text: str) -> str | None:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _v2(record: JsonObject, where: str) -> Draft:
    reason = opt_str(record, "reason", where)
    if not reason:
        raise ReportRejected(f"{where}: the required 'reason' property is empty")
    found = opt_arr(record, "stringsFound", where)
    strings = [s for s in found if isinstance(s, str) and s]
    if len(strings) != len(found):
        raise ReportRejected(f"{where}.stringsFound: expected non-empty strings")
    return Draft(
        tool=TOOL,
        rule_id=reason,
        message=f"{reason} found by Trufflehog",
        severity=_SEVERITY,
        where=where,
        kind=FindingKind.SECRET,
        path=opt_str(record, "path", where),
        secret=SecretMaterial(
            secret_type=reason,
            # One finding per commit and reason; the first string is its secret, the others (the
            # same secret on other diff lines, as a rule) are scrubbed like it.
            value=strings[0] if strings else None,
            commit=opt_str(record, "commitHash", where) or None,
            also_hide=tuple(strings[1:]),
        ),
    )
