"""SARIF 2.1.0 → Findings.

Validation is structural and strict where a mistake would record a wrong finding (wrong version,
indices out of range, a ruleId that contradicts the rule it points at, a region that ends before it
starts, a message that cannot be resolved), and lenient about style guidance (unterminated
messages, missing optional metadata), which the SARIF validator reports as warnings. A rejected
report raises ReportRejected naming the JSON path of the first problem.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import ijson

from tools.findings.finding import FindingKind
from tools.findings.fingerprint import normalise_code
from tools.findings.severity import Severity, from_sarif_level, from_score, from_word
from tools.ingest.draft import Draft, SecretMaterial, build_report, check_result_count, finalise
from tools.ingest.errors import ReportRejected
from tools.ingest.formats.sarif_skeleton import UNREAD, read_skeleton
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_int, opt_obj, opt_str
from tools.ingest.report import (
    ParseContext,
    ParsedReport,
    ReportHeader,
    ReportStream,
    ReportTally,
)

FORMAT = "sarif"
SUPPORTED_VERSION = "2.1.0"

_LEVELS = frozenset({"none", "note", "warning", "error"})
_BASELINE_STATES = frozenset({"new", "unchanged", "updated", "absent"})
_FINDING_KINDS = frozenset({"fail", "open", "review"})
_NOT_FINDING_KINDS = frozenset({"pass", "notApplicable", "informational"})
_CWE_TAG = re.compile(r"^(?:external/cwe/)?cwe[-_ ]?0*([1-9][0-9]{0,5})$", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{(\d+)\}")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# SARIF does not say what kind of scanner wrote it; the tool's name does.
_KIND_BY_TOOL = {
    "gitleaks": FindingKind.SECRET,
    "trufflehog": FindingKind.SECRET,
    "detect-secrets": FindingKind.SECRET,
    "ggshield": FindingKind.SECRET,
    "noseyparker": FindingKind.SECRET,
    "checkov": FindingKind.IAC,
    "kics": FindingKind.IAC,
    "tfsec": FindingKind.IAC,
    "hadolint": FindingKind.IAC,
    "dockle": FindingKind.IAC,
    "zap": FindingKind.DAST,
    "dependency-check": FindingKind.SCA,
    "grype": FindingKind.SCA,
    "osv-scanner": FindingKind.SCA,
    "govulncheck": FindingKind.SCA,
}
_TRIVY_MISCONFIG = re.compile(r"^(?:AVD|DS|KSV|KCV|AWS|GCP|AZU|GIT)[-0-9]", re.IGNORECASE)
_ADVISORY = re.compile(r"^(?:CVE-\d{4}-\d+|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})$", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def kind_for(tool: str, rule_id: str) -> FindingKind:
    """The finding kind a SARIF producer implies; SAST unless its name or rule id says otherwise."""
    compact = tool.lower().replace(" ", "")
    if compact == "trivy":  # one driver for vulnerabilities, misconfigurations and secrets
        if _ADVISORY.match(rule_id):
            return FindingKind.SCA
        # Misconfiguration ids (AVD-AWS-0001, DS002, KSV001); anything else is a secret rule,
        # and treating an unknown rule as a secret errs on the side of redaction.
        return FindingKind.IAC if _TRIVY_MISCONFIG.match(rule_id) else FindingKind.SECRET
    for name, kind in _KIND_BY_TOOL.items():
        if name in compact:
            return kind
    return FindingKind.SAST


def _secret_hints(snippet: str | None) -> tuple[str, ...]:
    # A secret scanner's snippet is the secret (or the line holding it): scrub it everywhere.
    return (snippet.strip(),) if snippet and snippet.strip() else ()


def looks_like(document: Any) -> bool:
    """True when the document claims to be SARIF (any version), so validation can say why not."""
    if not isinstance(document, dict):
        return False
    schema = document.get("$schema")
    return "runs" in document or (isinstance(schema, str) and "sarif" in schema.lower())


def parse(document: Any, context: ParseContext) -> ParsedReport:
    """Validate a SARIF log held in memory and normalise its results. Raises ReportRejected."""
    log, runs, total = _checked_log(document, context)
    ignored = 0
    drafts: list[Draft] = []
    for run in runs:
        for where, raw_result in _indexed(run):
            draft = _read_result(log, run, obj(raw_result, where), where)
            if draft is None:
                ignored += 1
            else:
                drafts.append(draft)
    return build_report(
        format_name=FORMAT,
        tools=[run.tool for run in runs],
        results=total,
        ignored=ignored,
        drafts=drafts,
        context=context,
        repository=_repository(runs),
        complete=all(run.complete for run in runs),
    )


@dataclass(frozen=True)
class Outline:
    """The first pass over a SARIF file: its checked log without the results, and their count.

    Picklable, so a parser process can read the results while this process stores them.
    """

    log: JsonObject
    runs: tuple[_Run, ...]
    total: int
    result_counts: tuple[int, ...]

    def reads_like(self, other: Outline) -> bool:
        """Whether results read with this outline read the same with ``other``: one run each,
        with the same tool, rules and artifacts. (The log matters too, for ``sarif:``
        pointers: see :meth:`adopt_log`.)"""
        if len(self.runs) != 1 or len(other.runs) != 1:
            return False
        mine, theirs = self.runs[0], other.runs[0]
        return (mine.tool, mine.tool_version, mine.rules, mine.artifact_uris) == (
            theirs.tool,
            theirs.tool_version,
            theirs.rules,
            theirs.artifact_uris,
        )

    def adopt_log(self, other: Outline) -> None:
        """Take ``other``'s log in place, so a stream begun with this outline resolves
        ``sarif:`` pointers against the whole log from now on."""
        self.log.clear()
        self.log.update(other.log)

    def header(self) -> ReportHeader:
        """What the store records before the first finding; the tally fills in as they come."""
        return ReportHeader(
            format=FORMAT,
            tools=tuple(dict.fromkeys(run.tool for run in self.runs)),
            repository=_repository(self.runs),
            complete=all(run.complete for run in self.runs),
            tally=ReportTally(results=self.total),
        )


def stream_file(path: Path, context: ParseContext) -> ReportStream:
    """A SARIF file too big to hold in memory, read twice with a streaming parser.

    The first pass (:func:`read_outline`) builds the log without its results (tool, rules,
    artifacts, invocations) and counts each run's results, so the result cap is checked before
    any result is read. The second pass (:func:`stream_results`) reads results one at a time;
    memory stays flat in the size of the file.
    """
    return stream_results(path, read_outline(path, context), context)


def read_outline(path: Path, context: ParseContext) -> Outline:
    skeleton = read_skeleton(path)
    log, runs, total = _checked_log(skeleton.log, context)
    return Outline(log, tuple(runs), total, skeleton.result_counts)


def read_head(path: Path, context: ParseContext) -> Outline | None:
    """A provisional outline from the file's head alone: the log up to where its first run's
    results begin, when that run has what reading its results needs (tool, rules, artifacts)
    before them, as most producers write it. None otherwise.

    Results read with it stand only if :meth:`Outline.reads_like` the outline of the whole file.
    """
    skeleton = read_skeleton(path, head_only=True)
    if skeleton.result_counts != (0,):  # not stopped at the first run's results
        return None
    try:
        log, runs, _ = _checked_log(skeleton.log, context)
    except ReportRejected:
        return None  # something it needs comes later: the whole outline will say
    return Outline(log, tuple(runs), total=0, result_counts=(sys.maxsize,))


def stream_results(path: Path, outline: Outline, context: ParseContext) -> ReportStream:
    """The findings of the file whose first pass gave ``outline``, read one result at a time."""
    runs, counts = outline.runs, outline.result_counts

    def results() -> Iterator[tuple[_Run, str, Any]]:
        remaining_counts = iter(counts)
        run_index, remaining = -1, 0
        with path.open("rb") as handle:
            try:
                for raw in ijson.items(handle, "runs.item.results.item", use_float=True):
                    while remaining == 0:
                        run_index, remaining = run_index + 1, next(remaining_counts)
                    position = counts[run_index] - remaining
                    remaining -= 1
                    yield runs[run_index], f"runs[{run_index}].results[{position}]", raw
            except (ijson.JSONError, UnicodeDecodeError, StopIteration) as exc:
                # The first pass read the whole file; only a file changed since then gets here.
                raise ReportRejected("the file changed while it was being read") from exc

    return _stream(outline.log, outline.header(), context, results())


def _stream(
    log: JsonObject,
    header: ReportHeader,
    context: ParseContext,
    results: Iterable[tuple[_Run, str, Any]],
) -> ReportStream:
    """``results``: each result with its run and its JSON path."""
    tally = header.tally

    def drafts() -> Iterator[Draft]:
        for run, where, raw_result in results:
            draft = _read_result(log, run, obj(raw_result, where), where)
            if draft is None:
                tally.ignored += 1
            else:
                yield draft

    return ReportStream(
        format=header.format,
        tools=header.tools,
        repository=header.repository,
        complete=header.complete,
        findings=finalise(drafts(), context, tally),
        tally=tally,
    )


def _checked_log(document: Any, context: ParseContext) -> tuple[JsonObject, list[_Run], int]:
    """The log, its runs and its result count, after the checks that need no result."""
    log = obj(document, "log")
    version = log.get("version")
    if version is None:
        raise ReportRejected("not a SARIF log: the 'version' property is missing")
    if version != SUPPORTED_VERSION:
        raise ReportRejected(
            f"SARIF version {version!r} is not supported; only {SUPPORTED_VERSION} is"
        )
    schema = log.get("$schema")
    if isinstance(schema, str) and "external-property" in schema:
        raise ReportRejected("a SARIF external property file, not a log: it has no results")
    if "runs" not in log:
        raise ReportRejected("log: the required 'runs' property is missing")
    runs = [
        _Run.read(obj(raw, f"runs[{i}]"), f"runs[{i}]")
        for i, raw in enumerate(opt_arr(log, "runs", "log"))
    ]
    total = sum(len(opt_arr(run.raw, "results", run.where)) for run in runs)
    check_result_count(total, context)  # before any result is read
    return log, runs, total


def _indexed(run: _Run) -> Iterator[tuple[str, Any]]:
    for index, raw in enumerate(opt_arr(run.raw, "results", run.where)):
        yield f"{run.where}.results[{index}]", raw


def _repository(runs: Iterable[_Run]) -> str | None:
    return next((run.repository for run in runs if run.repository), None)


@dataclass(frozen=True)
class _Rule:
    id: str
    name: str | None
    level: str | None
    cwe_ids: tuple[str, ...]
    severity_hint: Severity | None
    message_strings: dict[str, str]


@dataclass(frozen=True)
class _Run:
    raw: JsonObject
    where: str
    tool: str
    tool_version: str | None
    rules: tuple[_Rule, ...]
    rules_by_id: dict[str, _Rule]
    artifact_uris: tuple[str | None, ...]
    repository: str | None
    complete: bool
    """False when an invocation reports that the tool did not finish."""

    @classmethod
    def read(cls, run: JsonObject, where: str) -> _Run:
        tool = opt_obj(run, "tool", where)
        if tool is None:
            raise ReportRejected(f"{where}: the required 'tool' property is missing")
        driver = opt_obj(tool, "driver", f"{where}.tool")
        if driver is None:
            raise ReportRejected(f"{where}.tool: the required 'driver' property is missing")
        driver_where = f"{where}.tool.driver"
        name = opt_str(driver, "name", driver_where)
        if not name:
            raise ReportRejected(f"{driver_where}: the required 'name' property is missing")
        version = opt_str(driver, "semanticVersion", driver_where) or opt_str(
            driver, "version", driver_where
        )
        rules = tuple(
            _read_rule(obj(raw, f"{driver_where}.rules[{i}]"), f"{driver_where}.rules[{i}]")
            for i, raw in enumerate(opt_arr(driver, "rules", driver_where))
        )
        artifacts = tuple(
            _artifact_uri(obj(raw, f"{where}.artifacts[{i}]"), f"{where}.artifacts[{i}]")
            for i, raw in enumerate(opt_arr(run, "artifacts", where))
        )
        repository = None
        for i, raw in enumerate(opt_arr(run, "versionControlProvenance", where)):
            vcp = obj(raw, f"{where}.versionControlProvenance[{i}]")
            repository = opt_str(vcp, "repositoryUri", f"{where}.versionControlProvenance[{i}]")
            if repository:
                break
        complete = all(
            not isinstance(invocation, dict) or invocation.get("executionSuccessful") is not False
            for invocation in opt_arr(run, "invocations", where)
        )
        return cls(
            raw=run,
            where=where,
            tool=name[:200],
            tool_version=version[:100] if version else None,
            rules=rules,
            rules_by_id={rule.id: rule for rule in rules},
            artifact_uris=artifacts,
            repository=repository,
            complete=complete,
        )


def _read_rule(rule: JsonObject, where: str) -> _Rule:
    rule_id = opt_str(rule, "id", where)
    if not rule_id:
        raise ReportRejected(f"{where}: the required 'id' property is missing")
    config = opt_obj(rule, "defaultConfiguration", where)
    level = opt_str(config, "level", f"{where}.defaultConfiguration") if config else None
    if level is not None and level not in _LEVELS:
        raise ReportRejected(f"{where}.defaultConfiguration.level: {level!r} is not a SARIF level")
    properties = opt_obj(rule, "properties", where) or {}
    messages: dict[str, str] = {}
    for key, value in (opt_obj(rule, "messageStrings", where) or {}).items():
        text = value.get("text") if isinstance(value, dict) else None
        if isinstance(text, str):
            messages[key] = text
    return _Rule(
        id=rule_id,
        name=opt_str(rule, "name", where),
        level=level,
        cwe_ids=_cwe_ids(properties, rule.get("relationships")),
        severity_hint=_severity_hint(properties),
        message_strings=messages,
    )


def _read_result(log: JsonObject, run: _Run, result: JsonObject, where: str) -> Draft | None:
    kind = opt_str(result, "kind", where) or "fail"
    if kind in _NOT_FINDING_KINDS:
        return None
    if kind not in _FINDING_KINDS:
        raise ReportRejected(f"{where}.kind: {kind!r} is not a SARIF result kind")
    if _is_suppressed(result, where) or _is_absent(result, where):
        return None

    rule = _resolve_rule(run, result, where)
    rule_id = rule.id if rule else opt_str(result, "ruleId", where)
    if not rule_id:
        raise ReportRejected(f"{where}: the result names no rule (no ruleId, rule or ruleIndex)")

    level = opt_str(result, "level", where)
    if level is not None and level not in _LEVELS:
        raise ReportRejected(f"{where}.level: {level!r} is not a SARIF level")
    properties = opt_obj(result, "properties", where) or {}
    severity = (
        _severity_hint(properties)
        or (rule.severity_hint if rule else None)
        or from_sarif_level(level or (rule.level if rule else None) or "warning")
        or Severity.MEDIUM
    )

    message = _message_text(result, rule, where)
    _check_related_references(log, result, where)
    path, start_line, start_column, end_line, snippet = _primary_location(run, result, where)
    rule_cwe_ids = rule.cwe_ids if rule else ()
    result_cwe_ids = _cwe_ids(properties, None)
    # Each is already free of repeats; most results add none to their rule's.
    cwe_ids = (
        tuple(dict.fromkeys(rule_cwe_ids + result_cwe_ids)) if result_cwe_ids else rule_cwe_ids
    )
    kind = kind_for(run.tool, rule_id)
    return Draft(
        tool=run.tool,
        tool_version=run.tool_version,
        rule_id=rule_id,
        rule_name=rule.name if rule else None,
        cwe_ids=cwe_ids,
        message=message,
        severity=severity,
        where=where,
        kind=kind,
        path=path,
        start_line=start_line,
        start_column=start_column,
        end_line=end_line,
        snippet=snippet,
        identity=_identity(result, where, snippet, message),
        secret=SecretMaterial(secret_type=rule_id, value=None, also_hide=_secret_hints(snippet))
        if kind is FindingKind.SECRET
        else None,
    )


def _resolve_rule(run: _Run, result: JsonObject, where: str) -> _Rule | None:
    # The SARIF SDK writes "ruleId": "" beside a ruleIndex; an empty id names nothing.
    rule_id = opt_str(result, "ruleId", where) or None
    reference = opt_obj(result, "rule", where)
    index = opt_int(result, "ruleIndex", where, minimum=-1)
    if reference is not None:
        rule_id = rule_id or opt_str(reference, "id", f"{where}.rule")
        ref_index = opt_int(reference, "index", f"{where}.rule", minimum=-1)
        index = index if ref_index is None or ref_index == -1 else ref_index
    if index is not None and index != -1 and (run.rules or rule_id is None):
        if index >= len(run.rules):
            raise ReportRejected(
                f"{where}.ruleIndex: {index} is out of range "
                f"(the driver defines {len(run.rules)} rules)"
            )
        rule = run.rules[index]
        if rule_id is not None and rule_id != rule.id and not rule_id.startswith(rule.id + "/"):
            raise ReportRejected(
                f"{where}.ruleId: {rule_id!r} contradicts rules[{index}].id {rule.id!r}"
            )
        return rule
    if rule_id is None:
        return None
    # A hierarchical id ("RULE/sub") still belongs to its base rule's metadata.
    return (
        run.rules_by_id.get(rule_id)
        or run.rules_by_id.get(rule_id.split("/", 1)[0])
        or (_Rule(rule_id, None, None, (), None, {}))
    )


def _is_absent(result: JsonObject, where: str) -> bool:
    """A result the producer's own baselining says is gone: history, not a current finding."""
    state = opt_str(result, "baselineState", where)
    if state is not None and state not in _BASELINE_STATES:
        raise ReportRejected(f"{where}.baselineState: {state!r} is not a SARIF baseline state")
    return state == "absent"


def _is_suppressed(result: JsonObject, where: str) -> bool:
    for i, raw in enumerate(opt_arr(result, "suppressions", where)):
        suppression = obj(raw, f"{where}.suppressions[{i}]")
        status = opt_str(suppression, "status", f"{where}.suppressions[{i}]") or "accepted"
        if status == "accepted":
            return True
    return False


def _message_text(result: JsonObject, rule: _Rule | None, where: str) -> str:
    message = opt_obj(result, "message", where)
    if message is None:
        raise ReportRejected(f"{where}: the required 'message' property is missing")
    text = opt_str(message, "text", where, ".message") or opt_str(
        message, "markdown", where, ".message"
    )
    message_id = opt_str(message, "id", where, ".message")
    if text is None and message_id is not None:
        if rule is None or message_id not in rule.message_strings:
            raise ReportRejected(
                f"{where}.message.id: {message_id!r} is not among the rule's messageStrings"
            )
        text = rule.message_strings[message_id]
    if text is None:
        raise ReportRejected(f"{where}.message: neither 'text' nor a resolvable 'id' is given")
    arguments = opt_arr(message, "arguments", where, ".message")  # checked even when unused
    if message_id is None:
        return text  # only a rule's message string has placeholders to fill

    def substitute(match: re.Match[str]) -> str:
        position = int(match.group(1))
        if position >= len(arguments):
            raise ReportRejected(
                f"{where}.message: placeholder {{{position}}} has no argument "
                f"({len(arguments)} given)"
            )
        return str(arguments[position])

    return _PLACEHOLDER.sub(substitute, text)


_LOCATION = ".locations[0]"
_PHYSICAL = _LOCATION + ".physicalLocation"
_ARTIFACT = _PHYSICAL + ".artifactLocation"
_REGION = _PHYSICAL + ".region"


def _primary_location(
    run: _Run, result: JsonObject, where: str
) -> tuple[str | None, int | None, int | None, int | None, str | None]:
    locations = opt_arr(result, "locations", where)
    if not locations:
        return None, None, None, None, None
    location = obj(locations[0], where, _LOCATION)
    physical = opt_obj(location, "physicalLocation", where, _LOCATION)
    if physical is None:
        return None, None, None, None, None
    artifact = opt_obj(physical, "artifactLocation", where, _PHYSICAL)
    path = None
    if artifact is not None:
        path = _artifact_uri(artifact, where, _ARTIFACT)
        index = opt_int(artifact, "index", where, _ARTIFACT, minimum=-1)
        # An index into an absent artifacts array is a dangling hint when the uri is given
        # (GitHub accepts such uploads); against a real array it must be in range.
        if index is not None and index != -1 and (run.artifact_uris or path is None):
            if index >= len(run.artifact_uris):
                raise ReportRejected(
                    f"{where}{_ARTIFACT}.index: {index} is out of range "
                    f"(the run lists {len(run.artifact_uris)} artifacts)"
                )
            path = path or run.artifact_uris[index]
    region = opt_obj(physical, "region", where, _PHYSICAL)
    if region is None:
        return path, None, None, None, None
    start_line = opt_int(region, "startLine", where, _REGION, minimum=1)
    start_column = opt_int(region, "startColumn", where, _REGION, minimum=1)
    end_line = opt_int(region, "endLine", where, _REGION, minimum=1)
    if start_line is not None and end_line is not None and end_line < start_line:
        raise ReportRejected(
            f"{where}{_REGION}: endLine {end_line} is before startLine {start_line}"
        )
    if end_line is not None and start_line is None:
        raise ReportRejected(f"{where}{_REGION}: endLine is given without startLine")
    end_column = opt_int(region, "endColumn", where, _REGION, minimum=1)
    if (
        start_column is not None
        and end_column is not None
        and (end_line is None or end_line == start_line)
        and end_column < start_column
    ):
        raise ReportRejected(
            f"{where}{_REGION}: endColumn {end_column} is before startColumn {start_column}"
        )
    snippet_obj = opt_obj(region, "snippet", where, _REGION)
    snippet = opt_str(snippet_obj, "text", where, _REGION + ".snippet") if snippet_obj else None
    return path, start_line, start_column, end_line or start_line, snippet


def _artifact_uri(artifact: JsonObject, where: str, suffix: str = "") -> str | None:
    """A repository-relative path from an artifactLocation ``uri``, or None when it has none."""
    uri = opt_str(artifact, "uri", where, suffix)
    if uri is None:
        location = opt_obj(artifact, "location", where, suffix)
        return _artifact_uri(location, where, f"{suffix}.location") if location else None
    problem = _uri_problem(uri)
    if problem is not None:
        raise ReportRejected(f"{where}{suffix}.uri: {uri[:200]!r} has a malformed {problem}")
    return _uri_path(uri)


@functools.lru_cache(maxsize=4096)
def _uri_path(uri: str) -> str | None:
    # Cached: a report names the same few hundred files over and over.
    parts = urlsplit(uri)
    if parts.scheme not in ("", "file") and len(parts.scheme) > 1:
        return uri[:2000]  # a non-file URI (https://…): keep it as the artifact's name
    path = unquote(parts.path if parts.scheme else uri)
    while path.startswith("./"):
        path = path[2:]
    return path[:2000] or None


@functools.lru_cache(maxsize=4096)
def _uri_problem(uri: str) -> str | None:
    """Why a URI is malformed: a finding would otherwise be recorded at a garbled location."""
    scheme, colon, _rest = uri.partition(":")
    if colon and not any(c in scheme for c in "/?#") and not _SCHEME.match(scheme):
        return "URI scheme"
    if _BAD_PERCENT.search(uri):
        return "percent-encoding"
    return None


def _check_related_references(log: JsonObject, result: JsonObject, where: str) -> None:
    """``sarif:`` URIs point into the log itself (SARIF §3.10.3); each must resolve."""
    for i, raw in enumerate(opt_arr(result, "relatedLocations", where)):
        physical = raw.get("physicalLocation") if isinstance(raw, dict) else None
        artifact = physical.get("artifactLocation") if isinstance(physical, dict) else None
        uri = artifact.get("uri") if isinstance(artifact, dict) else None
        if isinstance(uri, str) and uri.startswith("sarif:") and not _resolves(log, uri[6:]):
            raise ReportRejected(
                f"{where}.relatedLocations[{i}]: {uri[:200]!r} does not resolve in this log"
            )


def _resolves(document: Any, pointer: str) -> bool:
    node = document
    for token in pointer.strip("/").split("/") if pointer.strip("/") else []:
        if node is UNREAD:
            return True  # a result the streaming reader has not kept: it exists, as counted
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            return False
    return True


def _cwe_ids(properties: JsonObject, relationships: Any) -> tuple[str, ...]:
    if not properties and not relationships:
        return ()  # most results carry neither
    found: list[str] = []
    candidates: list[Any] = []
    tags = properties.get("tags")
    if isinstance(tags, list):
        candidates.extend(tags)
    for key in ("cwe", "CWE", "cwe_ids"):
        value = properties.get(key)
        candidates.extend(value if isinstance(value, list) else [value])
    for candidate in candidates:
        if isinstance(candidate, str):
            match = _CWE_TAG.match(candidate.strip().removesuffix(":").split(":")[0].strip())
            if match:
                found.append(f"CWE-{match.group(1)}")
    if isinstance(relationships, list):
        for relation in relationships:
            target = relation.get("target") if isinstance(relation, dict) else None
            component = target.get("toolComponent") if isinstance(target, dict) else None
            if (
                isinstance(component, dict)
                and str(component.get("name", "")).upper() == "CWE"
                and isinstance(target, dict)
                and str(target.get("id", "")).isdigit()
            ):
                found.append(f"CWE-{int(target['id'])}")
    return tuple(dict.fromkeys(found))


def _severity_hint(properties: JsonObject) -> Severity | None:
    if not properties:
        return None  # most results carry none
    score = properties.get("security-severity")
    if isinstance(score, str):
        try:
            score = float(score)
        except ValueError:
            score = None
    if isinstance(score, int | float) and not isinstance(score, bool):
        return from_score(float(score))
    for key in ("issue_severity", "severity", "problem.severity"):
        word = properties.get(key)
        if isinstance(word, str) and (severity := from_word(word)) is not None:
            return severity
    return None


def _identity(result: JsonObject, where: str, snippet: str | None, message: str) -> str:
    for key in ("fingerprints", "partialFingerprints"):
        prints = opt_obj(result, key, where)
        if prints:
            pairs = sorted((k, str(v)) for k, v in prints.items())
            return f"{key}:" + ";".join(f"{k}={v}" for k, v in pairs)
    if snippet and snippet.strip():
        return "code:" + normalise_code(snippet)
    return "message:" + normalise_code(message)
