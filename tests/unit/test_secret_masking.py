"""The log masker hides configured secrets, their encodings, and well-known token shapes."""

from __future__ import annotations

import base64
import logging

import pytest
from pydantic import SecretStr

from config.logs import MASK, SecretMasker
from config.settings import Settings

SECRET = "canary-signing-secret-4f1c9a"


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("t", logging.ERROR, __file__, 1, msg, args, exc_info)


@pytest.mark.parametrize(
    "leak",
    [
        SECRET,
        base64.b64encode(SECRET.encode()).decode(),
        SECRET.encode().hex(),
        "ghp_" + "a" * 36,
        "github_pat_" + "B" * 40,
        "xoxb-123456789012-abcdefghij",
        "sk-" + "c" * 40,
        "AKIA" + "D" * 16,
    ],
)
def test_message_and_args_are_masked(leak: str) -> None:
    record = _record("token %s in message " + leak, leak)
    SecretMasker([SECRET]).filter(record)
    assert leak not in record.getMessage()
    assert record.getMessage().count(MASK) == 2


def test_exception_text_is_masked() -> None:
    try:
        raise RuntimeError(f"auth failed for {SECRET}")
    except RuntimeError as exc:
        record = _record("boom", exc=exc)
    SecretMasker([SECRET]).filter(record)
    assert record.exc_text and SECRET not in record.exc_text and MASK in record.exc_text


def test_settings_keep_secrets_out_of_reprs_and_dumps() -> None:
    settings = Settings(
        github_token=SecretStr(SECRET), db_url="postgresql+psycopg://u:dbpass-123456@h/db"
    )
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
    assert set(settings.secret_values()) == {SECRET, "dbpass-123456"}
