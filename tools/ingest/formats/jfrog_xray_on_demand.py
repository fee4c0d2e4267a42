"""JFrog Xray on-demand binary scan (``jf scan --format json`` / ``jf docker scan``) → SCA.

The report is a list of scans; each ``vulnerabilities[]`` entry lists the affected
``components`` (a map from component id to its fixed versions and impact paths). Each component
of a vulnerability is one result. The scanned artifact (``component_id`` of the scan) is
``details.location``; the deepest impact path's ``full_path`` (a jar inside it) is preferred when
given.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tools.ingest.draft import Draft, build_report
from tools.ingest.errors import ReportRejected
from tools.ingest.formats._jfrog import TOOL, cvss_pair, fixed, sca_draft
from tools.ingest.json_access import obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "jfrog_xray_on_demand"


def looks_like(document: Any) -> bool:
    return (
        isinstance(document, list)
        and bool(document)
        and all(
            isinstance(s, dict)
            and "scan_id" in s
            and isinstance(s.get("vulnerabilities", []), list)
            for s in document[:5]
        )
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    if not isinstance(document, list):
        raise ReportRejected("report: expected a list of scans")
    entries: list[tuple[str, dict[str, Any], str, dict[str, Any], str | None]] = []
    for i, raw in enumerate(document):
        scan = obj(raw, f"[{i}]")
        artifact = opt_str(scan, "component_id", f"[{i}]")
        for j, vuln_raw in enumerate(opt_arr(scan, "vulnerabilities", f"[{i}]")):
            where = f"[{i}].vulnerabilities[{j}]"
            vuln = obj(vuln_raw, where)
            components = opt_obj(vuln, "components", where) or {}
            for name, comp in components.items():
                entries.append((where, vuln, name, obj(comp, f"{where}.components"), artifact))
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(entries),
        drafts=_drafts(entries),
        context=context,
    )


def _drafts(
    entries: list[tuple[str, dict[str, Any], str, dict[str, Any], str | None]],
) -> Iterator[Draft]:
    for where, vuln, name, comp, artifact in entries:
        yield _draft(vuln, where, name, comp, artifact)


def _full_path(comp: dict[str, Any]) -> str | None:
    for path in comp.get("impact_paths") or []:
        if isinstance(path, list):
            for step in reversed(path):
                if isinstance(step, dict) and isinstance(step.get("full_path"), str):
                    return str(step["full_path"])
    return None


def _draft(
    vuln: dict[str, Any], where: str, name: str, comp: dict[str, Any], artifact: str | None
) -> Draft:
    cves = [obj(c, f"{where}.cves[{k}]") for k, c in enumerate(opt_arr(vuln, "cves", where))]
    score, vector = None, None
    for c in cves:
        v3 = cvss_pair(c.get("cvss_v3_score"))[0]
        if v3 is not None:
            score, vector = (
                v3,
                c.get("cvss_v3_vector") if isinstance(c.get("cvss_v3_vector"), str) else None,
            )
            break
    if score is None:
        score = next(
            (s for c in cves if (s := cvss_pair(c.get("cvss_v2_score"))[0]) is not None), None
        )
    full_path = _full_path(comp)
    location = f"{artifact}/{full_path}" if artifact and full_path else artifact or full_path
    return sca_draft(
        where=where,
        component_id=name,
        issue_id=opt_str(vuln, "issue_id", where),
        cves=[c["cve"] for c in cves if isinstance(c.get("cve"), str)],
        cwes=[c.get("cwe") for c in cves],
        summary=opt_str(vuln, "summary", where),
        severity_word=opt_str(vuln, "severity", where),
        fixed_versions=fixed(comp.get("fixed_versions") or []),
        cvss_score=score,
        cvss_vector=vector,
        location=location,
    )
