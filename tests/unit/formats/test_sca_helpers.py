"""The helpers the dependency-scanner formats share: CVSS v3 scores, advisory order, purls."""

from __future__ import annotations

import pytest

from tools.ingest.formats._sca import (
    cvss3_base_score,
    cvss_number,
    ecosystem_from_purl,
    ordered_advisories,
)


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        # Scores as NVD publishes them for these vectors.
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:L/I:L/A:L", 5.7),
        ("CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N", 6.1),
        ("AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", 5.3),  # no prefix, as CycloneDX ratings write it
        ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
    ],
)
def test_a_cvss_3_vector_gives_its_base_score(vector: str, score: float) -> None:
    assert cvss3_base_score(vector) == score


@pytest.mark.parametrize(
    "vector",
    [
        None,
        "",
        "AV:N/AC:L/Au:N/C:P/I:P/A:P",  # CVSS v2
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H",  # no scope
    ],
)
def test_anything_but_a_complete_cvss_3_vector_has_no_score(vector: str | None) -> None:
    assert cvss3_base_score(vector) is None


def test_advisories_are_distinct_with_cves_first_then_ghsas() -> None:
    ids = ["PYSEC-2023-74", "GHSA-j8r2-6x86-q33q", "cve-2023-32681", "CVE-2023-32681", None, " "]
    assert ordered_advisories(ids) == ("CVE-2023-32681", "GHSA-j8r2-6x86-q33q", "PYSEC-2023-74")


@pytest.mark.parametrize(
    ("purl", "ecosystem"),
    [
        ("pkg:pypi/django@3.2.9", "PyPI"),
        ("pkg:npm/%40types/lodash@4.14.0", "npm"),
        ("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4", "Maven"),
        ("pkg:golang/golang.org/x/net@0.7.0", "Go"),
        ("pkg:deb/debian/libc6@2.28-10?arch=amd64", "Debian"),
        ("pkg:rpm/rhel/avahi-libs@0.7-20.el8", "Red Hat"),
        ("pkg:apk/alpine/musl@1.2.3", "Alpine"),
        ("pkg:deb/unknown-distro/libc6@1", None),
        ("pkg:generic/openssl@3.0.0", None),
        ("django==3.2.9", None),
        (None, None),
    ],
)
def test_a_purl_names_its_osv_ecosystem(purl: str | None, ecosystem: str | None) -> None:
    assert ecosystem_from_purl(purl) == ecosystem


@pytest.mark.parametrize(
    ("value", "number"),
    [(7.5, 7.5), (10, 10.0), ("6.1", 6.1), ("high", None), (True, None), (11, None), (-1, None)],
)
def test_only_a_0_to_10_number_is_a_cvss_score(value: object, number: float | None) -> None:
    assert cvss_number(value) == number
