"""The per-case tool budget: calls, bytes and wall-clock time, on an injected clock."""

from __future__ import annotations

import pytest

from tests.unit.llm_tools.conftest import FakeClock
from tools.llm.budget import BudgetExhausted, ToolBudget


def test_calls_run_out() -> None:
    budget = ToolBudget(max_calls=2, max_bytes=100, max_seconds=10, clock=FakeClock())
    budget.charge_call()
    assert budget.exhausted is None
    budget.charge_call()
    assert budget.exhausted == "tool call budget used up (2 of 2 calls)"
    with pytest.raises(BudgetExhausted, match="call budget"):
        budget.charge_call()
    assert budget.calls == 2


def test_bytes_run_out_and_going_over_raises() -> None:
    budget = ToolBudget(max_calls=10, max_bytes=100, max_seconds=10, clock=FakeClock())
    budget.charge_bytes(60)
    assert budget.remaining_bytes == 40
    assert budget.exhausted is None
    with pytest.raises(BudgetExhausted, match="exceeded"):
        budget.charge_bytes(41)
    assert budget.remaining_bytes == 0
    assert budget.exhausted is not None
    with pytest.raises(BudgetExhausted, match="output budget"):
        budget.charge_call()


def test_time_runs_out_on_the_injected_clock() -> None:
    clock = FakeClock()
    budget = ToolBudget(max_calls=10, max_bytes=100, max_seconds=30, clock=clock)
    clock.now += 29.9
    budget.charge_call()
    clock.now += 0.1
    assert budget.exhausted == "tool time budget used up (30.0 of 30 seconds)"
    with pytest.raises(BudgetExhausted, match="time budget"):
        budget.charge_call()


def test_negative_limits_and_charges_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        ToolBudget(max_calls=-1, max_bytes=1, max_seconds=1)
    budget = ToolBudget(max_calls=1, max_bytes=1, max_seconds=1, clock=FakeClock())
    with pytest.raises(ValueError, match="negative"):
        budget.charge_bytes(-5)
