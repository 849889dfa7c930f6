"""`python -m bot workspace move --from T0LOCAL0000 --to T0123ABCD`: bring what was built in
the console into the real workspace, in one transaction."""

from __future__ import annotations

import argparse
import sys

from bot.cli.roadmap import open_database
from bot.config import Settings
from bot.services.workspace_move import move_workspace
from bot.services.workspaces import LOCAL_TEAM_ID, WorkspaceError
from models import utcnow


def add_parsers(subparsers) -> None:
    workspace = subparsers.add_parser("workspace", help="move a workspace's roadmap elsewhere")
    actions = workspace.add_subparsers(dest="action", metavar="ACTION")
    move = actions.add_parser(
        "move",
        help="move goals, metrics, schedules, check-ins and settings into another workspace",
    )
    move.add_argument(
        "--from", dest="source", default=LOCAL_TEAM_ID, help=f"team id (default {LOCAL_TEAM_ID})"
    )
    move.add_argument("--to", dest="target", required=True, help="Slack team id, e.g. T0123ABCD")
    move.set_defaults(handler=cmd_move)


def cmd_move(settings: Settings, args: argparse.Namespace) -> int:
    engine, factory = open_database(settings)
    try:
        with factory() as session, session.begin():
            report = move_workspace(
                session=session, source_team=args.source, target_team=args.target, now=utcnow()
            )
    except WorkspaceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(report.summary())
    return 0
