"""From what a parser read to validated, fingerprinted, redacted Findings.

Every parser fills in ``Draft``s and hands them to :func:`build_report`, so the rules that keep the
store sound live in one place: merging exact duplicates, line-independent fingerprints, repository
paths that cannot point outside the repository, and secrets that never get past this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from pydantic import ValidationError

from tools.findings.finding import (
    DastDetails,
    Finding,
    FindingDetails,
    FindingKind,
    IacDetails,
    ScaDetails,
    SecretDetails,
)
from tools.findings.fingerprint import compute_fingerprint, normalise_code
from tools.findings.secrets import redact, scrub, secret_hmac
from tools.findings.severity import Severity
from tools.ingest.errors import ReportRejected
from tools.ingest.report import ParseContext, ParsedReport, Quarantined

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
    """The secret a scanner reported. Only :func:`build_report` sees it; it redacts it at once."""

    secret_type: str
    value: str | None
    verified: bool | None = None
    commit: str | None = None
    also_hide: tuple[str, ...] = ()
    """Other raw strings carrying the secret (a scanner's "match" line), scrubbed from all text."""

    def __repr__(self) -> str:  # never print the value, even in a traceback
        return f"SecretMaterial(secret_type={self.secret_type!r}, value=<redacted>)"


@dataclass(frozen=True)
class Draft:
    """One result as a parser read it, before validation. Text fields are untrusted."""

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
    details: ScaDetails | IacDetails | DastDetails | None = None
    """Kind-specific fields; a secret finding gets its details from ``secret`` instead."""
    secret: SecretMaterial | None = field(default=None, repr=False)
    secret_details: SecretDetails | None = None
    """Set by :func:`build_report` after redaction; parsers leave it alone."""


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
    """Check the result count, validate every draft and assign fingerprints."""
    if results > context.max_results:
        raise ReportRejected(
            f"{results} results, over the limit of {context.max_results} "
            "(raise APPSEC_TRIAGE_MAX_RESULTS_PER_REPORT to accept it)"
        )
    quarantined: list[Quarantined] = []
    accepted: list[Draft] = []
    for draft in drafts:
        problem = _location_problem(draft)
        if problem is not None:
            quarantined.append(Quarantined(where=draft.where, reason=problem))
            continue
        accepted.append(_redacted(_normalised(draft), context.secret_key))
    findings: list[Finding] = []
    for draft, ordinal in _ordinals(_merge_exact_duplicates(accepted)):
        try:
            findings.append(_finding(draft, ordinal))
        except ValidationError as exc:
            first = exc.errors()[0]
            location = ".".join(str(part) for part in first["loc"])
            quarantined.append(Quarantined(where=draft.where, reason=f"{location}: {first['msg']}"))
    return ParsedReport(
        format=format_name,
        tools=tuple(dict.fromkeys(tools)),
        results=results,
        ignored=ignored,
        findings=tuple(findings),
        quarantined=tuple(quarantined),
        repository=repository,
        complete=complete,
    )


def _location_problem(draft: Draft) -> str | None:
    for name in ("start_line", "end_line"):
        line = getattr(draft, name)
        if line is not None and not 0 <= line <= MAX_LINE:
            return f"{name} {line} is outside 0..{MAX_LINE}"
    if draft.path is None or draft.kind is FindingKind.SCA:
        return None  # an SCA location outside the repository is moved aside, not refused
    return path_problem(draft.path)


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


def _normalised(draft: Draft) -> Draft:
    path = draft.path
    details = draft.details
    if path is not None:
        path = path.replace("\\", "/")
        while path.startswith("./"):
            path = path[2:]
        path = path[:_MAX_PATH] or None
    if draft.kind is FindingKind.SCA and path is not None and path_problem(path) is not None:
        if isinstance(details, ScaDetails) and details.location is None:
            details = details.model_copy(update={"location": path})
        path = None
    start = draft.start_line or None  # some scanners write 0 for "no line"
    end = draft.end_line or start
    if start is not None and end is not None and end < start:
        end = start
    return replace(
        draft,
        tool=draft.tool[:200],
        tool_version=draft.tool_version[:100] if draft.tool_version else None,
        rule_id=draft.rule_id[:_MAX_SHORT],
        rule_name=draft.rule_name[:_MAX_SHORT] if draft.rule_name else None,
        message=draft.message[:_MAX_TEXT],
        snippet=draft.snippet[:_MAX_TEXT] if draft.snippet else None,
        path=path,
        start_line=start,
        end_line=end if start is not None else None,
        details=details,
    )


def _redacted(draft: Draft, key: bytes) -> Draft:
    """A secret finding with the secret gone from every field and its identity keyed."""
    if draft.kind is not FindingKind.SECRET:
        return replace(draft, secret=None)
    material = draft.secret or SecretMaterial(secret_type=draft.rule_id, value=None)
    hidden = tuple(s for s in (material.value, *material.also_hide) if s)
    redacted = redact(material.value, key) if material.value else None
    identity = draft.identity or draft.snippet or draft.message
    return replace(
        draft,
        message=scrub(draft.message, hidden) or "",
        rule_name=scrub(draft.rule_name, hidden),
        # The flagged line is the secret: keep no snippet at all rather than trust a scrub.
        snippet=None,
        # Keyed, so the stored fingerprint cannot be used to guess the secret offline.
        identity=redacted.hmac if redacted else secret_hmac(scrub(identity, hidden) or "", key),
        secret=None,
        details=None,
        secret_details=SecretDetails(
            secret_type=(scrub(material.secret_type, hidden) or "secret")[:_MAX_SHORT],
            secret_hmac=redacted.hmac if redacted else None,
            masked_preview=redacted.preview if redacted else None,
            verified=material.verified,
            commit=material.commit[:100] if material.commit else None,
        ),
    )


def _identity(draft: Draft) -> str:
    if draft.identity:
        return draft.identity
    if draft.snippet and draft.snippet.strip():
        return "code:" + normalise_code(draft.snippet)
    return "message:" + normalise_code(draft.message)


def _merge_exact_duplicates(drafts: list[Draft]) -> list[Draft]:
    unique: dict[tuple[object, ...], Draft] = {}
    for draft in drafts:
        key = (
            draft.tool,
            draft.rule_id,
            draft.path,
            _identity(draft),
            draft.start_line,
            draft.start_column,
        )
        unique.setdefault(key, draft)
    return list(unique.values())


def _ordinals(drafts: list[Draft]) -> Iterable[tuple[Draft, int]]:
    """Number identical identities in one file by position, as GitHub does."""
    ordered = sorted(
        drafts,
        key=lambda d: (d.tool, d.rule_id, d.path or "", d.start_line or 0, d.start_column or 0),
    )
    seen: dict[tuple[str, str, str | None, str], int] = {}
    for draft in ordered:
        group = (draft.tool, draft.rule_id, draft.path, _identity(draft))
        seen[group] = seen.get(group, 0) + 1
        yield draft, seen[group]


def _finding(draft: Draft, ordinal: int) -> Finding:
    details: FindingDetails | None = draft.secret_details or draft.details
    return Finding(
        kind=draft.kind,
        tool=draft.tool,
        tool_version=draft.tool_version,
        rule_id=draft.rule_id,
        rule_name=draft.rule_name,
        cwe_ids=draft.cwe_ids,
        message=draft.message,
        tool_severity=draft.severity,
        path=draft.path,
        start_line=draft.start_line,
        end_line=draft.end_line,
        snippet=draft.snippet,
        details=details,
        fingerprint=compute_fingerprint(
            tool=draft.tool,
            rule_id=draft.rule_id,
            path=draft.path,
            identity=_identity(draft),
            ordinal=ordinal,
        ),
    )
