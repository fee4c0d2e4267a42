"""Severity scale and the conversions from scanner vocabularies onto it."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """Ordered severity scale; compare with :meth:`rank`."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    def shifted(self, steps: int, *, floor: Severity | None = None) -> Severity:
        """This severity moved ``steps`` along the scale, clamped to the scale and to ``floor``."""
        index = max(0, min(len(_ORDER) - 1, self.rank + steps))
        moved = _ORDER[index]
        if floor is not None and moved.rank < floor.rank:
            return floor
        return moved

    @classmethod
    def highest(cls, *severities: Severity) -> Severity:
        return max(severities, key=lambda s: s.rank)


_ORDER = (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)

_SARIF_LEVELS = {
    "error": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "note": Severity.LOW,
    "none": Severity.INFO,
}

_WORDS = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "error": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "warning": Severity.MEDIUM,
    "low": Severity.LOW,
    "note": Severity.LOW,
    "info": Severity.INFO,
    "informational": Severity.INFO,
    "none": Severity.INFO,
    "undefined": Severity.INFO,
}


def from_sarif_level(level: str) -> Severity | None:
    """SARIF ``result.level`` → severity; None for a value the spec does not define."""
    return _SARIF_LEVELS.get(level)


def from_word(word: str) -> Severity | None:
    """A scanner's severity word (``HIGH``, ``moderate``, …) → severity; None if unknown."""
    return _WORDS.get(word.strip().lower())


def from_score(score: float) -> Severity | None:
    """A CVSS-style 0-10 score (CodeQL's ``security-severity``) → severity, using CVSS v3 bands."""
    if not 0.0 <= score <= 10.0:
        return None
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO
