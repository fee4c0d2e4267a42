"""Run the whole demo loop with canary secrets set and search every output for them."""

from __future__ import annotations

import base64
from pathlib import Path

from sqlalchemy import inspect, text

from tests.conftest import Cli
from tools.store.database import Database

CANARIES = {
    "APPSEC_TRIAGE_GITHUB_TOKEN": "ghp_CANARYgithubTOKEN0123456789abcdefghij",
    "APPSEC_TRIAGE_SLACK_BOT_TOKEN": "xoxb-CANARY-slack-bot-token-000111",
    "APPSEC_TRIAGE_SLACK_SIGNING_SECRET": "CANARY-slack-signing-secret-9f8e7d",
    "APPSEC_TRIAGE_OPENAI_API_KEY": "sk-CANARYopenaiKEY0123456789abcdefghij",
    "APPSEC_TRIAGE_SECRET_FINGERPRINT_KEY": "CANARY-hmac-fingerprint-key-5a4b3c",
    "GITHUB_TOKEN": "ghp_CANARYambientGITHUBtoken0123456789ab",
}


def _forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [raw, base64.b64encode(raw), raw.hex().encode()]


def _store_dump(db_url: str) -> bytes:
    database = Database(db_url)
    chunks = []
    with database.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            # Table names come from the schema inspector, not from any input.
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                chunks.append(repr(tuple(row)).encode())
    database.dispose()
    return b"\n".join(chunks)


def test_no_canary_reaches_any_output(cli: Cli, db_url: str, tmp_path: Path) -> None:
    env = CANARIES | {"APPSEC_TRIAGE_LOG_LEVEL": "DEBUG"}
    outputs: list[bytes] = []
    demo = cli("demo", extra_env=env)
    assert demo.code == 0, demo.stderr
    approval_id = next(
        line.split()[3] for line in demo.stdout.splitlines() if "approve apv_" in line
    )
    for args in (
        ("approvals", "approve", approval_id),
        ("approvals", "list", "--json"),
        ("findings", "list"),
        ("audit", "verify"),
        ("triage",),
    ):
        result = cli(*args, extra_env=env)
        assert result.code == 0, (args, result.stderr)
        outputs += [result.stdout.encode(), result.stderr.encode()]
    outputs += [demo.stdout.encode(), demo.stderr.encode(), _store_dump(db_url)]
    assert b"INFO" in b"".join(outputs)  # the logs did run at a verbose level
    outputs += [p.read_bytes() for p in (tmp_path / ".appsec-triage").rglob("*") if p.is_file()]
    everything = b"\n".join(outputs)
    for name, secret in CANARIES.items():
        for form in _forms(secret):
            assert form not in everything, f"{name} leaked as {form[:12]!r}…"
