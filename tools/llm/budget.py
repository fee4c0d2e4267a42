"""How much tool use one case may spend: calls, bytes returned to the model, wall-clock seconds.

The clock is injected so tests can move time without sleeping. The wall-clock budget starts when
the budget is created (at the start of the case) and is checked before each call; a call already
running is not interrupted, every tool being bounded on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tools.errors import ToolError


class BudgetExhausted(ToolError):
    """The case's tool budget is used up; the message says which part."""


@dataclass
class ToolBudget:
    max_calls: int
    max_bytes: int
    max_seconds: float
    clock: Callable[[], float] = time.monotonic
    calls: int = field(default=0, init=False)
    bytes_used: int = field(default=0, init=False)
    _started: float = field(default=0.0, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_calls < 0 or self.max_bytes < 0 or self.max_seconds < 0:
            raise ValueError("tool budget limits must not be negative")
        self._started = self.clock()

    @property
    def elapsed(self) -> float:
        return self.clock() - self._started

    @property
    def remaining_bytes(self) -> int:
        return max(0, self.max_bytes - self.bytes_used)

    @property
    def exhausted(self) -> str | None:
        """Why no further call is allowed, or None while there is budget left."""
        if self.calls >= self.max_calls:
            return f"tool call budget used up ({self.calls} of {self.max_calls} calls)"
        if self.bytes_used >= self.max_bytes:
            return f"tool output budget used up ({self.bytes_used} of {self.max_bytes} bytes)"
        elapsed = self.elapsed
        if elapsed >= self.max_seconds:
            return f"tool time budget used up ({elapsed:.1f} of {self.max_seconds:g} seconds)"
        return None

    def charge_call(self) -> None:
        """Count one call; BudgetExhausted (nothing counted) when none is left."""
        reason = self.exhausted
        if reason is not None:
            raise BudgetExhausted(reason)
        self.calls += 1

    def charge_bytes(self, n: int) -> None:
        """Count ``n`` bytes of output; BudgetExhausted when that goes over the limit.

        The bytes are counted either way: the caller should cap its output to ``remaining_bytes``
        first, so going over means it did not.
        """
        if n < 0:
            raise ValueError("cannot charge a negative number of bytes")
        self.bytes_used += n
        if self.bytes_used > self.max_bytes:
            raise BudgetExhausted(
                f"tool output budget exceeded ({self.bytes_used} of {self.max_bytes} bytes)"
            )
