"""The command line: one sub-command per job, each in its own module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.config import ConfigError, Settings, configure_logging

# Modules that add sub-commands; each has `add_parser(subparsers)` setting `handler`.
COMMAND_MODULES = (
    "bot.cli.server",
    "bot.cli.roadmap",
    "bot.cli.checkins",
    "bot.cli.people",
    "bot.cli.schedules",
    "bot.cli.digests",
    "bot.cli.socket",
    "bot.cli.installs",
    "bot.cli.move",
    "bot.console",
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="roadmap-bot", description="Keep the team's roadmap alive in Slack."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parsers(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    configure_logging(settings)
    return int(args.handler(settings, args) or 0)
