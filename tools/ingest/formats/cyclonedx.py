"""CycloneDX JSON BOMs with a ``vulnerabilities`` section (spec 1.4 and later) → SCA Findings.

A vulnerability names the components it affects by ``bom-ref``. Each (vulnerability, affected
component) pair is one raw result and one finding: the same CVE in two components is two upgrades
to make. A vulnerability that lists no affected component is one result without package details.
The XML encoding of CycloneDX is not read; a plain SBOM without vulnerabilities is a report with
no findings.

A VEX ``analysis`` that settles a pair (``not_affected``, ``false_positive``, ``resolved``) is an
accepted verdict: the pair is counted as ignored, not as a finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from tools.findings.finding import FindingKind
from tools.findings.severity import Severity, from_score, from_word
from tools.ingest.draft import Draft, build_report, cwe_ids
from tools.ingest.formats._sca import (
    cvss3_base_score,
    cvss_number,
    ecosystem_from_purl,
    ordered_advisories,
    sca_details,
)
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "cyclonedx"
TOOL = "CycloneDX"

_SETTLED = frozenset({"not_affected", "false_positive", "resolved", "resolved_with_pedigree"})
# Rating methods in order of preference for the score and vector shown.
_CVSS_METHODS = ("CVSSv31", "CVSSv3", "CVSSv4")


def looks_like(document: Any) -> bool:
    # An XML BOM arrives as an Element, never a dict, so it is not taken for this format.
    return isinstance(document, dict) and document.get("bomFormat") == "CycloneDX"


def parse(document: Any, context: ParseContext) -> ParsedReport:
    bom = obj(document, "report")
    components = _components(bom)
    vulnerabilities = [
        (obj(raw, f"vulnerabilities[{i}]"), f"vulnerabilities[{i}]")
        for i, raw in enumerate(opt_arr(bom, "vulnerabilities", "report"))
    ]
    results = 0
    ignored = 0
    for vulnerability, where in vulnerabilities:
        pairs = max(1, len(opt_arr(vulnerability, "affects", where)))
        results += pairs
        if _settled(vulnerability, where):
            ignored += pairs
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=results,
        ignored=ignored,
        drafts=(
            draft
            for vulnerability, where in vulnerabilities
            if not _settled(vulnerability, where)
            for draft in _drafts(vulnerability, where, components)
        ),
        context=context,
    )


def _components(bom: JsonObject) -> dict[str, JsonObject]:
    """Every component of the BOM, nested ones and the described root included, by bom-ref."""
    found: dict[str, JsonObject] = {}
    pending: list[tuple[Any, str]] = []
    metadata = opt_obj(bom, "metadata", "report") or {}
    if metadata.get("component") is not None:
        pending.append((metadata["component"], "metadata.component"))
    pending.extend(
        (c, f"components[{i}]") for i, c in enumerate(opt_arr(bom, "components", "report"))
    )
    while pending:
        raw, where = pending.pop()
        component = obj(raw, where)
        ref = opt_str(component, "bom-ref", where)
        if ref:
            found.setdefault(ref, component)
        pending.extend(
            (c, f"{where}.components[{i}]")
            for i, c in enumerate(opt_arr(component, "components", where))
        )
    return found


def _settled(vulnerability: JsonObject, where: str) -> bool:
    analysis = opt_obj(vulnerability, "analysis", where) or {}
    return opt_str(analysis, "state", f"{where}.analysis") in _SETTLED


def _drafts(
    vulnerability: JsonObject, where: str, components: dict[str, JsonObject]
) -> Iterator[Draft]:
    affects = opt_arr(vulnerability, "affects", where)
    if not affects:
        yield _draft(vulnerability, where, None, None)
    for index, raw in enumerate(affects):
        spot = f"{where}.affects[{index}]"
        ref = opt_str(obj(raw, spot), "ref", spot)
        yield _draft(vulnerability, spot, ref, components.get(ref or ""))


def _draft(
    vulnerability: JsonObject, where: str, ref: str | None, component: JsonObject | None
) -> Draft:
    vulnerability_id = opt_str(vulnerability, "id", where) or ""
    references = [
        opt_str(obj(raw, f"{where}.references[{i}]"), "id", f"{where}.references[{i}]")
        for i, raw in enumerate(opt_arr(vulnerability, "references", where))
    ]
    score, vector, word = _rating(vulnerability, where)
    description = opt_str(vulnerability, "description", where)
    detail = opt_str(vulnerability, "detail", where)
    name, version, ecosystem = _package(component, ref, where)
    # bom-refs are often random per generation; the package is what stays the same.
    subject = f"{name}@{version}" if name else ref or ""
    return Draft(
        tool=TOOL,
        kind=FindingKind.SCA,
        rule_id=vulnerability_id,
        rule_name=description if detail else None,
        message=detail or description or vulnerability_id,
        severity=(from_word(word) if word else None)
        or (from_score(score) if score is not None else None)
        or Severity.MEDIUM,
        where=where,
        cwe_ids=cwe_ids(opt_arr(vulnerability, "cwes", where)),
        path=_occurrence(component, where) if component else None,
        identity=f"{subject}:{vulnerability_id}",
        details=sca_details(
            package=name,
            version=version,
            ecosystem=ecosystem,
            advisory_ids=ordered_advisories([vulnerability_id, *references]),
            cvss_score=score,
            cvss_vector=vector,
        ),
    )


def _package(
    component: JsonObject | None, ref: str | None, where: str
) -> tuple[str | None, str | None, str | None]:
    """Name, version and ecosystem of the affected component, or of the purl a dangling ref is."""
    if component is not None:
        name = opt_str(component, "name", f"{where}.component")
        group = opt_str(component, "group", f"{where}.component")
        purl = opt_str(component, "purl", f"{where}.component")
        ecosystem = ecosystem_from_purl(purl)
        if name and group:
            name = f"{group}:{name}" if ecosystem == "Maven" else f"{group}/{name}"
        return name, opt_str(component, "version", f"{where}.component"), ecosystem
    if ref and ref.startswith("pkg:"):
        name, version = _purl_name(ref)
        return name, version, ecosystem_from_purl(ref)
    return None, None, None


def _purl_name(purl: str) -> tuple[str | None, str | None]:
    body = purl[4:].split("?", 1)[0].split("#", 1)[0]
    body, _, version = body.partition("@")
    parts = [unquote(p) for p in body.split("/")[1:] if p]
    if not parts:
        return None, None
    separator = ":" if body.lower().startswith("maven/") else "/"
    return separator.join(parts), unquote(version) or None


def _occurrence(component: JsonObject, where: str) -> str | None:
    """Where the component was found (CycloneDX 1.5 evidence), when the BOM says."""
    evidence = opt_obj(component, "evidence", f"{where}.component") or {}
    for raw in opt_arr(evidence, "occurrences", f"{where}.component.evidence"):
        if isinstance(raw, dict) and isinstance(raw.get("location"), str) and raw["location"]:
            return str(raw["location"])
    return None


def _rating(vulnerability: JsonObject, where: str) -> tuple[float | None, str | None, str | None]:
    """CVSS score and vector of the preferred rating, and the first severity word given."""
    ratings = [
        obj(raw, f"{where}.ratings[{i}]")
        for i, raw in enumerate(opt_arr(vulnerability, "ratings", where))
    ]
    word = next(
        (w for r in ratings if isinstance(w := r.get("severity"), str) and from_word(w)), None
    )
    for method in _CVSS_METHODS:
        for rating in ratings:
            if rating.get("method") != method:
                continue
            raw_vector = rating.get("vector")
            vector = raw_vector if isinstance(raw_vector, str) else None
            score = cvss_number(rating.get("score"))
            if score is None and method != "CVSSv4":
                score = cvss3_base_score(vector)
            if score is not None or vector is not None:
                return score, vector, word
    return None, None, word
