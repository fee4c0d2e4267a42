"""JSON log lines: one object per line, with case ids, and secrets masked as in text logs."""

from __future__ import annotations

import io
import json
import logging

from config.logs import MASK, JsonLineFormatter, SecretMasker


def _logger(stream: io.StringIO, secret: str) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretMasker([secret]))
    handler.setFormatter(JsonLineFormatter())
    logger = logging.getLogger("test.json_logs")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_a_record_becomes_one_json_line_with_its_case_id_and_no_secret() -> None:
    stream = io.StringIO()
    secret = "ghp_" + "a1B2" * 10
    logger = _logger(stream, secret)
    logger.info("case %d claimed with %s", 7, secret, extra={"case_id": 7, "worker": "w1"})
    try:
        raise RuntimeError(f"token {secret} refused")
    except RuntimeError:
        logger.exception("case %d failed", 8, extra={"case_id": 8})
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == f"case 7 claimed with {MASK}"
    assert (first["level"], first["case_id"], first["worker"]) == ("info", 7, "w1")
    assert first["logger"] == "test.json_logs" and first["ts"].endswith("+00:00")
    assert second["case_id"] == 8 and "RuntimeError" in second["exception"]
    assert secret not in stream.getvalue()
