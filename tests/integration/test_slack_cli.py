"""The Slack pieces of the CLI: the Block Kit preview, and posting cards after triage."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli
from tests.support.slack_stub import TEAM_ID, running_slack_stub


def test_slack_json_preview_and_posting_after_triage(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "slack.toml"
    config.write_text(
        f'team_id = "{TEAM_ID}"\ndefault_channel = "C0000000001"\napprover_users = ["UALICE"]\n'
        "posts_per_second = 50\n"
    )
    with running_slack_stub() as stub:
        env = {
            "APPSEC_TRIAGE_SLACK_CONFIG": str(config),
            "APPSEC_TRIAGE_SLACK_BOT_TOKEN": "xoxb-cli-test-token",
            "APPSEC_TRIAGE_SLACK_API_URL": stub.url,
        }
        demo = cli("demo")  # the demo itself never talks to Slack
        assert demo.code == 0 and stub.calls == []
        approvals = json.loads(cli("approvals", "list", "--json").stdout)

        preview = cli("approvals", "show", str(approvals[0]["id"]), "--slack-json")
        assert preview.code == 0, preview.stderr
        payload = json.loads(preview.stdout)
        assert payload["blocks"][0]["type"] == "header"
        assert approvals[0]["id"] in json.dumps(payload["blocks"][-1])

        posted = cli("approvals", "post", extra_env=env)
        assert posted.code == 0, posted.stderr
        assert "posted 19 card(s) under 1 digest message(s)" in posted.stdout
        assert len(stub.called("chat.postMessage")) == 20
        assert {c.token for c in stub.calls} == {"xoxb-cli-test-token"}
        again = cli("approvals", "post", extra_env=env)
        assert "posted 0 card(s)" in again.stdout  # message ts stored: nothing is posted twice

        missing = cli("approvals", "post")
        assert missing.code == 2 and "APPSEC_TRIAGE_SLACK_CONFIG" in missing.stderr
