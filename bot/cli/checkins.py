"""checkins prompt | chase: run a check-in cycle now."""

from __future__ import annotations

import argparse
import sys

from bot.cli.roadmap import open_database
from bot.cli.workspace import cli_workspace
from bot.config import Settings
from bot.kinds.checkin_prompt import send_chases, send_prompts
from bot.runtime import make_web_client
from bot.services.workspaces import WorkspaceError
from models import utcnow


def add_parsers(subparsers) -> None:
    parser = subparsers.add_parser("checkins", help="post this cycle's check-in prompts now")
    parser.add_argument("action", choices=("prompt", "chase"))
    parser.add_argument("--team", action="append", help="Slack team id (repeatable)")
    parser.set_defaults(handler=cmd_checkins)


def cmd_checkins(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.slack_bot_token:
        print("error: SLACK_BOT_TOKEN is needed to post check-in prompts.", file=sys.stderr)
        return 2
    engine, factory = open_database(settings)
    client = make_web_client(settings, settings.slack_bot_token)
    now = utcnow()
    try:
        with factory() as session, session.begin():
            teams = args.team or [None]
            workspace_ids = [cli_workspace(session, settings, t).id for t in teams]
        for workspace_id in workspace_ids:
            if args.action == "prompt":
                run = send_prompts(
                    factory=factory, client=client, workspace_id=workspace_id, now=now
                )
                print(run.summary())
            else:
                sent = send_chases(
                    factory=factory, client=client, workspace_id=workspace_id, now=now
                )
                print(f"{sent} reminders sent.")
    except WorkspaceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0
