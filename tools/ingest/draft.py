"""From what a parser read to validated, fingerprinted, redacted Findings.

Every parser fills in ``Draft``s and hands them to :func:`finalise` (through :func:`build_report`
when it holds the whole report in memory), so the rules that keep the store sound live in one
place: merging exact duplicates, line-independent fingerprints, repository paths that cannot point
outside the repository, and secrets that never get past this module.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from pydantic import ValidationError

from tools.findings.finding import (
    DastDetails,
    Finding,
    FindingDetails,
    FindingKind,
    IacDetails,
    LlmDetails,
    ModelArtifactDetails,
    ScaDetails,
    SecretDetails,
)
from tools.findings.fingerprint import compute_fingerprint, normalise_code
from tools.findings.secrets import redact, scrub, secret_hmac
from tools.findings.severity import Severity
from tools.ingest.errors import ReportRejected
from tools.ingest.report import ParseContext, ParsedReport, Quarantined, ReportTally

MAX_LINE = 10_000_000
"""No real source file has more lines; a larger number is garbage or an attack on our readers."""

_MAX_TEXT = 8000
_MAX_SHORT = 500
_MAX_PATH = 2000
_CWE = re.compile(r"(?i)^\s*(?:cwe)?[-_ :]*0*([1-9][0-9]{0,5})\b")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


@dataclass(frozen=True)
class SecretMaterial:
    """The secret a scanner reported. Only :func:`finalise` sees it, and redacts it at once."""

    secret_type: str
    value: str | None
    verified: bool | None = None
    commit: str | None = None
    also_hide: tuple[str, ...] = ()
    """Other raw strings carrying the secret (a scanner's "match" line), scrubbed from all text."""

    def __repr__(self) -> str:  # never print the value, even in a traceback
        return f"SecretMaterial(secret_type={self.secret_type!r}, value=<redacted>)"


class Draft(NamedTuple):
    """One result as a parser read it, before validation. Text fields are untrusted.

    Immutable, and a named tuple rather than a frozen dataclass: every result of a report
    becomes one, and a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``, four times slower for these seventeen fields.
    """

    tool: str
    rule_id: str
    message: str
    severity: Severity
    where: str
    """JSON path of the result in the report, for quarantine reasons."""
    kind: FindingKind = FindingKind.SAST
    tool_version: str | None = None
    rule_name: str | None = None
    cwe_ids: tuple[str, ...] = ()
    path: str | None = None
    start_line: int | None = None
    start_column: int | None = None
    end_line: int | None = None
    snippet: str | None = None
    identity: str | None = None
    """What makes this the same problem across scans, without line numbers. Default: the flagged
    code, else the message."""
    details: ScaDetails | IacDetails | DastDetails | LlmDetails | ModelArtifactDetails | None = None
    """Kind-specific fields; a secret finding gets its details from ``secret`` instead."""
    secret: SecretMaterial | None = None
    """Its own repr hides the value."""


def cwe_ids(*values: object) -> tuple[str, ...]:
    """CWE ids in canonical ``CWE-n`` form from the many spellings scanners use.

    Accepts ints, ``"79"``, ``"CWE-79"``, ``"CWE-79: Improper …"``, ``"cwe_79"`` and lists of
    those; anything else is ignored.
    """
    found: list[str] = []
    for value in values:
        if isinstance(value, list | tuple):
            found.extend(cwe_ids(*value))
        elif isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**6:
            found.append(f"CWE-{value}")
        elif isinstance(value, str) and (match := _CWE.match(value)):
            found.append(f"CWE-{match.group(1)}")
    return tuple(dict.fromkeys(found))


def build_report(
    *,
    format_name: str,
    tools: Iterable[str],
    results: int,
    drafts: Iterable[Draft],
    context: ParseContext,
    ignored: int = 0,
    repository: str | None = None,
    complete: bool = True,
) -> ParsedReport:
    """Check the result count, then validate every draft and assign fingerprints."""
    check_result_count(results, context)
    tally = ReportTally(results=results, ignored=ignored)
    findings = tuple(finalise(drafts, context, tally))
    return ParsedReport(
        format=format_name,
        tools=tuple(dict.fromkeys(tools)),
        results=results,
        ignored=ignored,
        findings=findings,
        quarantined=tuple(tally.quarantine_samples),
        quarantined_count=tally.quarantined,
        repository=repository,
        complete=complete,
    )


def check_result_count(results: int, context: ParseContext) -> None:
    if results > context.max_results:
        raise ReportRejected(
            f"{results} results, over the limit of {context.max_results} "
            "(raise APPSEC_TRIAGE_MAX_RESULTS_PER_REPORT to accept it)"
        )


def finalise(
    drafts: Iterable[Draft], context: ParseContext, tally: ReportTally
) -> Iterator[Finding]:
    """Validated, fingerprinted, redacted findings, one at a time, as the drafts arrive.

    Nothing here holds more than a 16-byte digest per result, so a report of any size streams in
    flat memory. Identical identities in one file are numbered in the order they come, as GitHub
    does: the set of fingerprints a group of k identical findings gets is 1..k either way, so the
    order the scanner writes them in does not change what matches on the next scan.
    """
    merge_keys: set[bytes] = set()
    ordinals: dict[bytes, int] = {}
    for draft in drafts:
        problem = _location_problem(draft)
        if problem is not None:
            tally.quarantine(Quarantined(where=draft.where, reason=problem))
            continue
        fields, identity = _prepared(draft, context.secret_key)
        tool, rule_id, path = fields["tool"], fields["rule_id"], fields["path"]
        # Identical identities, told apart by their ordinal: exactly what the fingerprint hashes
        # besides the ordinal (the tool's name in lower case), so no two share a fingerprint.
        group = _digest((tool.lower(), rule_id, path, identity))
        # An exact duplicate: the same identity at the same position (a digest too, so each
        # result costs the set 16 bytes whatever its identity's length).
        position = orjson.dumps((fields["start_line"], draft.start_column))
        merge_key = hashlib.blake2b(group + position, digest_size=16).digest()
        if merge_key in merge_keys:
            tally.merged += 1
            continue
        merge_keys.add(merge_key)
        ordinals[group] = ordinal = ordinals.get(group, 0) + 1
        fields["fingerprint"] = compute_fingerprint(
            tool=tool, rule_id=rule_id, path=path, identity=identity, ordinal=ordinal
        )
        try:
            finding = Finding.model_validate(fields)
        except ValidationError as exc:
            first = exc.errors()[0]
            location = ".".join(str(part) for part in first["loc"])
            tally.quarantine(Quarantined(where=draft.where, reason=f"{location}: {first['msg']}"))
            continue
        tally.findings += 1
        yield finding


def _digest(key: tuple[object, ...]) -> bytes:
    return hashlib.blake2b(orjson.dumps(key), digest_size=16).digest()


def _location_problem(draft: Draft) -> str | None:
    for name, line in (("start_line", draft.start_line), ("end_line", draft.end_line)):
        if line is not None and not 0 <= line <= MAX_LINE:
            return f"{name} {line} is outside 0..{MAX_LINE}"
    if draft.path is None or draft.kind is FindingKind.SCA:
        return None  # an SCA location outside the repository is moved aside, not refused
    return path_problem(draft.path)


@functools.lru_cache(maxsize=4096)  # a report names the same files over and over
def path_problem(path: str) -> str | None:
    """Why ``path`` cannot be a repository-relative path, or None when it can."""
    if "\x00" in path:
        return "the path contains a NUL byte"
    if path.startswith(("/", "\\")) or _DRIVE.match(path):
        return f"the path {path[:200]!r} is absolute, not relative to the repository"
    if _SCHEME.match(path):
        return f"the path {path[:200]!r} is a URL, not a repository path"
    if ".." in path.replace("\\", "/").split("/"):
        return f"the path {path[:200]!r} climbs out of the repository with '..'"
    return None


def _prepared(draft: Draft, key: bytes) -> tuple[dict[str, Any], str]:
    """The draft as Finding fields (normalised, capped and, for secrets, redacted) and its
    identity."""
    path, details = _repository_path(draft)
    start = draft.start_line or None  # some scanners write 0 for "no line"
    end = (draft.end_line or start) if start is not None else None
    if start is not None and end is not None and end < start:
        end = start
    fields: dict[str, Any] = {
        "kind": draft.kind,
        "tool": draft.tool[:200],
        "tool_version": draft.tool_version[:100] if draft.tool_version else None,
        "rule_id": draft.rule_id[:_MAX_SHORT],
        "rule_name": draft.rule_name[:_MAX_SHORT] if draft.rule_name else None,
        "cwe_ids": draft.cwe_ids,
        "message": draft.message[:_MAX_TEXT],
        "tool_severity": draft.severity,
        "path": path,
        "start_line": start,
        "end_line": end,
        "snippet": draft.snippet[:_MAX_TEXT] if draft.snippet else None,
        "details": details,
    }
    identity = draft.identity or _default_identity(fields["snippet"], fields["message"])
    if draft.kind is FindingKind.SECRET:
        identity = _redact_secret(fields, identity, draft.secret, key)
    return fields, identity


def _repository_path(draft: Draft) -> tuple[str | None, FindingDetails | None]:
    """The normalised path, and the details with an SCA location that is no repository path."""
    path, details = draft.path, draft.details
    if path is None:
        return None, details
    if "\\" in path:
        path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    path = path[:_MAX_PATH] or None
    if draft.kind is FindingKind.SCA and path is not None and path_problem(path) is not None:
        if isinstance(details, ScaDetails) and details.location is None:
            details = details.model_copy(update={"location": path})
        path = None
    return path, details


def _default_identity(snippet: str | None, message: str) -> str:
    if snippet and snippet.strip():
        return "code:" + normalise_code(snippet)
    return "message:" + normalise_code(message)


def _redact_secret(
    fields: dict[str, Any], identity: str, material: SecretMaterial | None, key: bytes
) -> str:
    """Remove the secret from every field; returns the keyed identity replacing the plain one."""
    material = material or SecretMaterial(secret_type=fields["rule_id"], value=None)
    hidden = tuple(s for s in (material.value, *material.also_hide) if s)
    redacted = redact(material.value, key) if material.value else None
    fields["message"] = scrub(fields["message"], hidden) or ""
    fields["rule_name"] = scrub(fields["rule_name"], hidden)
    # The flagged line is the secret: keep no snippet at all rather than trust a scrub.
    fields["snippet"] = None
    fields["details"] = SecretDetails(
        secret_type=(scrub(material.secret_type, hidden) or "secret")[:_MAX_SHORT],
        secret_hmac=redacted.hmac if redacted else None,
        masked_preview=redacted.preview if redacted else None,
        verified=material.verified,
        commit=material.commit[:100] if material.commit else None,
    )
    # Keyed, so the stored fingerprint cannot be used to guess the secret offline.
    return redacted.hmac if redacted else secret_hmac(scrub(identity, hidden) or "", key)
