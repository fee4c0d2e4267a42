"""OSV-Scanner's JSON report (``osv-scanner --format json``) → SCA Findings.

The report lists, per scanned lock file (``source``), each vulnerable package and the OSV records
that affect it. One problem often has several records (a GHSA and the PYSEC that copies it);
OSV-Scanner says so in the package's ``groups``, and the records of one group become one finding,
named after its first record in advisory order (a CVE record, else a GHSA, else the first), with
the ids and aliases of all of them. Every record still counts as a raw result.

OSV-Scanner writes absolute lock-file paths of the machine it ran on. build_report moves them to
``details.location``; only the file name joins the identity, so a scan from another checkout
directory finds the same findings.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tools.findings.finding import FindingKind
from tools.findings.severity import Severity, from_score, from_word
from tools.ingest.draft import Draft, build_report, cwe_ids, path_problem
from tools.ingest.formats._sca import (
    cvss3_base_score,
    cvss_number,
    ordered_advisories,
    sca_details,
)
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "osv-scanner"
TOOL = "OSV-Scanner"
_NAME_SEPARATORS = re.compile(r"[-_.]+")


@dataclass(frozen=True)
class _Package:
    name: str | None
    version: str | None
    ecosystem: str | None
    path: str | None


def looks_like(document: Any) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        return False
    results = document["results"]
    if not results:
        # An empty report is recognisable only by OSV-Scanner's other top-level key.
        return "experimental_config" in document
    return all(
        isinstance(result, dict)
        and isinstance(result.get("source"), dict)
        and isinstance(result.get("packages"), list)
        for result in results
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = obj(document, "report")
    packages: list[tuple[JsonObject, str, str | None]] = []
    results = 0
    for index, raw in enumerate(opt_arr(report, "results", "report")):
        where = f"results[{index}]"
        result = obj(raw, where)
        source = opt_obj(result, "source", where) or {}
        path = opt_str(source, "path", f"{where}.source")
        for number, entry in enumerate(opt_arr(result, "packages", where)):
            spot = f"{where}.packages[{number}]"
            package = obj(entry, spot)
            results += len(opt_arr(package, "vulnerabilities", spot))
            packages.append((package, spot, path))
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=results,
        drafts=(d for package, where, path in packages for d in _drafts(package, where, path)),
        context=context,
    )


def _drafts(entry: JsonObject, where: str, path: str | None) -> Iterator[Draft]:
    info = opt_obj(entry, "package", where) or {}
    package = _package(info, f"{where}.package", path)
    records = [
        (obj(raw, f"{where}.vulnerabilities[{i}]"), f"{where}.vulnerabilities[{i}]")
        for i, raw in enumerate(opt_arr(entry, "vulnerabilities", where))
    ]
    group_of: dict[str, int] = {}
    scores: dict[int, float] = {}
    for index, raw in enumerate(opt_arr(entry, "groups", where)):
        group = obj(raw, f"{where}.groups[{index}]")
        for member in opt_arr(group, "ids", f"{where}.groups[{index}]"):
            if isinstance(member, str):
                group_of.setdefault(member, index)
        score = cvss_number(group.get("max_severity"))
        if score is not None:
            scores[index] = score
    # Records of one group, in report order; a record outside every group stands alone.
    clusters: dict[object, list[tuple[JsonObject, str]]] = {}
    for record, spot in records:
        record_id = opt_str(record, "id", spot) or ""
        key: object = group_of.get(record_id, ("alone", spot))
        clusters.setdefault(key, []).append((record, spot))
    for key, members in clusters.items():
        group_score = scores.get(key) if isinstance(key, int) else None
        yield _draft(package, members, group_score)


def _package(info: JsonObject, where: str, path: str | None) -> _Package:
    name = opt_str(info, "name", where) or None
    version = opt_str(info, "version", where) or None
    ecosystem = opt_str(info, "ecosystem", where) or None
    commit = opt_str(info, "commit", where) or None
    if name is None and commit:
        # A source checked out by git: the package is the repository, its version the commit.
        return _Package(None, commit, ecosystem or "GIT", path)
    return _Package(name, version, ecosystem, path)


def _draft(
    package: _Package, members: list[tuple[JsonObject, str]], group_score: float | None
) -> Draft:
    ids = [opt_str(record, "id", where) or "" for record, where in members]
    primary = ordered_advisories(ids)[0] if any(ids) else ""
    members.sort(key=lambda member: member[0].get("id") != primary)
    where = members[0][1]
    name = package.name or _git_repository(members) or package.path or ""
    advisories = ordered_advisories(
        [i for r, w in members for i in (opt_str(r, "id", w), *opt_arr(r, "aliases", w))]
    )
    vector = _first(_vector(r, w) for r, w in members)
    score = cvss3_base_score(vector)
    if score is None and vector is None:
        score = group_score
    word = _first(_word(r, w) for r, w in members)
    summary = _first(opt_str(r, "summary", w) for r, w in members)
    details = _first(opt_str(r, "details", w) for r, w in members)
    path = package.path
    # An absolute path belongs to the scanning machine; its file name is what stays the same.
    place = f" {posixpath.basename(path.rstrip('/'))}" if path and path_problem(path) else ""
    return Draft(
        tool=TOOL,
        kind=FindingKind.SCA,
        rule_id=primary,
        rule_name=summary,
        message=details or summary or primary,
        severity=(from_word(word) if word else None)
        or (from_score(score) if score is not None else None)
        or Severity.MEDIUM,
        where=where,
        cwe_ids=cwe_ids([_cwes(r, w) for r, w in members]),
        path=path,
        identity=f"{name}@{package.version}:{primary}{place}",
        details=sca_details(
            package=name,
            version=package.version,
            ecosystem=package.ecosystem,
            fixed_versions=tuple(
                dict.fromkeys(
                    v for r, w in members for v in _fixed(r, w, package.name, git=not package.name)
                )
            ),
            advisory_ids=advisories,
            cvss_score=score,
            cvss_vector=vector,
        ),
    )


def _first(values: Iterator[str | None]) -> str | None:
    return next((value for value in values if value), None)


def _vector(record: JsonObject, where: str) -> str | None:
    """The record's CVSS v3 vector, else its v4 one."""
    found: dict[str, str] = {}
    for index, raw in enumerate(opt_arr(record, "severity", where)):
        entry = obj(raw, f"{where}.severity[{index}]")
        kind = opt_str(entry, "type", f"{where}.severity[{index}]") or ""
        score = entry.get("score")
        if isinstance(score, str):
            found.setdefault(kind, score)
    return found.get("CVSS_V3") or found.get("CVSS_V4")


def _word(record: JsonObject, where: str) -> str | None:
    # GitHub's advisories rate themselves in database_specific (LOW, MODERATE, HIGH, CRITICAL).
    specific = opt_obj(record, "database_specific", where) or {}
    word = specific.get("severity")
    return word if isinstance(word, str) and from_word(word) else None


def _cwes(record: JsonObject, where: str) -> list[object]:
    specific = opt_obj(record, "database_specific", where) or {}
    found: list[object] = list(opt_arr(specific, "cwe_ids", f"{where}.database_specific"))
    for index, affected in _affected(record, where):
        spot = f"{where}.affected[{index}].database_specific"
        extra = opt_obj(affected, "database_specific", f"{where}.affected[{index}]") or {}
        found.extend(c.get("cweId") for c in opt_arr(extra, "cwes", spot) if isinstance(c, dict))
    return found


def _affected(record: JsonObject, where: str) -> list[tuple[int, JsonObject]]:
    return [
        (index, obj(raw, f"{where}.affected[{index}]"))
        for index, raw in enumerate(opt_arr(record, "affected", where))
    ]


def _ranges(affected: JsonObject, where: str) -> Iterator[JsonObject]:
    for index, raw in enumerate(opt_arr(affected, "ranges", where)):
        yield obj(raw, f"{where}.ranges[{index}]")


def _fixed(record: JsonObject, where: str, name: str | None, *, git: bool) -> Iterator[str]:
    """Versions that fix the package, from the record's ranges for that package.

    A record may also give the fixing commit of the upstream repository (a GIT range): that is a
    fix only for a package that is itself a git checkout, not a version to upgrade a PyPI one to.
    """
    affected = _affected(record, where)
    mine = [(i, a) for i, a in affected if name and _same_name(a.get("package"), name)]
    # A record about one package only (or about a git repository) needs no name match.
    for index, entry in mine or (affected if len(affected) == 1 else []):
        for span in _ranges(entry, f"{where}.affected[{index}]"):
            if (span.get("type") == "GIT") == git:
                for event in opt_arr(span, "events", f"{where}.affected[{index}].ranges"):
                    if isinstance(event, dict) and isinstance(event.get("fixed"), str):
                        yield event["fixed"]


def _same_name(package: object, name: str) -> bool:
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        return False
    # PyPI treats "Foo_Bar", "foo-bar" and "foo.bar" as one name (PEP 503).
    return _NAME_SEPARATORS.sub("-", package["name"]).lower() == (
        _NAME_SEPARATORS.sub("-", name).lower()
    )


def _git_repository(members: list[tuple[JsonObject, str]]) -> str | None:
    for record, where in members:
        for index, affected in _affected(record, where):
            for span in _ranges(affected, f"{where}.affected[{index}]"):
                repo = span.get("repo")
                if span.get("type") == "GIT" and isinstance(repo, str) and repo:
                    return repo
    return None
