"""serve, run and migrate."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.config import MANIFEST_HINT, Settings
from bot.db import create_db_engine, current_revision, migrate

log = logging.getLogger(__name__)


def add_parsers(subparsers) -> None:
    serve = subparsers.add_parser("serve", help="serve Slack requests over HTTP (gunicorn)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=None, help="default: $PORT or 3000")
    serve.set_defaults(handler=cmd_serve)

    run = subparsers.add_parser(
        "run", help="what `make run` does: migrate, then serve (or explain what is missing)"
    )
    run.add_argument("--port", type=int, default=None)
    run.set_defaults(handler=cmd_run)

    mig = subparsers.add_parser("migrate", help="apply database migrations (alembic upgrade)")
    mig.add_argument("revision", nargs="?", default="head")
    mig.set_defaults(handler=cmd_migrate)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings.database_url, args.revision)
    engine = create_db_engine(settings.database_url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    print(f"Database at {_safe_url(settings.database_url)} is at revision {revision}.")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.web import serve

    if settings.is_sqlite:
        # A SQLite database is the zero-set-up path: migrate it on start. PostgreSQL is
        # migrated once per deploy by the Procfile's release process instead.
        migrate(settings.database_url)
    if not settings.slack_configured:
        print(missing_credentials_message(settings), file=sys.stderr)
    serve(settings, host=args.host, port=args.port)
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings.database_url)
    if not settings.slack_configured:
        if not sys.stdin.isatty():  # with a terminal, the console's banner says the same
            print(missing_credentials_message(settings), file=sys.stderr)
        return run_offline(settings, port=args.port or settings.port)
    if settings.socket_mode:  # an app-level token: no public URL needed
        from bot.socket_mode import run_socket_mode

        return run_socket_mode(settings)
    args.host = "0.0.0.0"
    return cmd_serve(settings, args)


def run_offline(settings: Settings, *, port: int) -> int:
    """No Slack yet: serve /healthz, and open the console on the sample roadmap when there is
    a terminal to type in. Ctrl-C (or :quit) stops both."""
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from bot.web import build_wsgi_app

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = make_server("127.0.0.1", port, build_wsgi_app(settings), handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"Health check: http://127.0.0.1:{port}/healthz", file=sys.stderr)
    try:
        if sys.stdin.isatty():
            from bot.console import run_offline as open_console

            return open_console(settings)
        print("No terminal to type in: serving /healthz until Ctrl-C.", file=sys.stderr)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr)
    finally:
        server.shutdown()
        server.server_close()
    return 0


def missing_credentials_message(settings: Settings) -> str:
    missing = ", ".join(settings.missing_for_slack())
    return (
        f"Slack is not configured: {missing} not set (in the environment or .env).\n"
        f"{MANIFEST_HINT}\n"
        "Until then the bot runs offline: /healthz answers, Slack requests are refused, and "
        "`python -m bot console` (opened by `make run` in a terminal) shows the bot at work."
    )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
