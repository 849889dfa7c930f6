"""The HTTP surface: Slack requests, health check, and the production server (gunicorn)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.api import create_api_app
from bot.config import Settings
from bot.db import current_revision, ping
from bot.runtime import Runtime
from bot.slack_guard import guard_slack_requests

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def _json_response(start_response, status: str, payload: dict) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def create_wsgi_app(app: App, runtime: Runtime) -> WSGIApp:
    """Route `/healthz` and `/api/...` ourselves and everything else (`/slack/...`) to Bolt."""
    slack = guard_slack_requests(
        SlackRequestHandler(app, path="/slack/events"), max_body=runtime.settings.slack_max_body
    )
    api = create_api_app(runtime)

    def health(start_response) -> list[bytes]:
        if ping(runtime.engine):
            try:
                revision = current_revision(runtime.engine)
            except Exception:
                revision = None
            return _json_response(
                start_response, "200 OK", {"status": "ok", "database": "ok", "schema": revision}
            )
        return _json_response(
            start_response,
            "503 Service Unavailable",
            {"status": "unavailable", "database": "unreachable"},
        )

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return health(start_response)
        if path.startswith("/api/"):
            return api(environ, start_response)
        return slack(environ, start_response)

    return wsgi


def build_wsgi_app(settings: Settings) -> WSGIApp:
    from bot.app import create_app

    runtime = Runtime.from_settings(settings)
    return create_wsgi_app(create_app(settings, runtime), runtime)


def serve(
    settings: Settings,
    *,
    host: str = "0.0.0.0",
    port: int | None = None,
    app_factory: Callable[[Settings], WSGIApp] | None = None,
) -> None:
    """Run under gunicorn: pre-forked workers with threads, graceful restarts, Ctrl-C safe.

    `app_factory` (default: the bot) lets the benchmarks serve a baseline app with the very
    same server configuration.
    """
    from gunicorn.app.base import BaseApplication

    factory = app_factory or build_wsgi_app

    class RoadmapServer(BaseApplication):
        def load_config(self) -> None:
            config = {
                "bind": f"{host}:{port or settings.port}",
                "workers": settings.web_concurrency,
                "worker_class": "gthread",
                "threads": 8,
                "timeout": 30,
                "graceful_timeout": 10,
                "keepalive": 5,
                "accesslog": "-",
                "loglevel": settings.log_level.lower(),
                "proc_name": "roadmap-bot-web",
            }
            for key, value in config.items():
                self.cfg.set(key, value)

        def load(self) -> WSGIApp:
            # Called in each worker after the fork, so no connection crosses processes.
            return factory(settings)

    RoadmapServer().run()
