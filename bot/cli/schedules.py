"""clock, tick and schedules."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.cli.roadmap import open_database
from bot.cli.workspace import cli_workspace, token_team
from bot.config import Settings
from bot.db import migrate
from bot.runtime import Runtime
from bot.services.schedules import list_schedules
from bot.services.workspaces import WorkspaceError
from models import Workspace, utcnow


def add_parsers(subparsers) -> None:
    clock = subparsers.add_parser("clock", help="run the clock process (one per deployment)")
    clock.set_defaults(handler=cmd_clock)

    tick = subparsers.add_parser("tick", help="one pass of the clock: plan and send what is due")
    tick.add_argument("--now", help="ISO-8601 instant to act as of (default: now)")
    tick.add_argument("--dry-run", action="store_true", help="show what is due, send nothing")
    tick.set_defaults(handler=cmd_tick)

    schedules = subparsers.add_parser("schedules", help="list schedules and their next runs")
    schedules.add_argument("--team", action="append", help="Slack team id (repeatable)")
    schedules.add_argument("--json", action="store_true")
    schedules.set_defaults(handler=cmd_schedules)


def _instant(text: str | None) -> datetime:
    if not text:
        return utcnow()
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def cmd_clock(settings: Settings, args: argparse.Namespace) -> int:
    from bot.scheduling.clock import run_clock

    if settings.is_sqlite:
        migrate(settings.database_url)
    runtime = Runtime.from_settings(settings)
    try:
        return run_clock(runtime)
    finally:
        runtime.close()


def cmd_tick(settings: Settings, args: argparse.Namespace) -> int:
    from bot.scheduling.tick import tick

    try:
        now = _instant(args.now)
    except ValueError:
        print(f"error: --now {args.now!r} is not an ISO-8601 instant", file=sys.stderr)
        return 2
    if settings.is_sqlite:
        migrate(settings.database_url)
    runtime = Runtime.from_settings(settings)
    dry_run = args.dry_run
    if not dry_run and not settings.slack_bot_token and not settings.oauth_enabled:
        # Nothing can reach Slack: show what is due instead of failing every post.
        print(
            "SLACK_BOT_TOKEN is not set, so nothing is sent: this is what the clock would do.",
            file=sys.stderr,
        )
        dry_run = True
    try:
        print(tick(runtime, now=now, dry_run=dry_run).summary())
    finally:
        runtime.close()
    return 0


def cmd_schedules(settings: Settings, args: argparse.Namespace) -> int:
    engine, factory = open_database(settings)
    now = utcnow()
    rows = []
    try:
        with factory() as session:
            if args.team:
                workspaces = [cli_workspace(session, settings, team) for team in args.team]
            elif token_team(settings):
                workspaces = [cli_workspace(session, settings, None)]
            else:  # OAuth (or offline): every workspace stored
                workspaces = list(session.scalars(select(Workspace).order_by(Workspace.id)))
            for workspace in workspaces:
                for view in list_schedules(session=session, workspace=workspace, now=now):
                    rows.append((workspace.team_id, view))
    except WorkspaceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "team": team,
                        "id": v.id,
                        "kind": v.kind,
                        "rule": v.rule,
                        "described": v.described,
                        "timezone": v.timezone,
                        "channel": v.channel_id,
                        "enabled": v.enabled,
                        "next": [n.isoformat() for n in v.next_runs],
                    }
                    for team, v in rows
                ],
                indent=2,
            )
        )
        return 0
    for team, v in rows:
        state = "" if v.enabled else f" (paused: {v.paused_reason})"
        print(f"{team} #{v.id} {v.kind}: {v.rule} — {v.described} [{v.timezone}]{state}")
        for when in v.next_runs:
            local = when.astimezone(ZoneInfo(v.timezone))
            print(f"    next: {local:%a %Y-%m-%d %H:%M %Z}")
    return 0
