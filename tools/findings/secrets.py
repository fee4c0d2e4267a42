"""Redacting scanner-found secrets: a keyed fingerprint and a masked preview, never the value.

A secret scanner's report carries the secret itself. Storing it would turn our database into a
credential dump, so parsers hand the value to :func:`redact` and keep only what it returns. The
fingerprint is an HMAC under the installation's key: a plain hash of a short or low-entropy secret
could be reversed by guessing, and a keyed one cannot be compared across installations.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

REDACTED = "[REDACTED]"
_PREVIEW_MIN_LENGTH = 16


@dataclass(frozen=True)
class RedactedSecret:
    hmac: str
    preview: str


def secret_hmac(secret: str, key: bytes) -> str:
    digest = hmac.new(key, secret.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest}"


def masked_preview(secret: str) -> str:
    """The first four characters of a long secret, so an analyst can tell which key it is.

    Four characters of a 16+ character secret leave at least 12 unknown; shorter secrets show
    nothing but their length class.
    """
    if len(secret) < _PREVIEW_MIN_LENGTH:
        return "****"
    return f"{secret[:4]}…({len(secret)} chars)"


def redact(secret: str, key: bytes) -> RedactedSecret:
    return RedactedSecret(hmac=secret_hmac(secret, key), preview=masked_preview(secret))


def scrub(text: str | None, secrets: tuple[str, ...]) -> str | None:
    """``text`` with every occurrence of each secret (of four or more characters) replaced."""
    if text is None:
        return None
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text
