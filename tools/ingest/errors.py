"""Errors raised while reading a report."""

from tools.errors import ToolError


class ReportRejected(ToolError):
    """The report cannot be ingested; ``reason`` is one line a user can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
