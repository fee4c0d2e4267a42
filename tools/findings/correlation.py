"""Correlation keys: the same problem reported by two different tools gets the same key.

Fingerprints identify a finding across scans of one tool. Two tools never agree on fingerprints,
so cross-tool deduplication uses what they do agree on:

- SAST and IaC: the CWE family at the same file and line (Bandit's CWE-78 and Semgrep's CWE-77
  on one ``subprocess`` call);
- SCA: the same advisory for the same package version (Trivy and Grype on one CVE);
- secrets: the same secret (keyed hash) in the same file;
- DAST: the CWE family at the same URL and parameter.

A finding with too little to go on (no CWE, no line) gets no key and is never merged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from tools.findings.finding import (
    DastDetails,
    Finding,
    FindingKind,
    ScaDetails,
    SecretDetails,
)

_MAX_KEY = 300


def correlation_key(finding: Finding, families: Mapping[str, str]) -> str | None:
    details = finding.details
    if isinstance(details, ScaDetails):
        advisory = _primary_advisory(details.advisory_ids) or finding.rule_id
        return _bounded(
            f"sca:{advisory.upper()}:", f"{details.package.lower()}@{details.version or ''}"
        )
    if isinstance(details, SecretDetails):
        if details.secret_hmac is None or finding.path is None:
            return None
        return _bounded(f"secret:{details.secret_hmac}:", finding.path)
    family = _family(finding.cwe_ids, families)
    if family is None:
        return None
    if isinstance(details, DastDetails):
        return _bounded(f"dast:{family}:{details.parameter or ''}:", details.url)
    if finding.kind in (FindingKind.SAST, FindingKind.IAC) and finding.path and finding.start_line:
        return _bounded(f"loc:{family}:{finding.start_line}:", finding.path)
    return None


def _bounded(prefix: str, tail: str) -> str:
    """``prefix + tail`` within the column's 300 characters; a long tail is hashed, never cut,
    because two keys that differ only past the cut would merge two different findings."""
    key = prefix + tail
    if len(key) <= _MAX_KEY:
        return key
    return prefix + "sha256:" + hashlib.sha256(tail.encode("utf-8", "surrogatepass")).hexdigest()


def _primary_advisory(ids: tuple[str, ...]) -> str | None:
    """The CVE when there is one (every tool knows it), else the first advisory id."""
    cves = sorted(i for i in ids if i.upper().startswith("CVE-"))
    return cves[0] if cves else (ids[0] if ids else None)


def _family(cwe_ids: tuple[str, ...], families: Mapping[str, str]) -> str | None:
    if not cwe_ids:
        return None
    # The most specific CWE a tool names comes first; its family decides.
    return families.get(cwe_ids[0], cwe_ids[0])
