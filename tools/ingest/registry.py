"""The formats we read, registered explicitly, and detection of a report's format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.ingest.errors import ReportRejected
from tools.ingest.formats import (
    bandit,
    checkov,
    cyclonedx,
    detect_secrets,
    garak,
    github_code_scanning,
    github_dependabot,
    github_secret_scanning,
    gitlab_dependency_scanning,
    gitlab_sast,
    gitleaks,
    grype,
    jfrog_xray,
    jfrog_xray_api_summary,
    jfrog_xray_on_demand,
    jfrog_xray_unified,
    modelscan,
    npm_audit,
    npm_audit_v7,
    osv_scanner,
    pip_audit,
    promptfoo,
    sarif,
    semgrep,
    snyk,
    trivy,
    trufflehog,
    trufflehog3,
    yarn_audit,
    zap,
)
from tools.ingest.report import ParseContext, ParsedReport


@dataclass(frozen=True)
class ReportFormat:
    name: str
    looks_like: Callable[[Any], bool]
    parse: Callable[[Any, ParseContext], ParsedReport]


# Detection tries these in order: put a format whose detector is stricter before a looser one.
FORMATS: tuple[ReportFormat, ...] = (
    ReportFormat(name=sarif.FORMAT, looks_like=sarif.looks_like, parse=sarif.parse),
    ReportFormat(name=bandit.FORMAT, looks_like=bandit.looks_like, parse=bandit.parse),
    ReportFormat(name=zap.FORMAT, looks_like=zap.looks_like, parse=zap.parse),
    ReportFormat(
        name=detect_secrets.FORMAT, looks_like=detect_secrets.looks_like, parse=detect_secrets.parse
    ),
    ReportFormat(
        name=github_secret_scanning.FORMAT,
        looks_like=github_secret_scanning.looks_like,
        parse=github_secret_scanning.parse,
    ),
    ReportFormat(name=gitleaks.FORMAT, looks_like=gitleaks.looks_like, parse=gitleaks.parse),
    ReportFormat(name=trufflehog.FORMAT, looks_like=trufflehog.looks_like, parse=trufflehog.parse),
    ReportFormat(
        name=trufflehog3.FORMAT, looks_like=trufflehog3.looks_like, parse=trufflehog3.parse
    ),
    ReportFormat(name=trivy.FORMAT, looks_like=trivy.looks_like, parse=trivy.parse),
    ReportFormat(name=grype.FORMAT, looks_like=grype.looks_like, parse=grype.parse),
    ReportFormat(
        name=github_dependabot.FORMAT,
        looks_like=github_dependabot.looks_like,
        parse=github_dependabot.parse,
    ),
    ReportFormat(name=npm_audit.FORMAT, looks_like=npm_audit.looks_like, parse=npm_audit.parse),
    ReportFormat(
        name=npm_audit_v7.FORMAT, looks_like=npm_audit_v7.looks_like, parse=npm_audit_v7.parse
    ),
    ReportFormat(name=pip_audit.FORMAT, looks_like=pip_audit.looks_like, parse=pip_audit.parse),
    ReportFormat(name=snyk.FORMAT, looks_like=snyk.looks_like, parse=snyk.parse),
    ReportFormat(name=yarn_audit.FORMAT, looks_like=yarn_audit.looks_like, parse=yarn_audit.parse),
    ReportFormat(name=checkov.FORMAT, looks_like=checkov.looks_like, parse=checkov.parse),
    ReportFormat(
        name=github_code_scanning.FORMAT,
        looks_like=github_code_scanning.looks_like,
        parse=github_code_scanning.parse,
    ),
    ReportFormat(
        name=gitlab_dependency_scanning.FORMAT,
        looks_like=gitlab_dependency_scanning.looks_like,
        parse=gitlab_dependency_scanning.parse,
    ),
    ReportFormat(
        name=gitlab_sast.FORMAT, looks_like=gitlab_sast.looks_like, parse=gitlab_sast.parse
    ),
    ReportFormat(name=semgrep.FORMAT, looks_like=semgrep.looks_like, parse=semgrep.parse),
    ReportFormat(
        name=osv_scanner.FORMAT, looks_like=osv_scanner.looks_like, parse=osv_scanner.parse
    ),
    ReportFormat(name=cyclonedx.FORMAT, looks_like=cyclonedx.looks_like, parse=cyclonedx.parse),
    ReportFormat(name=garak.FORMAT, looks_like=garak.looks_like, parse=garak.parse),
    ReportFormat(name=promptfoo.FORMAT, looks_like=promptfoo.looks_like, parse=promptfoo.parse),
    ReportFormat(name=modelscan.FORMAT, looks_like=modelscan.looks_like, parse=modelscan.parse),
    ReportFormat(
        name=jfrog_xray_unified.FORMAT,
        looks_like=jfrog_xray_unified.looks_like,
        parse=jfrog_xray_unified.parse,
    ),
    ReportFormat(
        name=jfrog_xray_api_summary.FORMAT,
        looks_like=jfrog_xray_api_summary.looks_like,
        parse=jfrog_xray_api_summary.parse,
    ),
    ReportFormat(
        name=jfrog_xray_on_demand.FORMAT,
        looks_like=jfrog_xray_on_demand.looks_like,
        parse=jfrog_xray_on_demand.parse,
    ),
    ReportFormat(name=jfrog_xray.FORMAT, looks_like=jfrog_xray.looks_like, parse=jfrog_xray.parse),
)


def format_named(name: str) -> ReportFormat:
    for report_format in FORMATS:
        if report_format.name == name:
            return report_format
    known = ", ".join(f.name for f in FORMATS)
    raise ReportRejected(f"unknown format {name!r}; known formats: {known}")


def detect(document: Any) -> ReportFormat:
    """The format whose detector accepts the document; ReportRejected when none does."""
    for report_format in FORMATS:
        if report_format.looks_like(document):
            return report_format
    known = ", ".join(f.name for f in FORMATS)
    raise ReportRejected(f"not a report in a known format ({known})")
