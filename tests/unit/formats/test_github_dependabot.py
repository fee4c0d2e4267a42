"""GitHub Dependabot alerts: the REST answer from GitHub's OpenAPI example (MIT, see
fixtures/github-openapi) and GraphQL exports from DefectDojo (BSD-3-Clause, see
fixtures/defectdojo)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.formats import DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import github_dependabot

REST = Path(__file__).resolve().parents[2] / "fixtures" / "github-openapi"
ALERTS = REST / "dependabot-alerts-for-repository.json"
GRAPHQL = DEFECTDOJO / "github_vulnerability"


def _sca(details: object) -> ScaDetails:
    assert isinstance(details, ScaDetails)
    return details


def _alerts() -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = json.loads(ALERTS.read_text())
    return alerts


def test_the_open_rest_alert_is_a_finding_and_the_dismissed_one_is_ignored() -> None:
    report = parse_file(ALERTS, expect_format="github-dependabot")
    assert (report.results, report.ignored, report.quarantined) == (2, 1, ())
    assert report.repository == "https://github.com/octocat/hello-world"
    (finding,) = report.findings
    assert finding.kind is FindingKind.SCA
    assert (finding.tool, finding.rule_id) == ("GitHub Dependabot", "GHSA-8f4m-hccc-8qph")
    assert finding.rule_name == "Insertion of Sensitive Information into Log File in ansible"
    assert finding.tool_severity is Severity.MEDIUM
    assert finding.cwe_ids == ("CWE-532",)
    assert finding.path == "path/to/requirements.txt"
    details = _sca(finding.details)
    assert (details.ecosystem, details.package, details.version) == ("PyPI", "ansible", None)
    assert details.fixed_versions == ("2.8.19",)
    assert details.advisory_ids == ("CVE-2021-20191", "GHSA-8f4m-hccc-8qph")
    assert (details.cvss_score, details.cvss_vector) == (
        5.5,
        "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
    )


def test_a_fixed_alert_is_ignored_and_a_reopened_one_counts() -> None:
    alerts = _alerts()
    alerts[1]["state"] = "fixed"
    alerts[0]["state"] = "open"
    report = parse_document(alerts, expect_format="github-dependabot")
    assert (report.results, report.ignored) == (2, 1)
    (finding,) = report.findings
    assert finding.rule_id == "GHSA-rf4j-j272-fj86"
    assert _sca(finding.details).fixed_versions == ("2.0.2",)
    assert finding.tool_severity is Severity.HIGH


def test_one_alert_object_is_read_too() -> None:
    report = parse_document(_alerts()[1], expect_format="github-dependabot")
    assert (report.results, len(report.findings)) == (1, 1)


def test_an_organisation_export_mixing_repositories_is_refused() -> None:
    alerts = _alerts()
    for alert, name in zip(alerts, ("octo-org/one", "octo-org/two"), strict=True):
        alert["repository"] = {"full_name": name, "html_url": f"https://github.com/{name}"}
    with pytest.raises(ReportRejected, match="alerts from 2 repositories"):
        parse_document(alerts, expect_format="github-dependabot")


def test_a_malformed_or_packageless_alert_is_refused_with_its_path() -> None:
    alerts = _alerts()
    alerts[1]["dependency"]["package"] = "ansible"
    with pytest.raises(ReportRejected, match=r"^\[1\]\.dependency\.package: expected an object"):
        parse_document(alerts, expect_format="github-dependabot")
    alerts[1]["dependency"] = {"manifest_path": "requirements.txt"}
    with pytest.raises(ReportRejected, match=r"^\[1\]: the alert names no package"):
        parse_document(alerts, expect_format="github-dependabot")


def test_graphql_alerts_read_like_rest_alerts() -> None:
    report = parse_file(GRAPHQL / "github_h2.json", expect_format="github-dependabot")
    assert (report.results, report.ignored) == (1, 0)
    (finding,) = report.findings
    assert (finding.rule_id, finding.rule_name) == ("GHSA-h376-j262-vhq6", "RCE in H2 Console")
    assert finding.tool_severity is Severity.CRITICAL
    assert finding.cwe_ids == ("CWE-502",)
    assert finding.path == "apache/cxf/syncope/cxf-syncope/pom.xml"
    details = _sca(finding.details)
    assert details.package == "com.h2database:h2"
    assert details.advisory_ids == ("CVE-2021-42392", "GHSA-h376-j262-vhq6")
    assert details.cvss_score == 9.8


def test_the_same_alert_has_the_same_fingerprint_in_both_layouts() -> None:
    (rest,) = parse_file(ALERTS, expect_format="github-dependabot").findings
    node = {
        "id": "RVA_kwDOAAAAAc4AAAAB",
        "state": "OPEN",
        "vulnerableManifestPath": "path/to/requirements.txt",
        "securityVulnerability": {
            "severity": "MODERATE",
            "package": {"name": "ansible", "ecosystem": "PIP"},
            "firstPatchedVersion": {"identifier": "2.8.19"},
            "advisory": {
                "ghsaId": "GHSA-8f4m-hccc-8qph",
                "summary": "Insertion of Sensitive Information into Log File in ansible",
                "identifiers": [
                    {"type": "GHSA", "value": "GHSA-8f4m-hccc-8qph"},
                    {"type": "CVE", "value": "CVE-2021-20191"},
                ],
            },
        },
    }
    document = {"data": {"repository": {"vulnerabilityAlerts": {"nodes": [node]}}}}
    (graphql,) = parse_document(document, expect_format="github-dependabot").findings
    assert graphql.fingerprint == rest.fingerprint
    assert _sca(graphql.details).ecosystem == "PyPI"
    assert _sca(graphql.details).advisory_ids == _sca(rest.details).advisory_ids


def test_graphql_dismissed_fixed_and_paged_exports() -> None:
    dismissed = parse_file(GRAPHQL / "github_issue2984.json", expect_format="github-dependabot")
    # Four dismissed alerts, and the search says more pages of alerts exist.
    assert (dismissed.results, dismissed.ignored, dismissed.findings) == (4, 4, ())
    assert dismissed.complete is False
    fixed = parse_file(GRAPHQL / "github_shiro.json", expect_format="github-dependabot")
    assert (fixed.results, fixed.ignored, fixed.findings) == (1, 1, ())
    empty = parse_file(GRAPHQL / "github-0-vuln.json", expect_format="github-dependabot")
    assert (empty.results, empty.findings, empty.complete) == (0, (), True)


def test_graphql_alerts_known_only_by_manifest_file_name_stay_apart() -> None:
    report = parse_file(GRAPHQL / "github_search2.json", expect_format="github-dependabot")
    assert (report.results, len(report.findings)) == (2, 2)
    assert {f.path for f in report.findings} == {None}
    assert {_sca(f.details).location for f in report.findings} == {"pom.xml"}
    located = parse_file(
        GRAPHQL / "github_search4_null_cvss_vector.json", expect_format="github-dependabot"
    )
    assert sorted(f.path or "" for f in located.findings) == [
        "gogoph-crawler/pom.xml",
        "gogoph/pom.xml",
    ]


def test_graphql_repository_url_and_no_fix() -> None:
    report = parse_file(GRAPHQL / "github-1-vuln-no-fix.json", expect_format="github-dependabot")
    assert report.repository == "https://github.com/example-org/example-repo"
    (finding,) = report.findings
    details = _sca(finding.details)
    assert (details.ecosystem, details.version, details.fixed_versions) == ("npm", "1.5.0", ())
    assert finding.path == "app/package.json"


def test_other_documents_are_not_dependabot_alerts() -> None:
    graphql_error = {"data": None, "errors": [{"message": "Bad credentials"}]}
    assert not github_dependabot.looks_like(graphql_error)
    assert not github_dependabot.looks_like([])
    broken = copy.deepcopy(_alerts()[0])
    del broken["security_advisory"]
    assert not github_dependabot.looks_like([broken])
