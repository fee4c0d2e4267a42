"""Yelp detect-secrets' baseline (``detect-secrets scan > .secrets.baseline``) → secret Findings.

A baseline maps each file to the secrets found in it. It never holds a secret, only its unsalted
SHA-1 (``hashed_secret``): that is what makes two entries the same secret, so it is the identity,
which build_report keys with the installation's HMAC key before anything is stored. With no raw
value the finding has no ``secret_hmac`` or preview.

An entry audited as not a secret (``"is_secret": false``, set by ``detect-secrets audit``) is a
decided false positive: counted, and ignored like a suppressed result.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from tools.findings.finding import FindingKind
from tools.findings.severity import Severity
from tools.ingest.draft import Draft, SecretMaterial, build_report
from tools.ingest.errors import ReportRejected
from tools.ingest.json_access import JsonObject, obj, opt_int, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "detect-secrets"
TOOL = "detect-secrets"
# detect-secrets rates nothing; the same neutral weight as the other secret scanners.
_SEVERITY = Severity.MEDIUM


def looks_like(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("results"), dict)
        and isinstance(document.get("plugins_used"), list)
        and "generated_at" in document
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    baseline = obj(document, "report")
    results = opt_obj(baseline, "results", "report") or {}
    entries: list[tuple[str, JsonObject, str]] = []
    for file_name, found in results.items():
        file_where = f"results[{json.dumps(file_name)[:200]}]"
        if not isinstance(found, list):
            raise ReportRejected(f"{file_where}: expected an array of secrets")
        for index, raw in enumerate(found):
            where = f"{file_where}[{index}]"
            entries.append((file_name, obj(raw, where), where))
    audited_false = [e for e in entries if e[1].get("is_secret") is False]
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(entries),
        ignored=len(audited_false),
        drafts=_drafts(entries, opt_str(baseline, "version", "report")),
        context=context,
    )


def _drafts(entries: list[tuple[str, JsonObject, str]], version: str | None) -> Iterator[Draft]:
    for file_name, entry, where in entries:
        if entry.get("is_secret") is not False:
            yield _draft(file_name, entry, where, version)


def _draft(file_name: str, entry: JsonObject, where: str, version: str | None) -> Draft:
    secret_type = opt_str(entry, "type", where)
    if not secret_type:
        raise ReportRejected(f"{where}: the required 'type' property is missing")
    hashed = opt_str(entry, "hashed_secret", where)
    verified = entry.get("is_verified")
    return Draft(
        tool=TOOL,
        tool_version=version,
        rule_id=secret_type,
        message=f"{secret_type} found by detect-secrets",
        severity=_SEVERITY,
        where=where,
        kind=FindingKind.SECRET,
        path=opt_str(entry, "filename", where) or file_name,
        start_line=opt_int(entry, "line_number", where, minimum=0),
        identity=f"sha1:{hashed}" if hashed else None,
        secret=SecretMaterial(
            secret_type=secret_type,
            value=None,
            # ``false`` only means "not confirmed live", which includes "never checked".
            verified=True if verified is True else None,
        ),
    )
