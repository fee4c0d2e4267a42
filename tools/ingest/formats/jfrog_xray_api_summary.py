"""JFrog Xray API summary/artifact (``POST /api/v1/summary/artifact``) → SCA.

The response lists ``artifacts``, each with its ``issues``. An issue names the affected packages
only through its ``impact_path`` entries (``<artifact path>/<layer>/3.12:openssl:1.1.1k-r0``), so
each impact path of an issue is one result: the package is the last path segment, the artifact
path before it is ``details.location``. An issue without impact paths is one result against the
artifact itself. Licence entries are not vulnerabilities and are not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tools.ingest.draft import Draft, build_report
from tools.ingest.formats._jfrog import TOOL, cvss_pair, sca_draft
from tools.ingest.json_access import obj, opt_arr, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "jfrog_xray_api_summary"


def looks_like(document: Any) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("artifacts"), list):
        return False
    return all(
        isinstance(a, dict) and isinstance(a.get("general"), dict) and "issues" in a
        for a in document["artifacts"][:5]
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    report = obj(document, "report")
    entries: list[tuple[str, dict[str, Any], dict[str, Any], str | None]] = []
    for i, raw in enumerate(opt_arr(report, "artifacts", "report")):
        artifact = obj(raw, f"artifacts[{i}]")
        general = opt_obj(artifact, "general", f"artifacts[{i}]") or {}
        for j, issue_raw in enumerate(opt_arr(artifact, "issues", f"artifacts[{i}]")):
            where = f"artifacts[{i}].issues[{j}]"
            issue = obj(issue_raw, where)
            paths: list[str | None] = [
                p for p in opt_arr(issue, "impact_path", where) if isinstance(p, str)
            ]
            for path in paths or [None]:
                entries.append((where, issue, general, path))
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=len(entries),
        drafts=_drafts(entries),
        context=context,
    )


def _drafts(
    entries: list[tuple[str, dict[str, Any], dict[str, Any], str | None]],
) -> Iterator[Draft]:
    for where, issue, general, path in entries:
        yield _draft(issue, where, general, path)


def _draft(issue: dict[str, Any], where: str, general: dict[str, Any], path: str | None) -> Draft:
    artifact_name = opt_str(general, "component_id", where) or opt_str(general, "name", where)
    location, _, package_ref = (path or "").rpartition("/")
    if package_ref.count(":") >= 2:
        # "3.12:openssl:1.1.1k-r0": an OS package (release:name:version) inside an image layer.
        # The layer does not say which distribution, so no ecosystem is claimed.
        component_id = f"layer://{package_ref}"
    elif package_ref:
        component_id = package_ref
    else:
        component_id, location = artifact_name or "unknown", opt_str(general, "path", where) or ""
    cves = [obj(c, f"{where}.cves[{k}]") for k, c in enumerate(opt_arr(issue, "cves", where))]
    score, vector = next(
        (pair for c in cves if (pair := cvss_pair(c.get("cvss_v3")))[0] is not None),
        (None, None),
    )
    return sca_draft(
        where=where,
        component_id=component_id,
        issue_id=opt_str(issue, "issue_id", where),
        cves=[c["cve"] for c in cves if isinstance(c.get("cve"), str)],
        cwes=[c.get("cwe") for c in cves],
        summary=opt_str(issue, "summary", where),
        severity_word=opt_str(issue, "severity", where),
        fixed_versions=(),
        cvss_score=score,
        cvss_vector=vector if vector and vector.startswith("CVSS:3") else None,
        location=location or artifact_name,
    )
