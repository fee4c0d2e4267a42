"""pip-audit JSON, on DefectDojo's pip-audit reports (BSD-3-Clause, see fixtures/defectdojo)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import pip_audit
from tools.ingest.loader import load_json

PIP_AUDIT = DEFECTDOJO / "pip_audit"


def _sca(details: object) -> ScaDetails:
    assert isinstance(details, ScaDetails)
    return details


def test_the_new_layout_gives_one_finding_per_dependency_and_advisory() -> None:
    report = parse_file(PIP_AUDIT / "many_vulns_new.json", expect_format="pip-audit")
    # aiohttp 1 + django 1 + lxml 1 + twisted 4 advisories; azure-devops was skipped.
    assert (report.results, report.ignored, report.quarantined) == (7, 0, ())
    assert len(report.findings) == 7
    (django,) = [f for f in report.findings if f.rule_id == "PYSEC-2021-439"]
    assert django.kind is FindingKind.SCA
    assert django.tool == "pip-audit"
    assert django.tool_severity is Severity.MEDIUM  # pip-audit reports no severity
    assert django.message.startswith("In Django 2.2 before 2.2.25")
    assert django.path is None
    details = _sca(django.details)
    assert (details.ecosystem, details.package, details.version) == ("PyPI", "django", "3.2.9")
    assert details.fixed_versions == ("2.2.25", "3.1.14", "3.2.10")
    assert details.advisory_ids == ("PYSEC-2021-439",)


def test_a_skipped_dependency_makes_the_report_incomplete() -> None:
    report = parse_file(PIP_AUDIT / "many_vulns_new.json", expect_format="pip-audit")
    assert report.complete is False
    clean = parse_file(PIP_AUDIT / "empty_new.json", expect_format="pip-audit")
    assert (clean.results, clean.findings, clean.complete) == (0, (), True)


def test_the_old_layout_is_a_bare_array() -> None:
    report = parse_file(PIP_AUDIT / "zero_vulns.json", expect_format="pip-audit")
    assert (report.results, report.findings, report.complete) == (0, (), False)
    old = parse_document(
        [
            {
                "name": "jinja2",
                "version": "2.11.2",
                "vulns": [
                    {
                        "id": "PYSEC-2021-66",
                        "fix_versions": ["2.11.3"],
                        "aliases": ["GHSA-g3rq-g295-4j3m", "CVE-2020-28493"],
                        "description": "ReDoS in the urlize filter.",
                    }
                ],
            }
        ],
        expect_format="pip-audit",
    )
    (finding,) = old.findings
    assert finding.rule_id == "PYSEC-2021-66"
    details = _sca(finding.details)
    assert details.advisory_ids == ("CVE-2020-28493", "GHSA-g3rq-g295-4j3m", "PYSEC-2021-66")
    assert details.fixed_versions == ("2.11.3",)


def test_a_bare_empty_array_is_left_to_an_explicit_format() -> None:
    document, _raw = load_json(PIP_AUDIT / "empty.json", max_bytes=1000)
    with pytest.raises(ReportRejected, match="not a report in a known format"):
        registry.detect(document)
    report = registry.format_named("pip-audit").parse(document, CONTEXT)
    assert (report.results, report.findings) == (0, ())


def _report(aliases: list[str]) -> dict[str, Any]:
    vuln = {"id": "PYSEC-2021-76", "fix_versions": ["3.7.4"], "aliases": aliases}
    return {"dependencies": [{"name": "aiohttp", "version": "3.6.2", "vulns": [vuln]}]}


def test_a_cve_alias_added_later_keeps_the_fingerprint() -> None:
    (before,) = parse_document(_report([]), expect_format="pip-audit").findings
    (after,) = parse_document(_report(["CVE-2021-21330"]), expect_format="pip-audit").findings
    assert _sca(after.details).advisory_ids == ("CVE-2021-21330", "PYSEC-2021-76")
    assert before.fingerprint == after.fingerprint


def test_another_installed_version_is_another_finding() -> None:
    first = parse_document(_report([]), expect_format="pip-audit").findings[0]
    upgraded = _report([])
    upgraded["dependencies"][0]["version"] = "3.7.0"
    second = parse_document(upgraded, expect_format="pip-audit").findings[0]
    assert first.fingerprint != second.fingerprint


def test_a_vulnerability_without_an_id_is_refused_with_its_path() -> None:
    broken = {"dependencies": [{"name": "aiohttp", "version": "3.6.2", "vulns": [{"id": 7}]}]}
    assert pip_audit.looks_like(broken)
    with pytest.raises(ReportRejected, match=r"dependencies\[0\]\.vulns\[0\]\.id"):
        pip_audit.parse(broken, CONTEXT)


def test_detection_needs_the_dependency_shape() -> None:
    assert not pip_audit.looks_like({"dependencies": [], "scanInfo": {}})  # dependency-check
    assert not pip_audit.looks_like([{"name": "x", "version": "1"}])
    assert not pip_audit.looks_like([1, 2])
    assert not pip_audit.looks_like("dependencies")
