"""The ``appsec-triage`` command line.

Exit codes: 0 ok, 1 a refused or failed action, 2 bad input. Human output goes to stdout as
tables; ``--json`` prints machine-readable JSON instead; progress and errors go to stderr.
Each module registers its commands on the shared Typer apps in ``common``.
"""

from __future__ import annotations

from rich.text import Text

from agent.cli import approvals, audit, batch, findings, github, intel, reconcile, slack, worker  # noqa: F401 - registers commands
from agent.cli.common import EXIT_BAD_INPUT, EXIT_REFUSED, app, err, fail, open_cli_runtime, out
from agent.demo import run_demo
from agent.errors import AgentError, ConfigurationError


@app.command()
def demo() -> None:
    """Ingest and triage the bundled example app, then show what to do next."""
    try:
        run_demo(open_cli_runtime(), out)
    except AgentError as exc:
        fail(EXIT_REFUSED, str(exc))


def main() -> None:
    try:
        app()
    except ConfigurationError as exc:
        # Raised where the settings are first used (the publisher, say): a setting to fix.
        err.print(Text("error: ", style="bold red") + Text(str(exc)))
        raise SystemExit(EXIT_BAD_INPUT) from None
