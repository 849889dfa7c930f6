"""digest weekly|quarterly: print the digest as text, or post it."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, time

from bot.blocks.digests import digest_text
from bot.cli.roadmap import open_database
from bot.cli.workspace import cli_workspace
from bot.config import Settings
from bot.runtime import make_web_client
from bot.services.digests import quarterly_digest, weekly_digest
from bot.services.errors import ServiceError
from bot.services.workspaces import WorkspaceError
from models import utcnow


def add_parsers(subparsers) -> None:
    parser = subparsers.add_parser("digest", help="print or post the weekly or quarterly digest")
    parser.add_argument("kind", choices=("weekly", "quarterly"))
    parser.add_argument("--team", action="append", help="Slack team id (repeatable)")
    parser.add_argument("--as-of", help="date or ISO instant to build it as of (default: now)")
    parser.add_argument("--period", help="quarterly: the period, e.g. 'Q1 2025'")
    parser.add_argument("--preview", action="store_true", help="print it instead of posting")
    parser.set_defaults(handler=cmd_digest)


def _as_of(text: str | None) -> datetime:
    if not text:
        return utcnow()
    if len(text) == 10:  # a date: the end of that day
        return datetime.combine(datetime.fromisoformat(text).date(), time(23, 59), tzinfo=UTC)
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    try:
        now = _as_of(args.as_of)
    except ValueError:
        print(f"error: --as-of {args.as_of!r} is not a date or ISO-8601 instant", file=sys.stderr)
        return 2
    if not args.preview and not settings.slack_bot_token:
        print("error: posting needs SLACK_BOT_TOKEN; use --preview to print it.", file=sys.stderr)
        return 2
    engine, factory = open_database(settings)
    try:
        with factory() as session:
            teams = args.team or [None]
            workspaces = [cli_workspace(session, settings, t) for t in teams]
            for workspace in workspaces:
                if args.preview:
                    if args.kind == "weekly":
                        digest = weekly_digest(session=session, workspace=workspace, now=now)
                    else:
                        digest = quarterly_digest(
                            session=session, workspace=workspace, period_label=args.period, now=now
                        )
                    print(digest_text(digest))
                    continue
                if not workspace.roadmap_channel_id:
                    print(
                        f"error: {workspace.team_id} has no roadmap channel "
                        "(/roadmap config channel #channel).",
                        file=sys.stderr,
                    )
                    return 2
                from bot.kinds.quarterly_digest import post_quarterly_digest
                from bot.kinds.weekly_digest import post_weekly_digest

                poster = post_weekly_digest if args.kind == "weekly" else post_quarterly_digest
                posted = poster(
                    session_factory=factory,
                    client=make_web_client(settings, settings.slack_bot_token),
                    workspace_id=workspace.id,
                    channel_id=workspace.roadmap_channel_id,
                    now=now,
                )
                print(f"Posted the {args.kind} digest in {posted.channel} (ts {posted.ts}).")
    except (WorkspaceError, ServiceError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0
