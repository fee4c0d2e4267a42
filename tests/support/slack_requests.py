"""Requests into the running Bolt app, signed exactly as Slack signs them."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from slack_sdk.signature import SignatureVerifier

from tests.support.slack_stub import TEAM_ID


@dataclass(frozen=True)
class Response:
    status: int
    body: str


@dataclass(frozen=True)
class SignedSender:
    url: str
    secret: str

    def body(self, payload: dict[str, Any]) -> str:
        return "payload=" + quote(json.dumps(payload))

    def headers(self, body: str, *, secret: str | None = None, age: int = 0) -> dict[str, str]:
        timestamp = str(int(time.time()) - age)
        signature = SignatureVerifier(secret or self.secret).generate_signature(
            timestamp=timestamp, body=body
        )
        assert signature is not None
        return {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": signature,
        }

    def post_raw(self, body: str, headers: dict[str, str]) -> Response:
        request = urllib.request.Request(
            self.url, data=body.encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Response(response.status, response.read().decode())
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read().decode())

    def send(self, payload: dict[str, Any]) -> Response:
        body = self.body(payload)
        return self.post_raw(body, self.headers(body))


def click(
    action_id: str,
    approval_id: str,
    *,
    user: str,
    team: str = TEAM_ID,
    channel: str = "C0000000001",
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "api_app_id": "A0000000001",
        "token": "unused-legacy-token",
        "trigger_id": "1337.42.abc",
        "user": {"id": user, "team_id": team},
        "team": {"id": team},
        "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "message_ts": "1"},
        "message": {"ts": "1"},
        "response_url": "https://hooks.slack.invalid/none",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "decision",
                "value": approval_id,
                "type": "button",
                "action_ts": "1",
            }
        ],
    }


def submit(
    callback_id: str, approval_id: str, values: dict[str, Any], *, user: str, team: str = TEAM_ID
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "api_app_id": "A0000000001",
        "token": "unused-legacy-token",
        "trigger_id": "1337.43.def",
        "user": {"id": user, "team_id": team},
        "team": {"id": team},
        "view": {
            "id": "V0000000001",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": approval_id,
            "state": {"values": values},
        },
    }
