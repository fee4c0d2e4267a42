"""Errors of the approvals layer; each message tells the user what happened and what to do."""

from __future__ import annotations

from datetime import datetime


class ApprovalError(Exception):
    """Root of the approvals errors."""


class ApprovalNotFound(ApprovalError):
    def __init__(self, approval_id: str) -> None:
        super().__init__(
            f"no approval with id {approval_id!r}; `appsec-triage approvals list` shows them"
        )


class AlreadyDecided(ApprovalError):
    def __init__(self, approval_id: str, status: str, by: str | None, at: datetime | None) -> None:
        when = f" at {at.isoformat(timespec='seconds')}" if at else ""
        super().__init__(
            f"approval {approval_id} was already decided: {status} by {by or 'unknown'}{when}; "
            "nothing was changed"
        )
        self.status = status


class ApprovalExpired(ApprovalError):
    def __init__(self, approval_id: str, expired_at: datetime) -> None:
        super().__init__(
            f"approval {approval_id} expired at {expired_at.isoformat(timespec='seconds')}; "
            "re-run `appsec-triage triage` to propose it again"
        )


class AlreadyVoted(ApprovalError):
    def __init__(self, approval_id: str, approver: str) -> None:
        super().__init__(
            f"{approver} already approved {approval_id}; it needs a second, different approver"
        )


class NothingEdited(ApprovalError):
    def __init__(self, approval_id: str) -> None:
        super().__init__(
            f"the edit leaves approval {approval_id} unchanged; nothing to approve anew"
        )
