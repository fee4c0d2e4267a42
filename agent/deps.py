"""Everything the workflow needs from outside, passed in once (never read from globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from agent.crashpoints import Crashpoints
from agent.llm.stage import ModelStage
from config.ai_applications import AiApplications
from config.business import BusinessContext
from config.risk import RiskRubric
from config.rubric import Rubric
from tools.intel.cvss import CvssCatalog
from tools.intel.epss import EpssCatalog
from tools.intel.kev import KevCatalog
from tools.publish.publisher import Publisher
from tools.repo.github_source import GithubSource
from tools.store.database import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WorkflowDeps:
    database: Database
    publisher: Publisher
    rubric: Rubric
    approval_ttl: timedelta
    snippet_context_lines: int
    max_snippet_lines: int
    max_file_bytes: int
    crashpoints: Crashpoints
    allowed_link_hosts: frozenset[str]
    two_person_rule: bool = True
    allowed_repositories: tuple[str, ...] = ("*",)
    """Globs of OWNER/REPO that tickets may be written to."""
    kev: KevCatalog | None = None
    risk_rubric: RiskRubric | None = None
    business: BusinessContext | None = None
    """Risk inputs; without them a proposal carries no risk decision."""
    ai_applications: AiApplications | None = None
    """What each AI application under test can do, for red-team findings; None: all unknown."""
    epss: EpssCatalog | None = None
    """FIRST EPSS scores; None when no file was downloaded (EPSS is then unknown)."""
    advisory_cvss: CvssCatalog | None = None
    """CVSS of published advisories, for findings whose report gives none."""
    github_source: Callable[[str, str], GithubSource] | None = None
    """Opens ``OWNER/REPO`` at a commit, for findings ingested with ``--github``; None without
    a GitHub token."""
    group_findings: bool = True
    """Findings that share a root cause share one case (agent/grouping.py)."""
    model_stage: ModelStage | None = None
    """The chat model, its limits and catalogs; None keeps the deterministic path (the default)."""
    clock: Callable[[], datetime] = utc_now
