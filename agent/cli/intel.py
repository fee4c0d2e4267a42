"""Commands for exploit intelligence snapshots."""

from __future__ import annotations

from typing import Annotated

import typer

from agent.cli.common import EXIT_REFUSED, app, cli_settings, fail, out
from tools.intel.kev import IntelError
from tools.intel.update import update_epss, update_kev

intel_app = typer.Typer(
    help="Exploit intelligence snapshots (CISA KEV, FIRST EPSS).", no_args_is_help=True
)
app.add_typer(intel_app, name="intel")


@intel_app.command("update")
def intel_update(
    epss: Annotated[
        bool, typer.Option("--epss", help="Refresh FIRST's EPSS scores instead of CISA KEV.")
    ] = False,
    url: Annotated[
        str | None, typer.Option(help="Feed URL (default: CISA's KEV feed, or FIRST's EPSS file).")
    ] = None,
) -> None:
    """Refresh a snapshot from its public URL (needs network); the old one stays on error."""
    settings = cli_settings()
    if epss:
        destination = settings.epss_destination()
        try:
            scores = update_epss(url or settings.epss_url, destination)
        except IntelError as exc:
            fail(EXIT_REFUSED, str(exc))
        out.print(f"{scores.provenance}: {len(scores)} CVEs saved to {destination}", markup=False)
        return
    destination = settings.state_dir / "intel" / "kev.json"
    try:
        catalog = update_kev(url or settings.kev_url, destination)
    except IntelError as exc:
        fail(EXIT_REFUSED, str(exc))
    out.print(
        f"{catalog.provenance}: {len(catalog.entries)} CVEs saved to {destination}", markup=False
    )
