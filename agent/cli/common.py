"""Shared pieces of the command line: the Typer apps, consoles, exit codes, settings."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.runtime import Runtime, open_runtime
from config.logs import configure_logging
from config.settings import Settings
from tools.errors import ToolError

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2

app = typer.Typer(
    help="Triage security-scanner findings; file tickets only after a human approves them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
findings_app = typer.Typer(help="Inspect ingested findings.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
approvals_app = typer.Typer(help="List and decide pending approvals.", no_args_is_help=True)
app.add_typer(findings_app, name="findings")
app.add_typer(approvals_app, name="approvals")
app.add_typer(audit_app, name="audit")
serve_app = typer.Typer(help="Run a long-lived service.", no_args_is_help=True)
app.add_typer(serve_app, name="serve")

out = Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False, markup=False)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


class _State:
    db_url: str | None = None


_state = _State()


@app.callback()
def _global_options(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="Store URL (default: sqlite under .appsec-triage/, or APPSEC_TRIAGE_DB_URL).",
        ),
    ] = None,
) -> None:
    _state.db_url = db


def cli_settings() -> Settings:
    try:
        base = Settings()
    except ValidationError as exc:
        fail(EXIT_BAD_INPUT, f"invalid APPSEC_TRIAGE_* setting: {exc}")
    return base.model_copy(update={"db_url": _state.db_url}) if _state.db_url else base


def open_cli_runtime() -> Runtime:
    settings = cli_settings()
    configure_logging(
        settings.log_level, settings.secret_values(), json_lines=settings.log_format == "json"
    )
    try:
        return open_runtime(settings)
    except ToolError as exc:
        fail(EXIT_BAD_INPUT, str(exc))


def fail(code: int, message: str) -> NoReturn:
    err.print(Text("error: ", style="bold red") + Text(message))
    raise typer.Exit(code)


def text_table(*columns: str, rows: list[list[Any]]) -> Table:
    """A table whose cells are plain text: untrusted values must not be read as Rich markup."""
    table = Table(*columns)
    for row in rows:
        table.add_row(*(Text("-" if value is None else str(value)) for value in row))
    return table


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")
