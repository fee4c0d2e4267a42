"""The one place that reads the environment.

Every other module receives the values it needs as arguments; nothing below this layer calls
``os.environ`` or builds a ``Settings`` of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

STATE_DIR_NAME = ".appsec-triage"


class Settings(BaseSettings):
    """Runtime settings, read from ``APPSEC_TRIAGE_*`` environment variables."""

    # hide_input_in_errors: a whole-settings validation error would otherwise print every input,
    # secrets included (SecretStr only protects values that were already parsed).
    model_config = SettingsConfigDict(
        env_prefix="APPSEC_TRIAGE_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

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
    parse_process_bytes: int = Field(
        default=8 * 1024**2,
        ge=0,
        description="SARIF files at least this big are read by a second process while this one "
        "stores them (0: never).",
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
    ai_applications: Path | None = Field(
        default=None,
        description=(
            "TOML with what each AI application under test can do (tools, data, autonomy), for "
            "red-team findings; see config/ai_applications.example.toml."
        ),
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
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="Log lines on stderr: text for people, json (one object a line, with case "
        "ids) for a log collector.",
    )
    # Secrets: SecretStr keeps them out of reprs, tracebacks and model dumps. Each is masked in
    # every log line (config/logs.py) and read only by the component that needs it.
    github_token: SecretStr | None = Field(
        default=None, description="GitHub token for the publisher (fine-grained PAT)."
    )
    github_token_file: Path | None = Field(
        default=None,
        description="A file holding the GitHub token (a mounted secret), used when no token is.",
    )
    github_read_token: SecretStr | None = Field(
        default=None,
        description=(
            "A read-only GitHub token for alerts and code (ingest --github, batch); default: "
            "github_token. Keeps the write token out of scheduled triage jobs."
        ),
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
    # GitHub App (issue #7): set all three to have every GitHub call use an installation token
    # minted per run for the one repository and the permissions of that action (docs/github.md).
    github_app_id: str | None = Field(
        default=None, pattern=r"^[0-9]{1,20}$", description="GitHub App id (a number)."
    )
    github_app_installation_id: int | None = Field(
        default=None, gt=0, description="The App's installation id on the target account."
    )
    github_app_private_key_file: Path | None = Field(
        default=None, description="PEM file with the App's private key (a mounted secret)."
    )
    github_app_private_key: SecretStr | None = Field(
        default=None,
        description="The App's private key (PEM) itself, when it cannot be a file; never logged.",
    )

    def github_app_problems(self) -> list[str]:
        """What stops the GitHub App from being used, when any App setting is present."""
        if not (
            self.github_app_id
            or self.github_app_installation_id
            or self.github_app_private_key_file
            or self.github_app_private_key
        ):
            return []
        problems = []
        if not self.github_app_id:
            problems.append("a GitHub App needs APPSEC_TRIAGE_GITHUB_APP_ID")
        if self.github_app_installation_id is None:
            problems.append("a GitHub App needs APPSEC_TRIAGE_GITHUB_APP_INSTALLATION_ID")
        if not self.resolved_github_app_private_key():
            problems.append(
                "a GitHub App needs a readable APPSEC_TRIAGE_GITHUB_APP_PRIVATE_KEY_FILE (or "
                "APPSEC_TRIAGE_GITHUB_APP_PRIVATE_KEY)"
            )
        return problems

    def resolved_github_app_private_key(self) -> str | None:
        """The App's PEM: the setting, else the file's content; None if neither is usable."""
        if self.github_app_private_key is not None:
            return self.github_app_private_key.get_secret_value().strip() or None
        if self.github_app_private_key_file is None:
            return None
        try:
            text = self.github_app_private_key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return text.strip() or None

    slack_bot_token: SecretStr | None = Field(default=None, description="Slack bot token (xoxb-).")
    slack_signing_secret: SecretStr | None = Field(
        default=None, description="Slack signing secret, to verify request signatures."
    )
    openai_api_key: SecretStr | None = Field(
        default=None,
        description="Key for the OpenAI-compatible model endpoint, when one is configured.",
    )
    # The model (issue #5). Keys come from APPSEC_TRIAGE_OPENAI_API_KEY /
    # APPSEC_TRIAGE_AZURE_OPENAI_API_KEY only: an OPENAI_API_KEY that happens to be in a
    # developer's shell never switches paid calls on, and the client library is always handed
    # every value explicitly so it has no environment of its own to fall back on.
    llm_provider: Literal["none", "openai", "azure"] = Field(
        default="none",
        description=(
            "Which model triages: none (the deterministic policy path, the default), openai "
            "(OpenAI or any OpenAI-compatible server: vLLM, Ollama, LiteLLM) or azure."
        ),
    )
    llm_model: str | None = Field(
        default=None,
        max_length=200,
        description="Model name sent to the endpoint (azure: recorded; the deployment decides).",
    )
    llm_base_url: str = Field(
        default="https://api.openai.com/v1",
        description="Base URL of the OpenAI-compatible endpoint, e.g. http://localhost:8000/v1.",
    )
    llm_azure_endpoint: str | None = Field(
        default=None, description="Azure OpenAI resource URL, e.g. https://NAME.openai.azure.com."
    )
    llm_azure_deployment: str | None = Field(default=None, description="Azure deployment name.")
    llm_azure_api_version: str = Field(default="2024-10-21", description="Azure API version.")
    azure_openai_api_key: SecretStr | None = Field(
        default=None, description="Key for Azure OpenAI, when llm_provider is azure."
    )
    llm_timeout_seconds: float = Field(
        default=60.0, gt=0, le=600, description="Seconds before one model request times out."
    )
    llm_max_retries: int = Field(
        default=2, ge=0, le=10, description="Client retries on 429/5xx/connection errors."
    )
    llm_requests_per_second: float = Field(
        default=2.0, ge=0, description="Client-side request rate limit; 0 turns it off."
    )
    llm_structured_output: Literal["json_schema", "function_calling"] = Field(
        default="json_schema",
        description=(
            "How the final answer is requested: OpenAI structured outputs (json_schema), or a "
            "forced function call for servers without it."
        ),
    )
    llm_max_reply_tokens: int = Field(
        default=2048, gt=0, le=32_768, description="Cap on the tokens of one model reply."
    )
    llm_max_turns: int = Field(
        default=6, ge=1, le=50, description="Model calls per case, the final answer included."
    )
    llm_max_tokens_per_case: int = Field(
        default=40_000, gt=0, description="Input plus output tokens one case may spend."
    )
    llm_max_tool_calls: int = Field(default=8, ge=0, le=100, description="Tool calls per case.")
    llm_max_tool_bytes: int = Field(
        default=64 * 1024, ge=0, description="Tool output bytes the model may read per case."
    )
    llm_max_seconds_per_case: float = Field(
        default=120.0, gt=0, description="Wall-clock seconds one case may spend with the model."
    )

    @model_validator(mode="after")
    def check_llm_settings(self) -> Settings:
        problems = self.llm_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def llm_problems(self) -> list[str]:
        """What stops the configured model from being built, each naming the variable to set."""
        if self.llm_provider == "none":
            return []
        problems = []
        if not self.llm_model:
            problems.append(f"llm_provider={self.llm_provider} needs APPSEC_TRIAGE_LLM_MODEL")
        if self.llm_provider == "openai" and not _present(self.openai_api_key):
            problems.append(
                "llm_provider=openai needs APPSEC_TRIAGE_OPENAI_API_KEY (any non-empty value "
                "for a local server that does not check keys)"
            )
        if self.llm_provider == "azure":
            if not _present(self.azure_openai_api_key):
                problems.append("llm_provider=azure needs APPSEC_TRIAGE_AZURE_OPENAI_API_KEY")
            if not self.llm_azure_endpoint:
                problems.append("llm_provider=azure needs APPSEC_TRIAGE_LLM_AZURE_ENDPOINT")
            if not self.llm_azure_deployment:
                problems.append("llm_provider=azure needs APPSEC_TRIAGE_LLM_AZURE_DEPLOYMENT")
        return problems

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
                self.github_read_token,
                self.slack_bot_token,
                self.slack_signing_secret,
                self.slack_app_token,
                self.openai_api_key,
                self.azure_openai_api_key,
                self.secret_fingerprint_key,
            )
            if secret is not None
        ]
        password = _url_password(self.db_url)
        token = self.resolved_github_token() if self.github_token is None else None
        app_key = self.resolved_github_app_private_key()
        return (
            values
            + ([password] if password else [])
            + ([token] if token else [])
            + ([app_key] if app_key else [])
        )

    def resolved_github_read_token(self) -> str | None:
        """The token for reading alerts and code: the read-only one, else the general one."""
        if self.github_read_token is not None:
            return self.github_read_token.get_secret_value()
        return self.resolved_github_token()

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


def _present(secret: SecretStr | None) -> bool:
    return secret is not None and bool(secret.get_secret_value().strip())


def _url_password(url: str | None) -> str | None:
    if not url or "@" not in url or "://" not in url:
        return None
    credentials = url.split("://", 1)[1].split("@", 1)[0]
    return credentials.split(":", 1)[1] if ":" in credentials else None
