"""Serving the Bolt app over HTTP (one thread per request) or over Socket Mode."""

from __future__ import annotations

from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

EVENTS_PATH = "/slack/events"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return  # access logs would repeat what the app logs, with less context


def http_server(app: App, host: str, port: int) -> WSGIServer:
    """A threading HTTP server for the app at ``/slack/events``; call ``serve_forever()``."""
    return make_server(
        host,
        port,
        SlackRequestHandler(app, path=EVENTS_PATH),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )


def socket_mode(app: App, app_token: str) -> SocketModeHandler:
    """Socket Mode: no public URL; Slack pushes events over a WebSocket. Call ``start()``."""
    return SocketModeHandler(app, app_token=app_token)
