"""Versioned finding fingerprints that survive line shifts.

A fingerprint identifies "the same problem" across scans, so it must not contain line numbers:
code above a finding moves it without changing it. Identity comes, in order of preference, from
the scanner's own stable ``fingerprints``, its ``partialFingerprints`` (GitHub's
``primaryLocationLineHash`` is line-independent), or the normalised flagged code. Identical
identities within one file are told apart by their ordinal, as GitHub does.

Bump ``FINGERPRINT_VERSION`` whenever the recipe changes: stored fingerprints of another version
are then known to be incomparable instead of silently failing to match.
"""

from __future__ import annotations

import hashlib
import re

import orjson

FINGERPRINT_VERSION = "v1"

_WHITESPACE = re.compile(r"\s+")


def normalise_code(text: str) -> str:
    """Code with whitespace runs collapsed, so re-indentation does not change identity."""
    return _WHITESPACE.sub(" ", text).strip()


def compute_fingerprint(
    *, tool: str, rule_id: str, path: str | None, identity: str, ordinal: int
) -> str:
    """The fingerprint of one finding: ``v1:`` and 40 hex digits of SHA-256."""
    # orjson writes exactly what json.dumps(ensure_ascii=False, separators=(",", ":")) wrote
    # when v1 was defined, ten times faster; a test pins the two against each other.
    material = orjson.dumps(
        [FINGERPRINT_VERSION, tool.lower(), rule_id, path or "", identity, ordinal]
    )
    digest = hashlib.sha256(material).hexdigest()
    return f"{FINGERPRINT_VERSION}:{digest[:40]}"
