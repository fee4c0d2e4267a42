"""advisory_lookup: what the shipped/loaded intelligence says about a CVE, GHSA or PYSEC id."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from tools.intel.cvss import CvssCatalog
from tools.intel.epss import EpssCatalog
from tools.intel.kev import KevCatalog
from tools.llm.outcome import ToolOutput
from tools.llm.tools import ToolArgs

NAME = "advisory_lookup"
DESCRIPTION = (
    "Look up an advisory id (CVE-YYYY-NNNN, GHSA-xxxx-xxxx-xxxx or PYSEC-YYYY-N) in local "
    "intelligence snapshots: CVSS v3 base score and vector, whether CISA lists it as known "
    "exploited (KEV), and its EPSS exploitation probability."
)
_PREFIX = re.compile(r"^(cve|ghsa|pysec)-", re.IGNORECASE)


class AdvisoryLookupArgs(ToolArgs):
    advisory_id: str = Field(
        min_length=8,
        max_length=40,
        pattern=(
            r"^(CVE-[0-9]{4}-[0-9]{4,7}|GHSA(-[23456789cfghjmpqrvwx]{4}){3}"
            r"|PYSEC-[0-9]{4}-[0-9]{1,7})$"
        ),
        description="e.g. CVE-2021-44228 or GHSA-jfh8-c2jp-5v3q",
    )

    @field_validator("advisory_id", mode="before")
    @classmethod
    def _canonical(cls, value: Any) -> Any:
        """CVE/PYSEC ids upper-case, GHSA ids as GitHub writes them (prefix upper, rest lower)."""
        if not isinstance(value, str):
            return value
        value = value.strip()
        match = _PREFIX.match(value)
        if match is None:
            return value
        prefix = match.group(1).upper()
        rest = value[match.end() :]
        return f"{prefix}-{rest.lower() if prefix == 'GHSA' else rest.upper()}"


def advisory_lookup(
    args: AdvisoryLookupArgs,
    *,
    cvss: CvssCatalog | None,
    kev: KevCatalog | None,
    epss: EpssCatalog | None,
) -> ToolOutput:
    """One line per source. KEV and EPSS are keyed by CVE: a GHSA/PYSEC id is mapped to its CVE
    aliases through the CVSS snapshot when it knows them."""
    advisory = args.advisory_id
    lines = [f"advisory {advisory}"]
    cves = [advisory] if advisory.startswith("CVE-") else []
    if cvss is None:
        lines.append("CVSS: no advisory snapshot loaded")
    else:
        found = cvss.lookup(advisory)
        if found is None:
            lines.append(f"CVSS: not in {cvss.provenance}")
        else:
            lines.append(f"CVSS: {found.score:.1f} {found.vector} ({found.source})")
            if not cves:
                cves = _cve_aliases(cvss, advisory)
    if not cves:
        lines.append("KEV/EPSS: no CVE id known for this advisory")
        return ToolOutput("\n".join(lines))
    for cve in cves[:3]:
        lines.append(_kev_line(kev, cve))
        lines.append(_epss_line(epss, cve))
    return ToolOutput("\n".join(lines))


def _cve_aliases(cvss: CvssCatalog, advisory: str) -> list[str]:
    record = cvss.records.get(advisory.upper())
    return sorted(
        key for key, other in cvss.records.items() if other is record and key.startswith("CVE-")
    )


def _kev_line(kev: KevCatalog | None, cve: str) -> str:
    if kev is None:
        return f"KEV {cve}: no KEV catalogue loaded"
    entry = kev.lookup(cve)
    if entry is None:
        return f"KEV {cve}: not listed in {kev.provenance}"
    ransomware = "known ransomware use" if entry.ransomware else "no known ransomware use"
    return f"KEV {cve}: listed since {entry.date_added}, {ransomware} ({kev.provenance})"


def _epss_line(epss: EpssCatalog | None, cve: str) -> str:
    if epss is None:
        return f"EPSS {cve}: no EPSS scores loaded"
    score = epss.lookup(cve)
    if score is None:
        return f"EPSS {cve}: no score in {epss.provenance}"
    return (
        f"EPSS {cve}: probability {score.epss:.5f}, percentile {score.percentile:.5f} "
        f"({epss.provenance})"
    )
