"""The one place that reads the environment.

Every other module receives the values it needs as arguments; nothing below this layer calls
``os.environ`` or builds a ``Settings`` of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

STATE_DIR_NAME = ".appsec-triage"


class Settings(BaseSettings):
    """Runtime settings, read from ``APPSEC_TRIAGE_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="APPSEC_TRIAGE_", extra="ignore", frozen=True)

    db_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; default: SQLite under the state directory.",
    )
    state_dir: Path = Field(default=Path(STATE_DIR_NAME), description="Local state directory.")
    outbox_dir: Path | None = Field(
        default=None, description="Dry-run outbox; default: <state_dir>/outbox."
    )
    max_report_bytes: int = Field(
        default=4 * 1024**3, gt=0, description="No report file may be bigger."
    )
    in_memory_report_bytes: int = Field(
        default=64 * 1024**2,
        gt=0,
        description="Bigger SARIF files are streamed in flat memory; bigger files of other "
        "formats are refused.",
    )
    max_results_per_report: int = Field(default=250_000, gt=0)
    max_snippet_lines: int = Field(default=40, gt=0)
    snippet_context_lines: int = Field(default=3, ge=0)
    max_file_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    approval_ttl_hours: int = Field(default=24 * 7, gt=0)
    allowed_link_hosts: tuple[str, ...] = Field(
        default=(
            "cwe.mitre.org",
            "capec.mitre.org",
            "nvd.nist.gov",
            "www.cve.org",
            "osv.dev",
            "github.com",
            "owasp.org",
            "cheatsheetseries.owasp.org",
            "genai.owasp.org",
            "atlas.mitre.org",
        ),
        description="The only hosts a published ticket may link to (https only).",
    )
    slack_config: Path | None = Field(
        default=None, description="TOML file with the Slack channels and approvers."
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/", description="Slack Web API base URL."
    )
    slack_app_token: SecretStr | None = Field(
        default=None, description="App-level token (xapp-) for Socket Mode."
    )
    business_context: Path | None = Field(
        default=None, description="TOML with exposure, sensitivity, criticality per repo/path."
    )
    kev_snapshot: Path | None = Field(
        default=None,
        description=(
            "CISA KEV JSON; default: <state_dir>/intel/kev.json after `intel update`, "
            "else the snapshot shipped in tools/intel."
        ),
    )
    kev_url: str = Field(
        default="https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
        description="Where `intel update` fetches the KEV catalogue.",
    )

    def resolved_kev_snapshot(self) -> Path | None:
        """The configured snapshot, else a refreshed one in the state directory, else None."""
        if self.kev_snapshot is not None:
            return self.kev_snapshot
        refreshed = self.state_dir / "intel" / "kev.json"
        return refreshed if refreshed.is_file() else None

    epss_snapshot: Path | None = Field(
        default=None,
        description=(
            "FIRST EPSS CSV (gzipped or not); default: <state_dir>/intel/epss.csv.gz after "
            "`intel update --epss`. None ships: without one, EPSS is unknown."
        ),
    )
    epss_url: str = Field(
        default="https://epss.cyentia.com/epss_scores-current.csv.gz",
        description="Where `intel update --epss` fetches FIRST's EPSS scores.",
    )
    cvss_snapshot: Path | None = Field(
        default=None,
        description="Advisory CVSS snapshot (JSON); default: the one shipped in tools/intel.",
    )

    def epss_destination(self) -> Path:
        """Where `intel update --epss` saves the scores."""
        return self.state_dir / "intel" / "epss.csv.gz"

    def resolved_epss_snapshot(self) -> Path | None:
        """The configured EPSS file, else a downloaded one in the state directory, else None."""
        if self.epss_snapshot is not None:
            return self.epss_snapshot
        refreshed = self.epss_destination()
        return refreshed if refreshed.is_file() else None

    allowed_repositories: tuple[str, ...] = Field(
        default=("*",),
        description=(
            "Globs of OWNER/REPO that tickets may be written to. '*' suits the dry-run outbox, "
            "which writes only local files; list your repositories before publishing to GitHub."
        ),
    )
    two_person_rule: bool = Field(
        default=True,
        description=(
            "A false-positive dismissal, or a severity below the scanner's for a high or critical "
            "finding, needs two distinct approvers."
        ),
    )
    log_level: str = Field(default="WARNING", pattern=r"^(?i:debug|info|warning|error|critical)$")
    # Secrets: SecretStr keeps them out of reprs, tracebacks and model dumps. Each is masked in
    # every log line (config/logs.py) and read only by the component that needs it.
    github_token: SecretStr | None = Field(
        default=None, description="GitHub token for the publisher (fine-grained PAT)."
    )
    github_token_file: Path | None = Field(
        default=None,
        description="A file holding the GitHub token (a mounted secret), used when no token is.",
    )
    publisher: Literal["dry-run", "github"] = Field(
        default="dry-run",
        description="Where approved tickets go: the local dry-run outbox, or GitHub issues.",
    )
    github_timeout_seconds: int = Field(
        default=15, gt=0, le=300, description="Seconds before a GitHub request counts as timed out."
    )
    github_api_url: str = Field(
        default="https://api.github.com",
        description="GitHub REST API base URL; https://HOST/api/v3 for GitHub Enterprise Server.",
    )
    slack_bot_token: SecretStr | None = Field(default=None, description="Slack bot token (xoxb-).")
    slack_signing_secret: SecretStr | None = Field(
        default=None, description="Slack signing secret, to verify request signatures."
    )
    openai_api_key: SecretStr | None = Field(
        default=None,
        description="Key for the OpenAI-compatible model endpoint, when one is configured.",
    )
    secret_fingerprint_key: SecretStr | None = Field(
        default=None, description="HMAC key for fingerprints of secret-scanner findings."
    )
    crashpoint: str | None = Field(
        default=None,
        description=(
            "Fault injection for crash-recovery tests: the process kills itself (SIGKILL) when it "
            "reaches the named point. Never set this in production."
        ),
    )

    def secret_values(self) -> list[str]:
        """Every configured secret, for the log masker; the database password included."""
        values = [
            secret.get_secret_value()
            for secret in (
                self.github_token,
                self.slack_bot_token,
                self.slack_signing_secret,
                self.slack_app_token,
                self.openai_api_key,
                self.secret_fingerprint_key,
            )
            if secret is not None
        ]
        password = _url_password(self.db_url)
        token = self.resolved_github_token() if self.github_token is None else None
        return values + ([password] if password else []) + ([token] if token else [])

    def resolved_github_token(self) -> str | None:
        """The GitHub token: the setting, else the first line of ``github_token_file``."""
        if self.github_token is not None:
            return self.github_token.get_secret_value()
        if self.github_token_file is None:
            return None
        try:
            text = self.github_token_file.read_text(encoding="utf-8")
        except OSError:
            return None
        return text.strip().splitlines()[0] if text.strip() else None

    def resolved_db_url(self) -> str:
        """The store URL, defaulting to a SQLite file in the state directory."""
        if self.db_url:
            return self.db_url
        return f"sqlite:///{(self.state_dir / 'triage.db').resolve()}"

    def resolved_outbox_dir(self) -> Path:
        """The dry-run outbox directory."""
        return self.outbox_dir if self.outbox_dir is not None else self.state_dir / "outbox"


def _url_password(url: str | None) -> str | None:
    if not url or "@" not in url or "://" not in url:
        return None
    credentials = url.split("://", 1)[1].split("@", 1)[0]
    return credentials.split(":", 1)[1] if ":" in credentials else None
