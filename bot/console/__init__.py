"""`python -m bot console`: try the bot with no Slack at all.

The console runs the real Bolt app in-process. The fake Slack (bot/fakeslack), seeded with a
local workspace, answers the Web API calls the app makes, and everything the app posts,
updates, opens or uploads is printed as text; uploaded files are also saved into a folder
($ROADMAP_CONSOLE_FILES) and their paths printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Settings

DEFAULT_USER = "U0LOCALUSER"

__all__ = ["DEFAULT_USER", "add_parsers", "run_console", "run_offline"]


def add_parsers(subparsers) -> None:
    """Register `console [--as USER] [--no-sample]`."""
    console = subparsers.add_parser(
        "console", help="try the bot locally: a REPL that runs the app with no Slack at all"
    )
    console.add_argument(
        "--as",
        dest="as_user",
        default=DEFAULT_USER,
        metavar="USER",
        help=f"the Slack user id you act as (default: {DEFAULT_USER})",
    )
    console.add_argument(
        "--no-sample",
        action="store_true",
        help="do not import the sample roadmap into an empty local workspace",
    )
    console.set_defaults(handler=cmd_console)


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console.session import DEFAULT_SAMPLE

    sample = None if args.no_sample else DEFAULT_SAMPLE
    return run_console(settings, as_user=args.as_user, sample_path=sample)


def run_console(
    settings: Settings,
    *,
    as_user: str | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    sample_path: Path | None = None,
) -> int:
    """Run the console until :quit or end of input. 0 on a normal exit, 1 if it cannot start."""
    from bot.console.repl import Console
    from bot.console.session import open_console

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    user_id = (as_user or DEFAULT_USER).upper()
    try:
        with open_console(settings, user_id=user_id, sample_path=sample_path, out=stdout) as ctx:
            return Console(ctx, user_id=user_id, stdin=stdin, stdout=stdout).run()
    except Exception as error:
        stdout.write(f"! the console could not start: {type(error).__name__}: {error}\n")
        stdout.flush()
        return 1


def offline_banner(settings: Settings) -> str:
    missing = " and ".join(settings.missing_for_slack()) or "Slack credentials"
    return (
        f"Slack is not configured ({missing} not set), so nothing can reach Slack yet. "
        "Instead, this console runs the bot locally: the real app, your database, and a local "
        "fake Slack that prints what the bot would post. Type /roadmap help to start, "
        ":home for the Home tab, :help for console commands, and :quit to leave. To connect a "
        "real workspace, create the app from manifest.yml and put its credentials in .env "
        "(see .env.example)."
    )


def run_offline(settings: Settings) -> int:
    """What `make run` does without Slack credentials: explain, then open the console."""
    from bot.console.session import DEFAULT_SAMPLE

    print(offline_banner(settings))
    print()
    return run_console(settings, as_user=None, sample_path=DEFAULT_SAMPLE)
