"""JFrog Xray legacy export (``{"total_count", "data"}``, the Xray 1/2 security list) → SCA.

Each entry of ``data`` is one result. The package is ``source_comp_id``
(``deb://debian:stretch:libx11:2:1.6.4-3``); CVEs, CWEs and CVSS are under
``component_versions.more_details``. This export names no artifact, so there is no location.
"""

from __future__ import annotations

from typing import Any

from tools.ingest.draft import Draft, build_report
from tools.ingest.formats._jfrog import TOOL, cvss_pair, fixed, sca_draft
from tools.ingest.json_access import obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "jfrog_xray"


def looks_like(document: Any) -> bool:
    if not isinstance(document, dict) or "total_count" not in document:
        return False
    data = document.get("data")
    return isinstance(data, list) and all(
        isinstance(d, dict) and "component_versions" in d for d in data[:5]
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = obj(document, "report")
    data = opt_arr(report, "data", "report")
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(data),
        drafts=(_draft(obj(d, f"data[{i}]"), f"data[{i}]") for i, d in enumerate(data)),
        context=context,
    )


def _draft(entry: dict[str, Any], where: str) -> Draft:
    versions = opt_obj(entry, "component_versions", where) or {}
    more = opt_obj(versions, "more_details", f"{where}.component_versions") or {}
    cves = [obj(c, f"{where}.cves[{k}]") for k, c in enumerate(opt_arr(more, "cves", where))]
    score, vector = next(
        (pair for c in cves if (pair := cvss_pair(c.get("cvss_v3")))[0] is not None),
        (None, None),
    )
    component_id = opt_str(entry, "source_comp_id", where) or opt_str(entry, "component", where)
    return sca_draft(
        where=where,
        component_id=component_id or "unknown",
        issue_id=opt_str(entry, "id", where),
        cves=[c["cve"] for c in cves if isinstance(c.get("cve"), str)],
        cwes=[c.get("cwe") for c in cves],
        summary=opt_str(entry, "summary", where),
        severity_word=opt_str(entry, "severity", where),
        fixed_versions=fixed(opt_arr(versions, "fixed_versions", where)),
        cvss_score=score,
        cvss_vector=vector if vector and vector.startswith("CVSS:3") else None,
        location=None,
    )
