"""Wiring: turn settings into the store, the publisher and the compiled workflow."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta

from agent.checkpoints import open_checkpointer
from agent.crashpoints import Crashpoints
from agent.deps import WorkflowDeps
from agent.errors import ConfigurationError
from agent.graph import build_graph
from agent.ingest import IngestOptions
from agent.llm.stage import build_model_stage
from agent.secret_key import secret_fingerprint_key
from agent.workflow import Graph
from config.ai_applications import AiApplications, AiApplicationsError, load_ai_applications
from config.business import load_business_context
from config.cwe_families import load_cwe_families
from config.risk import load_risk_rubric
from config.rubric import load_rubric
from config.settings import Settings
from tools.github.app_tokens import AppInstallationTokens, GithubApp
from tools.github.credentials import READ_CODE, GithubCredentials, RepositoryAuth, StaticToken
from tools.ingest.report import ParseContext
from tools.intel.cvss import DEFAULT_CVSS_SNAPSHOT, load_cvss
from tools.intel.epss import load_epss
from tools.intel.kev import DEFAULT_SNAPSHOT, load_kev
from tools.publish.dry_run import DryRunOutbox
from tools.publish.github_issues import GithubIssues
from tools.publish.github_writer import GithubSettings
from tools.publish.publisher import Publisher
from tools.repo.github_source import GithubSource
from tools.store.database import Database


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    database: Database

    def deps(self) -> WorkflowDeps:
        deps = WorkflowDeps(
            database=self.database,
            publisher=self.publisher(),
            rubric=load_rubric(),
            approval_ttl=timedelta(hours=self.settings.approval_ttl_hours),
            snippet_context_lines=self.settings.snippet_context_lines,
            max_snippet_lines=self.settings.max_snippet_lines,
            max_file_bytes=self.settings.max_file_bytes,
            crashpoints=Crashpoints(self.settings.crashpoint),
            allowed_link_hosts=frozenset(self.settings.allowed_link_hosts),
            two_person_rule=self.settings.two_person_rule,
            allowed_repositories=self.settings.allowed_repositories,
            kev=load_kev(self.settings.resolved_kev_snapshot() or DEFAULT_SNAPSHOT),
            epss=load_epss(epss) if (epss := self.settings.resolved_epss_snapshot()) else None,
            advisory_cvss=load_cvss(self.settings.cvss_snapshot or DEFAULT_CVSS_SNAPSHOT),
            github_source=self.github_source_factory(),
            risk_rubric=load_risk_rubric(),
            business=load_business_context(self.settings.business_context),
            ai_applications=self.ai_applications(),
        )
        # The model stage reads the same intelligence catalogs as policy; None without a model.
        stage = build_model_stage(
            self.settings, kev=deps.kev, epss=deps.epss, advisories=deps.advisory_cvss
        )
        return replace(deps, model_stage=stage)

    def ai_applications(self) -> AiApplications:
        """What the configured AI applications can do; an unusable file stops with its reason."""
        try:
            return load_ai_applications(self.settings.ai_applications)
        except AiApplicationsError as exc:
            raise ConfigurationError(f"{exc} (APPSEC_TRIAGE_AI_APPLICATIONS)") from exc

    def github_source_factory(self) -> Callable[[str, str], GithubSource] | None:
        """Opens a repository at a commit over GitHub's API, with the configured token."""
        settings = self.settings
        credentials = self.github_credentials(read_only=True)
        if credentials is None:
            return None

        def open_source(repository: str, commit: str) -> GithubSource:
            return GithubSource(
                repository,
                commit,
                token=RepositoryAuth(credentials, repository, READ_CODE),
                max_file_bytes=settings.max_file_bytes,
                base_url=settings.github_api_url,
                timeout=settings.github_timeout_seconds,
            )

        return open_source

    def publisher(self) -> Publisher:
        """The dry-run outbox by default; GitHub only when configured, allowlisted and tokened."""
        settings = self.settings
        if settings.publisher == "dry-run":
            return DryRunOutbox(settings.resolved_outbox_dir())
        if "*" in settings.allowed_repositories:
            raise ConfigurationError(
                "publishing to GitHub needs an explicit APPSEC_TRIAGE_ALLOWED_REPOSITORIES "
                '(for example \'["acme/*"]\'); "*" is only for the dry-run outbox'
            )
        credentials = self.github_credentials()
        if credentials is None:
            raise ConfigurationError(
                "publishing to GitHub needs APPSEC_TRIAGE_GITHUB_TOKEN or "
                "APPSEC_TRIAGE_GITHUB_TOKEN_FILE, or a GitHub App "
                "(APPSEC_TRIAGE_GITHUB_APP_*; see docs/github.md for the permissions)"
            )
        github = GithubSettings(
            base_url=settings.github_api_url, timeout_seconds=settings.github_timeout_seconds
        )
        return GithubIssues(github, credentials)

    def github_credentials(self, *, read_only: bool = False) -> GithubCredentials | None:
        """Where GitHub tokens come from: the GitHub App when one is configured (a token minted
        per repository and action), else the token (``read_only``: the read token if set)."""
        settings = self.settings
        problems = settings.github_app_problems()
        if problems:
            raise ConfigurationError("; ".join(problems))
        key = settings.resolved_github_app_private_key()
        if settings.github_app_id and settings.github_app_installation_id and key:
            app = GithubApp(settings.github_app_id, settings.github_app_installation_id, key)
            return AppInstallationTokens(
                app,
                base_url=settings.github_api_url,
                timeout_seconds=settings.github_timeout_seconds,
            )
        token = (
            settings.resolved_github_read_token() if read_only else settings.resolved_github_token()
        )
        return StaticToken(token) if token else None

    def ingest_options(self) -> IngestOptions:
        return IngestOptions(
            max_bytes=self.settings.max_report_bytes,
            in_memory_bytes=self.settings.in_memory_report_bytes,
            context=ParseContext(
                max_results=self.settings.max_results_per_report,
                secret_key=secret_fingerprint_key(self.settings),
            ),
            cwe_families=load_cwe_families(),
            parse_process_bytes=self.settings.parse_process_bytes or None,
        )

    @contextmanager
    def workflow(self, *, connections: int = 1) -> Iterator[tuple[WorkflowDeps, Graph]]:
        """The dependencies and the compiled graph; ``connections`` sizes the checkpoint pool."""
        deps = self.deps()
        with open_checkpointer(self.database, connections=connections) as saver:
            yield deps, build_graph(deps, saver)


def open_runtime(settings: Settings) -> Runtime:
    """Connect to the store and migrate it to the current schema."""
    database = Database(settings.resolved_db_url())
    database.migrate()
    return Runtime(settings=settings, database=database)
