"""Commands for Slack: post cards, serve the approval app."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import typer
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from agent.cli.common import (
    EXIT_BAD_INPUT,
    approvals_app,
    err,
    fail,
    open_cli_runtime,
    out,
    serve_app,
)
from agent.slack_service import slack_app
from approvals.slack.poster import RateLimiter, post_pending_cards
from approvals.slack.server import EVENTS_PATH, http_server
from approvals.slack.server import socket_mode as socket_mode_handler
from config.settings import Settings
from config.slack import SlackConfig, SlackConfigError, load_slack_config


@approvals_app.command("post")
def approvals_post() -> None:
    """Post every pending approval to Slack that is not there yet (digest + one thread each)."""
    runtime = open_cli_runtime()
    client, config = slack_client_and_config(runtime.settings)
    posted = post_pending_cards(
        runtime.database, client, config, RateLimiter(config.posts_per_second)
    )
    out.print(f"posted {posted.cards} card(s) under {posted.digests} digest message(s)")


@serve_app.command("slack")
def serve_slack(
    port: Annotated[int, typer.Option(min=1, max=65535, help="HTTP port.")] = 3000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="Use Socket Mode instead of an HTTP endpoint.")
    ] = False,
) -> None:
    """The Slack approval app: Approve, Edit and Reject on cards; decisions resume cases."""
    runtime = open_cli_runtime()
    settings = runtime.settings
    client, config = slack_client_and_config(settings)
    secret = settings.slack_signing_secret
    if not socket_mode and secret is None:
        fail(EXIT_BAD_INPUT, "set APPSEC_TRIAGE_SLACK_SIGNING_SECRET (or use --socket-mode)")
    if socket_mode and settings.slack_app_token is None:
        fail(EXIT_BAD_INPUT, "--socket-mode needs APPSEC_TRIAGE_SLACK_APP_TOKEN (xapp-…)")
    with runtime.workflow() as (deps, graph), ThreadPoolExecutor(max_workers=4) as resumer:
        bolt = slack_app(
            deps,
            graph,
            config=config,
            client=client,
            signing_secret=secret.get_secret_value() if secret else "socket-mode-unsigned",
            resume_executor=resumer,
        )
        if socket_mode:
            assert settings.slack_app_token is not None
            err.print("Slack approvals over Socket Mode; Ctrl-C stops.")
            handler = socket_mode_handler(bolt, settings.slack_app_token.get_secret_value())
            handler.start()  # type: ignore[no-untyped-call]  # slack_bolt leaves it unannotated
            return
        server = http_server(bolt, host, port)
        err.print(f"Slack approvals on http://{host}:{port}{EVENTS_PATH}; Ctrl-C stops.")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


def slack_client_and_config(settings: Settings) -> tuple[WebClient, SlackConfig]:
    if settings.slack_config is None:
        fail(EXIT_BAD_INPUT, "set APPSEC_TRIAGE_SLACK_CONFIG (see config/slack.example.toml)")
    if settings.slack_bot_token is None:
        fail(EXIT_BAD_INPUT, "set APPSEC_TRIAGE_SLACK_BOT_TOKEN (the app's xoxb- token)")
    try:
        config = load_slack_config(settings.slack_config)
    except SlackConfigError as exc:
        fail(EXIT_BAD_INPUT, str(exc))
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
    )
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client, config
