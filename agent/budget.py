"""Per-run budgets: how many cases, model tokens and seconds one run may spend.

A spent budget stops the run cleanly: no new case is started, the cases in flight finish (or
reach a checkpoint), and the next run continues where this one stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RunBudget:
    max_cases: int | None = None
    """Cases advanced in this run."""
    max_tokens: int | None = None
    """Model tokens (prompt + completion) spent in this run."""
    max_seconds: float | None = None
    """Wall time of the run; no case is started after it."""


class BudgetMeter:
    """Counts what a run has spent against its budget; safe to share between threads."""

    def __init__(
        self,
        budget: RunBudget,
        *,
        tokens_used: Callable[[], int] = lambda: 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = budget
        self._tokens_used = tokens_used
        self._clock = clock
        self._started = clock()
        self._cases = 0
        self._lock = threading.Lock()

    def take_cases(self, wanted: int) -> int:
        """Reserve up to ``wanted`` cases of the budget; how many may start."""
        with self._lock:
            if self.budget.max_cases is not None:
                wanted = max(0, min(wanted, self.budget.max_cases - self._cases))
            self._cases += wanted
            return wanted

    def give_back(self, unused: int) -> None:
        """Return reserved cases that were not started (nothing was there to claim)."""
        with self._lock:
            self._cases -= unused

    @property
    def tokens(self) -> int:
        return self._tokens_used()

    @property
    def elapsed(self) -> float:
        return self._clock() - self._started

    def spent(self) -> str | None:
        """Why the run must stop now, or None while every budget has room."""
        budget = self.budget
        with self._lock:
            cases = self._cases
        if budget.max_cases is not None and cases >= budget.max_cases:
            return f"the case budget is spent ({budget.max_cases} cases)"
        if budget.max_tokens is not None and self.tokens >= budget.max_tokens:
            return f"the model-token budget is spent ({self.tokens} of {budget.max_tokens} tokens)"
        if budget.max_seconds is not None and self.elapsed >= budget.max_seconds:
            return f"the wall-time budget is spent ({budget.max_seconds:g} s)"
        return None
