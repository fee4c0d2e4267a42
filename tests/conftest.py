"""Shared fixtures. Every test gets its own store: a SQLite file, or a PostgreSQL schema.

Run the suite per backend: ``pytest --db-backend=sqlite`` or
``pytest --db-backend=postgresql --pg-url=postgresql+psycopg://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from agent.runtime import Runtime, open_runtime
from config.settings import Settings
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
    """Runs ``appsec-triage`` in a fresh interpreter, as a user would."""

    cwd: Path
    env: dict[str, str]

    def __call__(self, *args: str, extra_env: dict[str, str] | None = None) -> CliResult:
        proc = subprocess.run(
            [sys.executable, "-m", "agent", *args],
            cwd=self.cwd,
            env=self.env | (extra_env or {}),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    @property
    def outbox(self) -> Path:
        return self.cwd / ".appsec-triage" / "outbox"


@pytest.fixture
def cli(tmp_path: Path, db_url: str) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPSEC_TRIAGE_")}
    env |= {"APPSEC_TRIAGE_DB_URL": db_url, "COLUMNS": "200", "PYTHONPATH": str(REPO)}
    return Cli(cwd=tmp_path, env=env)
