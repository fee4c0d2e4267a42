"""Shared fixtures. Every test gets its own store: a SQLite file, or a PostgreSQL schema.

Run the suite per backend: ``pytest --db-backend=sqlite`` or
``pytest --db-backend=postgresql --pg-url=postgresql+psycopg://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from agent.runtime import Runtime, open_runtime
from config.settings import Settings
from tests.support.cli_zygote import Call, Zygote, decode
from tools.store.database import Database

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE_REPORT = REPO / "examples" / "reports" / "bandit.sarif"
EXAMPLE_REPO = REPO / "examples" / "vulnerable-app"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db-backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.addoption("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pytest_report_header(config: pytest.Config) -> str:
    return f"store backend: {config.getoption('--db-backend')}"


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.config.getoption("--db-backend") == "sqlite":
        yield f"sqlite:///{tmp_path / 'triage.db'}"
        return
    base = make_url(request.config.getoption("--pg-url"))
    schema = f"t_{secrets.token_hex(6)}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(db_url=db_url, state_dir=tmp_path / ".appsec-triage")


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = open_runtime(settings)
    yield rt
    rt.database.dispose()


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Cli:
    """Runs ``appsec-triage`` in a fresh process, as a user would (tests/support/cli_zygote.py)."""

    cwd: Path
    env: dict[str, str]
    zygote: Zygote

    def __call__(self, *args: str, extra_env: dict[str, str] | None = None) -> CliResult:
        call = Call(args=args, env=self.env | (extra_env or {}), cwd=str(self.cwd), timeout=120)
        exited = self.zygote.run(call)
        return CliResult(exited.code, decode(exited.stdout), decode(exited.stderr))

    @property
    def outbox(self) -> Path:
        return self.cwd / ".appsec-triage" / "outbox"


def _cli_env() -> dict[str, str]:
    """The environment every CLI call starts from: ours, without any APPSEC_TRIAGE_ setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPSEC_TRIAGE_")}
    return env | {"COLUMNS": "200", "PYTHONPATH": str(REPO)}


@pytest.fixture(scope="session")
def cli_zygote() -> Iterator[Zygote]:
    zygote = Zygote(_cli_env())
    yield zygote
    zygote.close()


@pytest.fixture
def cli(tmp_path: Path, db_url: str, cli_zygote: Zygote) -> Cli:
    env = _cli_env() | {"APPSEC_TRIAGE_DB_URL": db_url}
    return Cli(cwd=tmp_path, env=env, zygote=cli_zygote)
