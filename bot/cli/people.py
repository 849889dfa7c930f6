"""people refresh | resolve: read the workspace's members from Slack; resolve owners that
are still names (from a document or an earlier version) to the people they name."""

from __future__ import annotations

import argparse
import sys

from bot.blocks.people import owners_resolved
from bot.blocks.text import plural
from bot.cli.roadmap import open_database, slack_people_reads
from bot.cli.workspace import cli_workspace
from bot.config import Settings
from bot.services.people import refresh_people, resolve_text_owners
from bot.services.workspaces import WorkspaceError
from models import utcnow


def add_parsers(subparsers) -> None:
    parser = subparsers.add_parser("people", help="read the members from Slack; resolve owners")
    parser.add_argument("action", choices=("refresh", "resolve"))
    parser.add_argument("--team", help="Slack team id")
    parser.set_defaults(handler=cmd_people)


def cmd_people(settings: Settings, args: argparse.Namespace) -> int:
    reads = slack_people_reads(settings)
    if reads is None:
        print("error: SLACK_BOT_TOKEN is needed to read the members.", file=sys.stderr)
        return 2
    engine, factory = open_database(settings)
    try:
        with factory() as session, session.begin():
            workspace = cli_workspace(session, settings, args.team)
            if args.action == "refresh":
                result = refresh_people(
                    session=session, workspace=workspace, reads=reads, now=utcnow()
                )
                if result.unavailable:
                    print(f"error: Slack would not list the members: {result.unavailable}")
                    return 1
                print(f"{plural(result.members, 'member')} read.")
            else:
                fix = resolve_text_owners(
                    session=session, workspace=workspace, reads=reads, now=utcnow()
                )
                print(owners_resolved(fix))
    except WorkspaceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0
