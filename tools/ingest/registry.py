"""The formats we read, registered explicitly, and detection of a report's format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

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
    picklescan,
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
from tools.ingest.plain_text import TextReport
from tools.ingest.report import ParseContext, ParsedReport


@dataclass(frozen=True)
class ReportFormat:
    name: str
    looks_like: Callable[[Any], bool]
    parse: Callable[[Any, ParseContext], ParsedReport]


class FormatModule(Protocol):
    """What every module in tools/ingest/formats/ exposes."""

    FORMAT: str

    def looks_like(self, document: Any) -> bool: ...

    def parse(self, document: Any, context: ParseContext) -> ParsedReport: ...


def _registered(*modules: FormatModule) -> tuple[ReportFormat, ...]:
    return tuple(
        ReportFormat(
            m.FORMAT,
            m.looks_like,
            m.parse if m.FORMAT in _TEXT_FORMATS else _structured_only(m.parse),
        )
        for m in modules
    )


_TEXT_FORMATS = frozenset({picklescan.FORMAT})
"""Formats whose reports are plain text (``TextReport``); every other one reads JSON or XML."""


def _structured_only(
    parse: Callable[[Any, ParseContext], ParsedReport],
) -> Callable[[Any, ParseContext], ParsedReport]:
    """``parse``, refusing a plain-text file (given ``--format``) with the JSON parser's reason."""

    def guarded(document: Any, context: ParseContext) -> ParsedReport:
        if isinstance(document, TextReport):
            raise ReportRejected(document.not_json)
        return parse(document, context)

    return guarded


# Detection tries these in order: put a format whose detector is stricter before a looser one.
FORMATS: tuple[ReportFormat, ...] = _registered(
    sarif,
    bandit,
    zap,
    detect_secrets,
    github_secret_scanning,
    gitleaks,
    trufflehog,
    trufflehog3,
    trivy,
    grype,
    github_dependabot,
    npm_audit,
    npm_audit_v7,
    pip_audit,
    snyk,
    yarn_audit,
    checkov,
    github_code_scanning,
    gitlab_dependency_scanning,
    gitlab_sast,
    semgrep,
    osv_scanner,
    cyclonedx,
    garak,
    promptfoo,
    modelscan,
    picklescan,
    jfrog_xray_unified,
    jfrog_xray_api_summary,
    jfrog_xray_on_demand,
    jfrog_xray,
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
    if isinstance(document, TextReport):
        texts = ", ".join(sorted(_TEXT_FORMATS))
        raise ReportRejected(f"{document.not_json}; nor plain text in a known format ({texts})")
    known = ", ".join(f.name for f in FORMATS)
    raise ReportRejected(f"not a report in a known format ({known})")
