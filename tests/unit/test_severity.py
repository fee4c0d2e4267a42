import pytest

from tools.findings.severity import Severity, from_sarif_level, from_score, from_word


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("error", Severity.HIGH),
        ("warning", Severity.MEDIUM),
        ("note", Severity.LOW),
        ("none", Severity.INFO),
        ("fatal", None),
    ],
)
def test_sarif_levels_map_onto_the_scale(level: str, expected: Severity | None) -> None:
    assert from_sarif_level(level) == expected


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (9.8, Severity.CRITICAL),
        (7.0, Severity.HIGH),
        (6.9, Severity.MEDIUM),
        (0.1, Severity.LOW),
        (0.0, Severity.INFO),
        (11.0, None),
        (-1.0, None),
    ],
)
def test_cvss_bands(score: float, expected: Severity | None) -> None:
    assert from_score(score) == expected


def test_words_are_case_insensitive() -> None:
    assert from_word(" HIGH ") == Severity.HIGH
    assert from_word("Moderate") == Severity.MEDIUM
    assert from_word("catastrophic") is None


def test_shift_clamps_to_scale_and_floor() -> None:
    assert Severity.HIGH.shifted(-1) == Severity.MEDIUM
    assert Severity.LOW.shifted(-5) == Severity.INFO
    assert Severity.CRITICAL.shifted(3) == Severity.CRITICAL
    assert Severity.HIGH.shifted(-3, floor=Severity.LOW) == Severity.LOW
    assert Severity.highest(Severity.LOW, Severity.HIGH, Severity.MEDIUM) == Severity.HIGH
