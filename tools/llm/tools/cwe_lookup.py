"""cwe_lookup: whether a CWE id exists in the shipped MITRE catalogue, and its name."""

from __future__ import annotations

from pydantic import Field

from tools.intel.cwe import CweCatalog
from tools.llm.outcome import ToolOutput
from tools.llm.tools import ToolArgs

NAME = "cwe_lookup"
DESCRIPTION = (
    "Look up a CWE id (e.g. CWE-89) in MITRE's CWE catalogue: whether it exists, its name, kind "
    "and status. Cite only CWE ids that exist."
)


class CweLookupArgs(ToolArgs):
    cwe_id: str = Field(
        min_length=1,
        max_length=12,
        pattern=r"^(CWE-|cwe-)?[0-9]{1,6}$",
        description="A CWE id such as CWE-79",
    )


def cwe_lookup(catalog: CweCatalog, args: CweLookupArgs) -> ToolOutput:
    """One line: the entry's id, name, kind and status, or that it does not exist."""
    entry = catalog.lookup(args.cwe_id)
    if entry is None:
        number = args.cwe_id.upper().removeprefix("CWE-")
        return ToolOutput(f"CWE-{number} does not exist in {catalog.provenance}")
    note = "; do not cite it" if entry.deprecated else ""
    return ToolOutput(
        f"{entry.id}: {entry.name} ({entry.kind}, status {entry.status}{note}) "
        f"- {catalog.provenance}"
    )
