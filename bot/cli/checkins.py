"""checkins prompt | chase: run a check-in cycle now."""

from __future__ import annotations

import argparse
import sys

from bot.blocks.text import plural
from bot.cli.roadmap import open_database
from bot.cli.workspace import cli_workspace
from bot.config import Settings
from bot.kinds.checkin_prompt import send_chases, send_prompts
from bot.runtime import make_web_client
from bot.services.checkins import completion, cycle_of, cycle_words
from bot.services.people import person_names, refresh_people
from bot.services.workspaces import WorkspaceError
from bot.slack_reads import people_reads
from models import Workspace, utcnow


def add_parsers(subparsers) -> None:
    parser = subparsers.add_parser("checkins", help="post this cycle's check-in prompts now")
    parser.add_argument("action", choices=("prompt", "chase", "status"))
    parser.add_argument("--team", action="append", help="Slack team id (repeatable)")
    parser.set_defaults(handler=cmd_checkins)


def completion_text(factory, workspace_id: int, now) -> str:
    """Who checked in this week: people, and who is missing, by name."""
    with factory() as session:
        workspace = session.get(Workspace, workspace_id)
        done = completion(
            session=session, workspace=workspace, cycle=cycle_of(workspace, now), now=now
        )
        names = person_names(session, workspace_id, done.missing_people)
    text = (
        f"Check-in · {cycle_words(done.cycle)}: {done.checked_in} of "
        f"{plural(done.total, 'person')} checked in "
        f"({done.goals_answered} of {plural(done.goals_total, 'goal')} answered)."
    )
    if done.missing_people:
        text += "\nWaiting on: " + ", ".join(names.get(p, p) for p in done.missing_people)
    return text


def cmd_checkins(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.slack_bot_token and args.action != "status":  # status posts nothing
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
            if args.action == "status":
                if settings.slack_bot_token:  # names for who is missing
                    with factory() as session, session.begin():
                        workspace = session.get(Workspace, workspace_id)
                        refresh_people(
                            session=session,
                            workspace=workspace,
                            reads=people_reads(client),
                            now=now,
                        )
                print(completion_text(factory, workspace_id, now))
            elif args.action == "prompt":
                run = send_prompts(
                    factory=factory, client=client, workspace_id=workspace_id, now=now
                )
                print(run.summary())
            else:
                sent = send_chases(
                    factory=factory, client=client, workspace_id=workspace_id, now=now
                )
                print(f"{plural(sent, 'reminder')} sent.")
    except WorkspaceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0
