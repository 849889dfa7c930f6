"""The HTTP surface: Slack requests, health check, and the production server (gunicorn)."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import telemetry
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

    metrics_token = runtime.settings.metrics_token

    def metrics(environ: dict, start_response) -> list[bytes]:
        """GET /metrics: off (404) without METRICS_TOKEN, else for its bearer only."""
        if not metrics_token:
            return _json_response(start_response, "404 Not Found", {"error": "not_found"})
        if not telemetry.authorized(environ, metrics_token):
            body = json.dumps({"error": "invalid_token"}).encode()
            start_response(
                "401 Unauthorized",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(body))),
                    ("WWW-Authenticate", 'Bearer realm="roadmap-bot metrics"'),
                ],
            )
            return [body]
        body, media_type = telemetry.exposition()
        start_response(
            "200 OK",
            [("Content-Type", media_type), ("Content-Length", str(len(body)))],
        )
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def route(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return health(start_response)
        if path == "/metrics" and method in ("GET", "HEAD"):
            return metrics(environ, start_response)
        if path.startswith("/api/"):
            return api(environ, start_response)
        return slack(environ, start_response)

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        """Every request counted and timed by surface (bot.telemetry)."""
        started = time.perf_counter()
        statuses: list[str] = []

        def start(status: str, headers, exc_info=None):
            statuses.append(status)
            return (
                start_response(status, headers, exc_info)
                if exc_info
                else start_response(status, headers)
            )

        try:
            return route(environ, start)
        finally:
            telemetry.observe_request(
                telemetry.surface_of(environ.get("PATH_INFO", "")),
                statuses[-1][:3] if statuses else "500",
                time.perf_counter() - started,
            )

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
    # Each worker is a process: their /metrics samples meet in one directory (bot.telemetry).
    made = telemetry.prepare_multiprocess() if settings.metrics_token else None
    master = os.getpid()

    def child_exit(server, worker) -> None:
        telemetry.worker_exited(worker.pid)

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
                "child_exit": child_exit,
            }
            for key, value in config.items():
                self.cfg.set(key, value)

        def load(self) -> WSGIApp:
            # Called in each worker after the fork, so no connection crosses processes.
            return factory(settings)

    try:
        RoadmapServer().run()
    finally:
        if os.getpid() == master:  # a worker leaves through here too, when it exits
            telemetry.remove_directory(made)
