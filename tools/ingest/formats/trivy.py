"""Trivy's native JSON report (``trivy … --format json``) → Findings.

Three layouts carry the same per-target ``Results``: the current one (``SchemaVersion: 2``), the
legacy one (before Trivy 0.20, a bare list of targets) and the Kubernetes one (``ClusterName`` with
``Resources``, or with ``Vulnerabilities``/``Misconfigurations`` in older releases), where each
target belongs to a workload. Vulnerabilities become SCA findings, failed misconfiguration checks
IaC findings and secrets SECRET findings. Licenses are not security findings and are ignored.

Trivy masks the secret in both ``Match`` and the quoted code, so a Trivy report never holds the raw
secret: the finding gets no secret hash, and the masked line is still hidden as if it were secret,
because a scan with masking off would carry the real one there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tools.findings.finding import FindingKind, IacDetails
from tools.findings.fingerprint import normalise_code
from tools.findings.severity import Severity, from_score, from_word
from tools.ingest.draft import Draft, SecretMaterial, build_report, cwe_ids
from tools.ingest.formats._sca import (
    cvss3_base_score,
    cvss_number,
    ecosystem_from_purl,
    ordered_advisories,
    sca_details,
)
from tools.ingest.json_access import JsonObject, obj, opt_arr, opt_int, opt_obj, opt_str
from tools.ingest.report import ParseContext, ParsedReport

FORMAT = "trivy"
TOOL = "Trivy"

# Trivy's package types → OSV ecosystems. Language types mark a target as a manifest or lock file.
_LANGUAGE_ECOSYSTEMS: dict[str, str | None] = {
    "pip": "PyPI",
    "pipenv": "PyPI",
    "poetry": "PyPI",
    "uv": "PyPI",
    "python-pkg": "PyPI",
    "conda-pkg": None,
    "conda-environment": None,
    "npm": "npm",
    "yarn": "npm",
    "pnpm": "npm",
    "bun": "npm",
    "node-pkg": "npm",
    "composer": "Packagist",
    "composer-vendor": "Packagist",
    "cargo": "crates.io",
    "rustbinary": "crates.io",
    "rust-binary": "crates.io",
    "gomod": "Go",
    "gobinary": "Go",
    "jar": "Maven",
    "pom": "Maven",
    "gradle": "Maven",
    "sbt": "Maven",
    "bundler": "RubyGems",
    "gemspec": "RubyGems",
    "nuget": "NuGet",
    "dotnet-core": "NuGet",
    "packages-props": "NuGet",
    "conan": "ConanCenter",
    "hex": "Hex",
    "pub": "Pub",
    "swift": "SwiftURL",
    "cocoapods": None,
    "julia": "Julia",
}
_OS_ECOSYSTEMS = {
    "debian": "Debian",
    "ubuntu": "Ubuntu",
    "alpine": "Alpine",
    "redhat": "Red Hat",
    "rocky": "Rocky Linux",
    "alma": "AlmaLinux",
    "wolfi": "Wolfi",
    "chainguard": "Chainguard",
    "photon": "Photon OS",
    "opensuse.leap": "openSUSE",
    "opensuse.tumbleweed": "openSUSE",
    "suse linux enterprise server": "SUSE",
}
# Trivy names a target after the language, not a file, when packages were found installed in an
# image rather than in a lock file (its langpkg scanner's PkgTargets).
_LANGUAGE_LABELS = frozenset({"Python", "Conda", "Ruby", "Node.js", "Java", "Kubernetes"})
# Artifacts whose paths are inside an image, not in a repository.
_IMAGE_ARTIFACTS = frozenset({"container_image", "vm"})
_NOT_FINDING_CHECKS = frozenset({"PASS", "EXCEPTION"})
# The vendor's VEX-like verdict that the installed package is not affected.
_NOT_AFFECTED = "not_affected"
_MASK_RUN = re.compile(r"\*{2,}")
# IacDetails' text limit: details are built here, before build_report could quarantine a draft.
_SHORT = 500


@dataclass(frozen=True)
class _Target:
    """One entry of ``Results``, with what the layout around it says."""

    result: JsonObject
    where: str
    in_image: bool
    workload: str | None
    namespace: str | None = None


def looks_like(document: Any) -> bool:
    if isinstance(document, list):
        # Legacy layout: every entry is a target carrying a (possibly null) Vulnerabilities key.
        return bool(document) and all(
            isinstance(entry, dict)
            and isinstance(entry.get("Target"), str)
            and "Vulnerabilities" in entry
            for entry in document
        )
    if not isinstance(document, dict):
        return False
    if document.get("SchemaVersion") == 2 and not isinstance(document.get("SchemaVersion"), bool):
        return "Results" in document or "ArtifactName" in document
    return isinstance(document.get("ClusterName"), str) and any(
        isinstance(document.get(key), list)
        for key in ("Resources", "Vulnerabilities", "Misconfigurations")
    )


def parse(document: Any, context: ParseContext) -> ParsedReport:
    targets = list(_targets(document))
    results = 0
    ignored = 0
    for target in targets:
        entries, skipped = _counts(target)
        results += entries
        ignored += skipped
    tool_version = None
    repository = None
    if isinstance(document, dict):
        trivy = opt_obj(document, "Trivy", "report") or {}
        tool_version = opt_str(trivy, "Version", "Trivy")
        metadata = opt_obj(document, "Metadata", "report") or {}
        repository = opt_str(metadata, "RepoURL", "Metadata")
    return build_report(
        format_name=FORMAT,
        tools=[TOOL],
        results=results,
        ignored=ignored,
        drafts=(draft for target in targets for draft in _target_drafts(target, tool_version)),
        context=context,
        repository=repository,
    )


def _targets(document: Any) -> Iterator[_Target]:
    if isinstance(document, list):
        for index, raw in enumerate(document):
            # A legacy report does not say what was scanned; its paths are kept as given.
            yield _Target(obj(raw, f"[{index}]"), f"[{index}]", in_image=False, workload=None)
        return
    report = obj(document, "report")
    if "ClusterName" in report and "SchemaVersion" not in report:
        for key in ("Resources", "Vulnerabilities", "Misconfigurations"):
            for index, raw in enumerate(opt_arr(report, key, "report")):
                where = f"{key}[{index}]"
                resource = obj(raw, where)
                namespace = opt_str(resource, "Namespace", where)
                workload = "/".join(
                    part
                    for part in (
                        namespace,
                        opt_str(resource, "Kind", where),
                        opt_str(resource, "Name", where),
                    )
                    if part
                )
                for number, result in enumerate(opt_arr(resource, "Results", where)):
                    spot = f"{where}.Results[{number}]"
                    yield _Target(obj(result, spot), spot, True, workload or None, namespace)
        return
    in_image = opt_str(report, "ArtifactType", "report") in _IMAGE_ARTIFACTS
    for index, raw in enumerate(opt_arr(report, "Results", "report")):
        where = f"Results[{index}]"
        yield _Target(obj(raw, where), where, in_image, workload=None)


def _counts(target: _Target) -> tuple[int, int]:
    """Raw entries of one target and how many of them are not findings."""
    result, where = target.result, target.where
    vulnerabilities = opt_arr(result, "Vulnerabilities", where)
    checks = opt_arr(result, "Misconfigurations", where)
    secrets = opt_arr(result, "Secrets", where)
    licenses = opt_arr(result, "Licenses", where)
    skipped = len(licenses)
    for index, raw in enumerate(vulnerabilities):
        entry = obj(raw, f"{where}.Vulnerabilities[{index}]")
        skipped += opt_str(entry, "Status", f"{where}.Vulnerabilities[{index}]") == _NOT_AFFECTED
    for index, raw in enumerate(checks):
        entry = obj(raw, f"{where}.Misconfigurations[{index}]")
        status = opt_str(entry, "Status", f"{where}.Misconfigurations[{index}]")
        skipped += (status or "").upper() in _NOT_FINDING_CHECKS
    for index, raw in enumerate(secrets):
        obj(raw, f"{where}.Secrets[{index}]")
    return len(vulnerabilities) + len(checks) + len(secrets) + len(licenses), skipped


def _target_drafts(target: _Target, tool_version: str | None) -> Iterator[Draft]:
    result, where = target.result, target.where
    for index, raw in enumerate(opt_arr(result, "Vulnerabilities", where)):
        entry = obj(raw, f"{where}.Vulnerabilities[{index}]")
        if opt_str(entry, "Status", where) != _NOT_AFFECTED:
            yield _vulnerability(target, entry, f"{where}.Vulnerabilities[{index}]", tool_version)
    for index, raw in enumerate(opt_arr(result, "Misconfigurations", where)):
        entry = obj(raw, f"{where}.Misconfigurations[{index}]")
        status = (opt_str(entry, "Status", where) or "").upper()
        if status not in _NOT_FINDING_CHECKS:
            yield _misconfiguration(
                target, entry, f"{where}.Misconfigurations[{index}]", tool_version
            )
    for index, raw in enumerate(opt_arr(result, "Secrets", where)):
        entry = obj(raw, f"{where}.Secrets[{index}]")
        yield _secret(target, entry, f"{where}.Secrets[{index}]", tool_version)


def _vulnerability(
    target: _Target, entry: JsonObject, where: str, tool_version: str | None
) -> Draft:
    result = target.result
    kind = opt_str(result, "Type", target.where) or ""
    result_class = opt_str(result, "Class", target.where)
    is_language = (
        result_class == "lang-pkgs" if result_class else kind.lower() in _LANGUAGE_ECOSYSTEMS
    )
    vulnerability_id = opt_str(entry, "VulnerabilityID", where) or ""
    package = opt_str(entry, "PkgName", where)
    version = opt_str(entry, "InstalledVersion", where)
    file = _package_file(target, entry, where) if is_language else None
    path = file if file and not target.in_image else None
    # Outside a repository the file (or, for OS packages, the image) says where the package is.
    location = file if path is None else None
    if location is None and not is_language:
        location = opt_str(result, "Target", target.where)
    if target.workload:
        location = f"{target.workload}: {location}" if location else target.workload
    score, vector = _cvss(entry, where)
    # A v2 score only rates a vulnerability Trivy left UNKNOWN; it is not a v3 score to show.
    rating = score if score is not None else _cvss_v2_score(entry, where)
    title = opt_str(entry, "Title", where)
    identifier = opt_obj(entry, "PkgIdentifier", where) or {}
    purl = opt_str(identifier, "PURL", f"{where}.PkgIdentifier") or opt_str(entry, "Ref", where)
    # The image a package sits in is left out: a rebuilt, retagged image has the same findings.
    place = " ".join(p for p in (file if path is None else None, target.workload) if p)
    return Draft(
        tool=TOOL,
        tool_version=tool_version,
        kind=FindingKind.SCA,
        rule_id=vulnerability_id,
        rule_name=title,
        message=opt_str(entry, "Description", where) or title or vulnerability_id,
        severity=_severity(opt_str(entry, "Severity", where), rating),
        where=where,
        cwe_ids=cwe_ids(opt_arr(entry, "CweIDs", where)),
        path=path,
        identity=f"{package}@{version}:{vulnerability_id}" + (f" {place}" if place else ""),
        details=sca_details(
            package=package,
            version=version,
            ecosystem=ecosystem_from_purl(purl) or _ecosystem(kind),
            fixed_versions=_fixed_versions(opt_str(entry, "FixedVersion", where)),
            advisory_ids=ordered_advisories(
                [vulnerability_id, *opt_arr(entry, "VendorIDs", where)]
            ),
            cvss_score=score,
            cvss_vector=vector,
            location=location,
        ),
    )


def _package_file(target: _Target, entry: JsonObject, where: str) -> str | None:
    """The lock file or installed package a language package was found in."""
    name = opt_str(target.result, "Target", target.where)
    if name and name not in _LANGUAGE_LABELS:
        return name
    return opt_str(entry, "PkgPath", where) or None


def _ecosystem(kind: str) -> str | None:
    lowered = kind.lower()
    if lowered in _LANGUAGE_ECOSYSTEMS:
        return _LANGUAGE_ECOSYSTEMS[lowered]
    return _OS_ECOSYSTEMS.get(lowered, kind or None)


def _fixed_versions(fixed: str | None) -> tuple[str, ...]:
    # Trivy joins the fixed versions of several release lines with ", ".
    return tuple(dict.fromkeys(v.strip() for v in (fixed or "").split(",") if v.strip()))


def _cvss(entry: JsonObject, where: str) -> tuple[float | None, str | None]:
    """Score and vector from the source Trivy took the severity from, else NVD, else any."""
    sources = opt_obj(entry, "CVSS", where) or {}
    preferred = opt_str(entry, "SeveritySource", where)
    order = [preferred, "nvd", *sources]
    for name in dict.fromkeys(n for n in order if n and n in sources):
        source = obj(sources[name], f"{where}.CVSS.{name}")
        for version in ("V3", "V40"):
            raw_vector = source.get(f"{version}Vector")
            vector = raw_vector if isinstance(raw_vector, str) else None
            score = cvss_number(source.get(f"{version}Score"))
            if score is None and version == "V3":
                score = cvss3_base_score(vector)
            if score is not None or vector is not None:
                return score, vector
    return None, None


def _cvss_v2_score(entry: JsonObject, where: str) -> float | None:
    sources = opt_obj(entry, "CVSS", where) or {}
    order = [opt_str(entry, "SeveritySource", where), "nvd", *sources]
    for name in dict.fromkeys(n for n in order if n and n in sources):
        source = sources[name]
        if isinstance(source, dict) and (score := cvss_number(source.get("V2Score"))) is not None:
            return score
    return None


def _severity(word: str | None, score: float | None) -> Severity:
    # UNKNOWN is Trivy's word for "no vendor rated it"; a CVSS score is better than a guess.
    return (
        from_word(word or "")
        or (from_score(score) if score is not None else None)
        or Severity.MEDIUM
    )


def _misconfiguration(
    target: _Target, entry: JsonObject, where: str, tool_version: str | None
) -> Draft:
    result = target.result
    cause = opt_obj(entry, "CauseMetadata", where) or {}
    cause_where = f"{where}.CauseMetadata"
    snippet = "\n".join(_cause_lines(cause, cause_where)) or None
    title = opt_str(entry, "Title", where)
    check = opt_str(entry, "ID", where) or opt_str(entry, "AVDID", where) or ""
    message = opt_str(entry, "Message", where) or opt_str(entry, "Description", where)
    message = message or title or check
    name = opt_str(result, "Target", target.where)
    # A Kubernetes target is a workload ("Deployment/web"), not a file; so is a file inside a
    # scanned image. The target names the checked object more reliably than the resource record
    # around it, which some Trivy releases fill from another workload.
    path = name if target.workload is None and not target.in_image else None
    resource = opt_str(cause, "Resource", cause_where)
    if resource is None and path is None:
        resource = "/".join(p for p in (target.namespace, name) if p) or target.workload
    code = normalise_code(snippet) if snippet else normalise_code(message)
    return Draft(
        tool=TOOL,
        tool_version=tool_version,
        kind=FindingKind.IAC,
        rule_id=check,
        rule_name=title,
        message=message,
        severity=from_word(opt_str(entry, "Severity", where) or "") or Severity.MEDIUM,
        where=where,
        path=path,
        start_line=opt_int(cause, "StartLine", cause_where, minimum=0),
        end_line=opt_int(cause, "EndLine", cause_where, minimum=0),
        snippet=snippet,
        identity=f"{resource or ''}|{code}",
        details=IacDetails(
            platform=(opt_str(result, "Type", target.where) or "")[:_SHORT] or None,
            resource=resource[:_SHORT] if resource else None,
        ),
    )


def _cause_lines(cause: JsonObject, where: str) -> list[str]:
    """The lines Trivy marks as the cause, without the context lines around them."""
    code = opt_obj(cause, "Code", where) or {}
    lines: list[str] = []
    for index, raw in enumerate(opt_arr(code, "Lines", f"{where}.Code")):
        line = obj(raw, f"{where}.Code.Lines[{index}]")
        if line.get("IsCause") is True:
            lines.append(opt_str(line, "Content", f"{where}.Code.Lines[{index}]") or "")
    return lines


def _secret(target: _Target, entry: JsonObject, where: str, tool_version: str | None) -> Draft:
    rule = opt_str(entry, "RuleID", where) or ""
    title = opt_str(entry, "Title", where) or rule
    name = opt_str(target.result, "Target", target.where)
    match = opt_str(entry, "Match", where) or ""
    hidden = [match]
    code = opt_obj(entry, "Code", where) or {}
    for index, raw in enumerate(opt_arr(code, "Lines", f"{where}.Code")):
        line = obj(raw, f"{where}.Code.Lines[{index}]")
        if line.get("IsCause") is True:
            for key in ("Content", "Highlighted"):
                text = opt_str(line, key, f"{where}.Code.Lines[{index}]")
                if text:
                    hidden.append(text)
    in_repository = target.workload is None and not target.in_image
    # The masked line tells two secrets in one file apart without a line number. Collapsing the
    # mask makes it differ from the raw Match, which build_report would otherwise scrub away; an
    # unmasked Match stays equal to itself and is scrubbed, and the identity is keyed either way.
    identity = f"{rule}|{'' if in_repository else name}|{_MASK_RUN.sub('*', match)}"
    return Draft(
        tool=TOOL,
        tool_version=tool_version,
        kind=FindingKind.SECRET,
        rule_id=rule,
        rule_name=title,
        message=title if in_repository or not name else f"{title} in {name}",
        severity=from_word(opt_str(entry, "Severity", where) or "") or Severity.MEDIUM,
        where=where,
        path=name if in_repository else None,
        start_line=opt_int(entry, "StartLine", where, minimum=0),
        end_line=opt_int(entry, "EndLine", where, minimum=0),
        identity=identity,
        secret=SecretMaterial(
            secret_type=opt_str(entry, "Category", where) or rule,
            value=None,
            also_hide=tuple(h for h in hidden if h),
        ),
    )
