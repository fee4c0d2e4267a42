"""Commands for exploit intelligence snapshots."""

from __future__ import annotations

from typing import Annotated

import typer

from agent.cli.common import EXIT_REFUSED, app, cli_settings, fail, out
from tools.intel.kev import IntelError
from tools.intel.update import update_kev

intel_app = typer.Typer(help="Exploit intelligence snapshots (CISA KEV).", no_args_is_help=True)
app.add_typer(intel_app, name="intel")


@intel_app.command("update")
def intel_update(
    url: Annotated[str | None, typer.Option(help="KEV feed URL (default: CISA's).")] = None,
) -> None:
    """Refresh the KEV snapshot from its public URL (needs network); the old one stays on error."""
    settings = cli_settings()
    destination = settings.state_dir / "intel" / "kev.json"
    try:
        catalog = update_kev(url or settings.kev_url, destination)
    except IntelError as exc:
        fail(EXIT_REFUSED, str(exc))
    out.print(
        f"{catalog.provenance}: {len(catalog.entries)} CVEs saved to {destination}", markup=False
    )
