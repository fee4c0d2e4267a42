"""docs/threat-model.md names a test for each control; every name must exist in the suite."""

from __future__ import annotations

import re

from tests.conftest import REPO

DOC = REPO / "docs" / "threat-model.md"


def _defined_tests() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "tests").rglob("test_*.py"):
        names |= set(re.findall(r"^\s*def (test_\w+)\(", path.read_text(), re.MULTILINE))
    return names


def test_every_test_the_threat_model_cites_exists() -> None:
    cited = set(re.findall(r"`(test_\w+)`", DOC.read_text()))
    assert len(cited) >= 30
    assert cited - _defined_tests() == set()


def test_every_owasp_llm_item_is_addressed() -> None:
    text = DOC.read_text()
    for item in range(1, 11):
        assert f"LLM{item:02d}" in text
