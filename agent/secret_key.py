"""The installation's key for fingerprints of leaked secrets.

Configured with APPSEC_TRIAGE_SECRET_FINGERPRINT_KEY, or else generated once and kept in the state
directory, readable by its owner only. Losing the key only means secrets seen before can no longer
be matched to new sightings; it never exposes a secret.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from config.settings import Settings

KEY_FILE = "secret-fingerprint.key"


def secret_fingerprint_key(settings: Settings) -> bytes:
    if settings.secret_fingerprint_key is not None:
        return settings.secret_fingerprint_key.get_secret_value().encode("utf-8")
    path = settings.state_dir / KEY_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        return _create(path)


def _create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    # O_EXCL: two processes starting together must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex())
    return key
