"""CycloneDX JSON BOMs with vulnerabilities, on DefectDojo's CycloneDX reports (BSD-3-Clause, see
fixtures/defectdojo) and on BOMs written here for several affected components per vulnerability."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import cyclonedx
from tools.ingest.loader import load_json

CDX = DEFECTDOJO / "cyclonedx"


def _sca(details: object) -> ScaDetails:
    assert isinstance(details, ScaDetails)
    return details


def test_each_vulnerability_of_an_oss_index_bom_is_resolved_to_its_component() -> None:
    report = parse_file(CDX / "jake2.json", expect_format="cyclonedx")
    assert (report.results, len(report.findings), report.ignored, report.quarantined) == (
        7,
        7,
        0,
        (),
    )
    (finding,) = [f for f in report.findings if f.rule_id == "40fb7665-767b-40f5-bb08-3d0ed295cfaf"]
    assert finding.kind is FindingKind.SCA
    assert finding.tool == "CycloneDX"
    assert finding.tool_severity is Severity.MEDIUM
    assert finding.rule_name == "[CVE-2018-7537]  Incorrect Regular Expression"
    assert finding.message.startswith("An issue was discovered in Django 2.0 before 2.0.3")
    details = _sca(finding.details)
    assert (details.package, details.version, details.ecosystem) == ("Django", "2.0", "PyPI")
    assert details.advisory_ids == ("CVE-2018-7537", "40fb7665-767b-40f5-bb08-3d0ed295cfaf")
    assert (details.cvss_score, details.cvss_vector) == (
        5.3,
        "AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
    )


def test_a_not_affected_verdict_is_counted_but_ignored() -> None:
    report = parse_file(CDX / "valid-vulnerability-1.4.json", expect_format="cyclonedx")
    assert (report.results, report.ignored, report.findings) == (1, 1, ())


def test_the_same_vulnerability_without_the_verdict_is_a_maven_finding() -> None:
    document, _raw = load_json(CDX / "valid-vulnerability-1.4.json", max_bytes=1_000_000)
    del document["vulnerabilities"][0]["analysis"]
    report = parse_document(document, expect_format="cyclonedx")
    (finding,) = report.findings
    assert finding.rule_id == "SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111"
    assert finding.tool_severity is Severity.CRITICAL
    assert finding.cwe_ids == ("CWE-184", "CWE-502")
    details = _sca(finding.details)
    assert (details.package, details.version, details.ecosystem) == (
        "com.fasterxml.jackson.core:jackson-databind",
        "2.9.4",
        "Maven",
    )
    assert details.advisory_ids == ("CVE-2018-7489", "SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111")
    assert details.cvss_score == 9.8


def test_a_dangling_reference_keeps_the_finding_without_package_details() -> None:
    report = parse_file(CDX / "no-severity.json", expect_format="cyclonedx")
    (finding,) = report.findings
    assert finding.rule_id == "CVE-2021-44228"
    assert finding.tool_severity is Severity.CRITICAL  # no word, a CVSS score of 10.0
    assert finding.details is None


def _bom(ref_suffix: str = "a1") -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": [
            {
                "bom-ref": f"lodash-{ref_suffix}",
                "type": "library",
                "name": "lodash",
                "version": "4.17.20",
                "purl": "pkg:npm/lodash@4.17.20",
                "evidence": {"occurrences": [{"location": "web/package-lock.json"}]},
            },
            {
                "bom-ref": f"app-{ref_suffix}",
                "type": "application",
                "name": "app",
                "components": [
                    {
                        "bom-ref": f"nested-{ref_suffix}",
                        "type": "library",
                        "group": "@types",
                        "name": "lodash",
                        "version": "4.14.0",
                        "purl": "pkg:npm/%40types/lodash@4.14.0",
                    }
                ],
            },
        ],
        "vulnerabilities": [
            {
                "id": "CVE-2021-23337",
                "ratings": [
                    {"method": "CVSSv31", "vector": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}
                ],
                "cwes": [94],
                "description": "Command injection via template.",
                "affects": [
                    {"ref": f"lodash-{ref_suffix}"},
                    {"ref": f"nested-{ref_suffix}"},
                    {"ref": "pkg:pypi/jinja2@2.10"},
                ],
            }
        ],
    }


def test_one_result_per_affected_component_nested_or_named_by_purl() -> None:
    report = parse_document(_bom(), expect_format="cyclonedx")
    assert (report.results, len(report.findings)) == (3, 3)
    assert len({f.fingerprint for f in report.findings}) == 3
    by_package = {_sca(f.details).package: f for f in report.findings}
    assert set(by_package) == {"lodash", "@types/lodash", "jinja2"}
    lodash = by_package["lodash"]
    assert lodash.path == "web/package-lock.json"
    assert lodash.cwe_ids == ("CWE-94",)
    assert lodash.tool_severity is Severity.HIGH  # computed from the vector: 7.2
    assert _sca(lodash.details).cvss_score == 7.2
    jinja2 = _sca(by_package["jinja2"].details)
    assert (jinja2.version, jinja2.ecosystem) == ("2.10", "PyPI")


def test_regenerated_bom_refs_keep_the_fingerprints() -> None:
    first = parse_document(_bom("a1"), expect_format="cyclonedx")
    second = parse_document(_bom("b2"), expect_format="cyclonedx")
    assert {f.fingerprint for f in first.findings} == {f.fingerprint for f in second.findings}


def test_an_sbom_without_vulnerabilities_is_an_empty_report() -> None:
    bom = _bom()
    del bom["vulnerabilities"]
    report = parse_document(bom, expect_format="cyclonedx")
    assert (report.results, report.findings) == (0, ())


def test_an_xml_bom_is_not_taken_for_the_json_format() -> None:
    document, _raw = load_json(CDX / "spec1_lowfirst.xml", max_bytes=1_000_000)
    assert cyclonedx.looks_like(document) is False
    with pytest.raises(ReportRejected, match="not a report in a known format"):
        registry.detect(document)
    # Parsing it anyway must refuse, not misread it.
    with pytest.raises(ReportRejected, match="expected an object"):
        cyclonedx.parse(document, CONTEXT)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"vulnerabilities": {"id": "CVE-1"}}, "report.vulnerabilities"),
        (
            {"vulnerabilities": [{"id": "CVE-1", "affects": ["lodash"]}]},
            "vulnerabilities[0].affects[0]",
        ),
        ({"vulnerabilities": [{"id": "CVE-1", "ratings": {}}]}, "vulnerabilities[0].ratings"),
        ({"components": ["lodash"]}, "components[0]"),
    ],
)
def test_a_structurally_broken_bom_is_rejected_with_its_json_path(
    change: dict[str, Any], where: str
) -> None:
    document = json.loads(json.dumps(_bom())) | change
    with pytest.raises(ReportRejected, match=f"^{re.escape(where)}: expected"):
        parse_document(document, expect_format="cyclonedx")


@pytest.mark.parametrize(
    "document", [None, [], {"bomFormat": "SPDX"}, {"specVersion": "1.4", "components": []}]
)
def test_detection_refuses_other_documents_without_raising(document: Any) -> None:
    assert cyclonedx.looks_like(document) is False
