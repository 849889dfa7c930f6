"""socket: serve Slack over Socket Mode (no public URL needed)."""

from __future__ import annotations

import argparse
import sys

from bot.config import Settings
from bot.db import migrate


def add_parsers(subparsers) -> None:
    sock = subparsers.add_parser(
        "socket",
        help="serve Slack over Socket Mode: no public URL (needs SLACK_APP_TOKEN, xapp-)",
    )
    sock.set_defaults(handler=cmd_socket)


def cmd_socket(settings: Settings, args: argparse.Namespace) -> int:
    """Check the tokens, migrate a SQLite database (as `serve` does), then run until
    SIGTERM/SIGINT."""
    from bot.socket_mode import problems_message, run_socket_mode, socket_mode_problems

    problems = socket_mode_problems(settings)
    if problems:
        print(problems_message(problems), file=sys.stderr)
        return 2
    if settings.is_sqlite:
        migrate(settings.database_url)
    return run_socket_mode(settings)
