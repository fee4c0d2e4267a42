"""who_imports: which files of the case's repository import a package."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tools.llm.outcome import ToolOutput, ToolUnavailable
from tools.llm.tools import ToolArgs
from tools.repo.dependencies.imports import scan_imports
from tools.repo.reader import RepoReader
from tools.repo.source import RepoSource

NAME = "who_imports"
DESCRIPTION = (
    "List the files of the repository under review that import a package: Python (PyPI "
    "distribution name, e.g. pyyaml), JavaScript/TypeScript (npm name) or Go (module path). "
    "Shows path:line and the file's role (production, test, vendored, example, ...)."
)
MAX_SITES_SHOWN = 60


class WhoImportsArgs(ToolArgs):
    package: str = Field(
        min_length=1,
        max_length=214,
        pattern=r"^[A-Za-z0-9@_][A-Za-z0-9@._/~+-]*$",
        description="The package or module name as its ecosystem spells it",
    )
    ecosystem: Literal["PyPI", "npm", "Go"] = Field(description="Where the package comes from")


def who_imports(source: RepoSource | None, args: WhoImportsArgs) -> ToolOutput:
    """The import sites the dependency scan finds (tools.repo.dependencies.imports).

    It walks a local checkout, so it is unavailable for a repository read over an API.
    """
    if source is None:
        raise ToolUnavailable("no repository is available for this case")
    if not isinstance(source, RepoReader):
        raise ToolUnavailable(
            "import search is unavailable for this repository (no local checkout)"
        )
    scan = scan_imports(source, args.ecosystem, args.package)
    looked_for = ", ".join(scan.looked_for) + (" (guessed from the name)" if scan.guessed else "")
    files = len({site.path for site in scan.sites})
    head = (
        f"{args.package} ({args.ecosystem}; looked for {looked_for}): {len(scan.sites)} import "
        f"site(s) in {files} file(s); {scan.files_scanned} file(s) scanned"
    )
    notes = []
    if scan.unreadable:
        notes.append(f"{scan.unreadable} file(s) could not be read")
    if scan.truncated:
        notes.append(f"incomplete: {scan.truncated}")
    shown = scan.sites[:MAX_SITES_SHOWN]
    if len(scan.sites) > len(shown):
        notes.append(f"showing the first {len(shown)} sites")
    lines = [head, *notes, *(f"{s.path}:{s.line} ({s.role.value})" for s in shown)]
    truncated = scan.truncated is not None or len(scan.sites) > len(shown)
    return ToolOutput("\n".join(lines), truncated=truncated)
