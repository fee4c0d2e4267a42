"""Logging for the whole process, with every secret masked before a record is written.

The mask covers the configured secret values (and their base64 and hex forms, which is how a
secret most often leaks by accident) plus well-known token shapes, so a token that reaches a log
line through an exception message or a third-party library is masked too.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

MASK = "[REDACTED]"

_TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|xapp-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16})\b"
)


def secret_forms(secret: str) -> set[str]:
    """The secret and the encodings it commonly leaks in."""
    raw = secret.encode("utf-8")
    return {
        secret,
        base64.b64encode(raw).decode("ascii"),
        base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="),
        raw.hex(),
    }


class SecretMasker(logging.Filter):
    """Rewrites each record's final message with secrets masked; never drops a record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        forms = {form for secret in secrets if len(secret) >= 8 for form in secret_forms(secret)}
        # Longest first, so a secret is masked whole before any shorter form inside it.
        self._known = sorted(forms, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for form in self._known:
            text = text.replace(form, MASK)
        return _TOKEN_SHAPES.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.mask(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        return True


# Context a record may carry (``log.info(..., extra={"case_id": 7})``); JSON lines include it.
CONTEXT_FIELDS = ("case_id", "approval_id", "worker", "repository")


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line, for log collectors: time, level, logger, message, context.

    Runs after the SecretMasker filter, so the message and the traceback are already masked.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_text or record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, secrets: Iterable[str], *, json_lines: bool = False) -> None:
    """Send log records to stderr, masked (as JSON lines if asked). Call once, at process start."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(SecretMasker(secrets))
    handler.setFormatter(
        JsonLineFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
