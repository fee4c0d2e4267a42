"""Named fault-injection points for crash-recovery tests.

The process SIGKILLs itself at the named point, exactly as a power cut or OOM kill would stop it:
no ``finally`` blocks, no flushes. Configured by ``APPSEC_TRIAGE_CRASHPOINT``; unset in production.
"""

from __future__ import annotations

import os
import signal

KNOWN = frozenset(
    {
        "after-approval-recorded",
        "before-publish-write",
        "after-publish-write",
        "worker-after-claim",
        "batch-after-first-case",
    }
)


class Crashpoints:
    def __init__(self, armed: str | None) -> None:
        if armed is not None and armed not in KNOWN:
            raise ValueError(f"unknown crashpoint {armed!r}; known: {', '.join(sorted(KNOWN))}")
        self.armed = armed

    def reach(self, name: str) -> None:
        if name == self.armed:
            os.kill(os.getpid(), signal.SIGKILL)
