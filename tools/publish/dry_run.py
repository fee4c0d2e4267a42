"""The dry-run outbox: one Markdown file per approved case instead of a GitHub issue."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from tools.publish.publisher import PublishError
from tools.publish.ticket import Ticket

_CASE_IN_MARKER = re.compile(r"case=(\d+)")


class DryRunOutbox:
    """Writes ``case-<id>.md`` atomically, so a crash leaves either no file or a whole one."""

    destination = "dry-run"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path_for(self, marker: str) -> Path:
        match = _CASE_IN_MARKER.search(marker)
        if match is None:
            raise PublishError(f"malformed marker {marker!r}")
        return self.directory / f"case-{match.group(1)}.md"

    def find_published(self, repository: str, marker: str) -> str | None:
        path = self._path_for(marker)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return str(path) if marker in text else None

    def publish(self, ticket: Ticket, marker: str) -> str:
        path = self._path_for(marker)
        document = (
            f"# {ticket.title}\n\n"
            f"- Repository: `{ticket.repository}`\n"
            f"- Labels: {', '.join(f'`{label}`' for label in ticket.labels) or 'none'}\n\n"
            f"{ticket.body}\n\n{marker}\n"
        )
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".md")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(document)
                    handle.flush()
                    os.fsync(handle.fileno())
                Path(tmp).replace(path)
            finally:
                Path(tmp).unlink(missing_ok=True)
        except OSError as exc:
            # The rename is atomic: on any error the outbox file is untouched.
            raise PublishError(
                f"cannot write the outbox file {path}: {exc.strerror}", written=False
            ) from exc
        return str(path)
