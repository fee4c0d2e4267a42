"""JFrog Xray unified vulnerabilities report (``{"total_rows", "rows"}``) → SCA.

Each row is one vulnerable component in one artifact: a result. The package is
``vulnerable_component``; the artifact path in the repository manager is ``details.location``.
"""

from __future__ import annotations

from typing import Any

from tools.ingest.draft import Draft, build_report
from tools.ingest.formats._jfrog import TOOL, cvss_pair, sca_draft
from tools.ingest.formats._sca import cvss_number
from tools.ingest.json_access import obj, opt_arr, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "jfrog_xray_unified"


def looks_like(document: Any) -> bool:
    if not isinstance(document, dict) or "total_rows" not in document:
        return False
    rows = document.get("rows")
    return isinstance(rows, list) and all(
        isinstance(r, dict) and "vulnerable_component" in r for r in rows[:5]
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = obj(document, "report")
    rows = opt_arr(report, "rows", "report")
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(rows),
        drafts=(_draft(obj(r, f"rows[{i}]"), f"rows[{i}]") for i, r in enumerate(rows)),
        context=context,
    )


def _draft(row: dict[str, Any], where: str) -> Draft:
    cves = [obj(c, f"{where}.cves[{j}]") for j, c in enumerate(opt_arr(row, "cves", where))]
    score = cvss_number(row.get("cvss3_max_score"))
    vector = next(
        (c["cvss_v3_vector"] for c in cves if isinstance(c.get("cvss_v3_vector"), str)), None
    )
    if score is None:
        score, _ = cvss_pair(row.get("cvss2_max_score"))
    return sca_draft(
        where=where,
        component_id=opt_str(row, "vulnerable_component", where) or "unknown",
        issue_id=opt_str(row, "issue_id", where),
        cves=[c["cve"] for c in cves if isinstance(c.get("cve"), str)],
        cwes=[c.get("cwe") for c in cves],
        summary=opt_str(row, "summary", where),
        severity_word=opt_str(row, "severity", where),
        fixed_versions=[v for v in opt_arr(row, "fixed_versions", where) if isinstance(v, str)],
        cvss_score=score,
        cvss_vector=vector,
        location=opt_str(row, "path", where) or opt_str(row, "impacted_artifact", where),
    )
