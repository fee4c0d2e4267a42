"""Anchore Grype native JSON, on DefectDojo's Grype reports (BSD-3-Clause, see fixtures/defectdojo)
and on a Grype 0.7 match written here (DefectDojo's reports of that layout are megabytes)."""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element  # nosec B405  # builds a test value, parses nothing

import pytest

from tests.support.formats import DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import FindingKind, ScaDetails
from tools.findings.severity import Severity
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import grype

GRYPE = DEFECTDOJO / "anchore_grype"


def _sca(details: object) -> ScaDetails:
    assert isinstance(details, ScaDetails)
    return details


def test_an_image_match_carries_package_fix_advisories_and_cvss() -> None:
    report = parse_file(GRYPE / "check_all_fields.json", expect_format="grype")
    # Six matches, one of them an exact repeat of another: five findings.
    assert (report.results, len(report.findings), report.quarantined) == (6, 5, ())
    (django,) = [f for f in report.findings if f.rule_id == "GHSA-v6rh-hp5x-86rv"]
    assert django.kind is FindingKind.SCA
    assert (django.tool, django.tool_version) == ("Grype", "0.28.0")
    assert django.tool_severity is Severity.HIGH
    assert django.path is None  # an image path is not a repository path
    assert django.message.startswith("Potential bypass of an upstream access control")
    details = _sca(django.details)
    assert (details.package, details.version, details.ecosystem) == ("Django", "3.2.9", "PyPI")
    assert details.fixed_versions == ("3.2.10",)
    assert details.advisory_ids == ("CVE-2021-44420", "GHSA-v6rh-hp5x-86rv")
    # The GHSA record has no CVSS; the related NVD record's is used.
    assert (details.cvss_score, details.cvss_vector) == (
        7.3,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L",
    )
    assert details.location == (
        "/usr/local/lib/python3.8/site-packages/Django-3.2.9.dist-info/METADATA"
    )
    (krb5,) = [f for f in report.findings if f.rule_id == "CVE-2004-0971"]
    assert krb5.tool_severity is Severity.INFO  # Grype's "Negligible"
    assert _sca(krb5.details).ecosystem == "Debian"


def test_a_directory_scan_keeps_the_lock_file_as_the_path() -> None:
    report = parse_file(GRYPE / "many_vulns4.json", expect_format="grype")
    assert (report.results, len(report.findings)) == (9, 9)
    (slash,) = [f for f in report.findings if f.rule_id == "CVE-2002-1647"]
    assert slash.path == "docs/package-lock.json"
    details = _sca(slash.details)
    assert (details.package, details.version, details.ecosystem) == ("slash", "4.0.0", "npm")
    assert details.location is None


def test_one_library_at_two_places_in_an_image_is_two_findings() -> None:
    report = parse_file(GRYPE / "same_cve_different_paths.json", expect_format="grype")
    assert (report.results, len(report.findings)) == (2, 2)
    first, second = report.findings
    assert first.rule_id == second.rule_id == "CVE-2021-33574"
    assert first.fingerprint != second.fingerprint
    assert {_sca(f.details).location for f in report.findings} == {
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/lib/x86_64-linux-gnu/libc.so.6",
    }


def _old_match(severity: str, location: str = "/var/lib/dpkg/status") -> dict[str, Any]:
    """A match as Grype 0.7 wrote it: cvssV2/cvssV3 objects and a fixedInVersion string."""
    return {
        "vulnerability": {
            "id": "CVE-2020-15719",
            "severity": severity,
            "links": ["https://security-tracker.debian.org/tracker/CVE-2020-15719"],
            "cvssV2": {"baseScore": 2.1, "vector": "AV:L/AC:L/Au:N/C:N/I:P/A:N"},
            "fixedInVersion": "2.4.47+dfsg-3+deb10u5",
        },
        "matchDetails": {"matcher": "dpkg-matcher"},
        "artifact": {
            "name": "libldap-2.4-2",
            "version": "2.4.47+dfsg-3+deb10u4",
            "type": "deb",
            "locations": [{"path": location, "layerID": "sha256:b6f2"}],
            "purl": "pkg:deb/debian/libldap-2.4-2@2.4.47+dfsg-3+deb10u4?arch=amd64",
        },
    }


def _old_report(*matches: dict[str, Any]) -> dict[str, Any]:
    return {
        "matches": list(matches),
        "source": {"type": "image", "target": {"userInput": "python:3.6"}},
        "distro": {"name": "debian", "version": "10"},
        "descriptor": {"name": "grype", "version": "0.7.0"},
    }


def test_a_grype_0_7_match_reads_the_old_keys_and_rates_unknown_by_cvss_v2() -> None:
    report = parse_document(_old_report(_old_match("Unknown")), expect_format="grype")
    (finding,) = report.findings
    assert finding.tool_severity is Severity.LOW  # "Unknown", rated by its v2 score of 2.1
    details = _sca(finding.details)
    assert details.fixed_versions == ("2.4.47+dfsg-3+deb10u5",)
    assert (details.cvss_score, details.cvss_vector) == (None, None)  # a v2 score is not shown
    assert details.ecosystem == "Debian"
    assert finding.message == "CVE-2020-15719 in libldap-2.4-2 2.4.47+dfsg-3+deb10u4"


def test_the_fingerprint_is_stable_across_scans_and_follows_the_place() -> None:
    (first,) = parse_document(_old_report(_old_match("Medium")), expect_format="grype").findings
    (again,) = parse_document(_old_report(_old_match("High")), expect_format="grype").findings
    moved = _old_match("Medium", location="/usr/lib/libldap.so")
    (elsewhere,) = parse_document(_old_report(moved), expect_format="grype").findings
    assert first.fingerprint == again.fingerprint
    assert first.fingerprint != elsewhere.fingerprint


def test_ignored_matches_are_counted_but_not_findings() -> None:
    document = _old_report(_old_match("Medium")) | {"ignoredMatches": [_old_match("Low")]}
    report = parse_document(document, expect_format="grype")
    assert (report.results, report.ignored, len(report.findings)) == (2, 1, 1)


def test_an_empty_report_has_no_results() -> None:
    report = parse_document(_old_report(), expect_format="grype")
    assert (report.results, report.ignored, report.findings) == (0, 0, ())


@pytest.mark.parametrize(
    ("matches", "where"),
    [
        (["CVE-2020-1"], "matches[0]"),
        ([{"vulnerability": None, "artifact": {}}], "matches[0].vulnerability"),
        ([{"vulnerability": {"id": "CVE-1"}, "artifact": "x"}], "matches[0].artifact"),
        (
            [{"vulnerability": {"id": "CVE-1"}, "artifact": {"name": "a", "locations": {}}}],
            "matches[0].artifact.locations",
        ),
    ],
)
def test_a_structurally_broken_report_is_rejected_with_its_json_path(
    matches: list[Any], where: str
) -> None:
    with pytest.raises(ReportRejected, match=f"^{re.escape(where)}: expected"):
        parse_document(_old_report(*matches), expect_format="grype")


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        {"matches": []},
        {"matches": [{"rule": "x"}]},
        {"matches": "all", "descriptor": {"name": "grype"}},
        {"matches": [], "descriptor": {"name": "syft"}},
        Element("matches"),
    ],
)
def test_detection_refuses_other_documents_without_raising(document: Any) -> None:
    assert grype.looks_like(document) is False
