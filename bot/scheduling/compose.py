"""What a scheduled delivery says, by kind (digests and prompts have their own senders)."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks import rituals as blocks
from bot.blocks.message import Message, context, section  # noqa: F401 (context: previews)
from bot.blocks.text import escape_mrkdwn
from bot.services import retrospectives, rituals
from models import Schedule, Workspace, utcnow

log = logging.getLogger(__name__)


def reminder_message(schedule: Schedule) -> Message:
    text = f":alarm_clock: {escape_mrkdwn(schedule.text or 'Reminder')}"
    return Message(text=text, blocks=[section(text)])


def channel_members(client: WebClient, channel: str, bot_user_id: str | None = None) -> list[str]:
    """The people in a channel (every page of conversations.members), without the bot."""
    members: list[str] = []
    for page in client.conversations_members(channel=channel, limit=200):
        members.extend(page.get("members") or [])
    if bot_user_id is None:
        try:
            bot_user_id = client.auth_test().get("user_id")
        except SlackApiError:
            bot_user_id = None
    return [m for m in members if m != bot_user_id]


def knowledge_sharing_message(
    session: Session,
    schedule: Schedule,
    event_at: datetime,
    zone: ZoneInfo,
    days_before: int,
    *,
    client: WebClient | None = None,
) -> Message:
    """The reminder of the session at `event_at`, which is created (once, with the next
    presenter in the rotation) by the first reminder of it. Commits `session`: the buttons
    on the posted message point at that row.

    `client`: when given and the presenters are a channel's members, they are asked for
    afresh; otherwise the members last seen by a button click are used.
    """
    workspace = session.get(Workspace, schedule.workspace_id)
    day = event_at.astimezone(zone).date()
    members = None
    roster = rituals.uses_channel_roster(schedule)
    if client is not None and roster:
        try:
            members = channel_members(client, roster)
        except SlackApiError as error:
            log.warning("conversations.members %s: %s", roster, error.response.get("error"))
    view = rituals.prepare_occurrence(
        session=session,
        workspace=workspace,
        schedule=schedule,
        occurrence_date=day,
        channel_members=members,
    )
    session.commit()
    return blocks.knowledge_sharing_message(view, event_at, zone.key, days_before)


def retrospective_message(
    session: Session, schedule: Schedule, workspace: Workspace, event_at: datetime, zone: ZoneInfo
) -> Message:
    """The retrospective reminder with the outcomes of the period it looks back on."""
    board = retrospectives.retro_board(
        session=session,
        workspace=workspace,
        schedule_id=schedule.id,
        now=utcnow(),
        event_day=event_at.astimezone(zone).date(),
    )
    ref = (
        blocks.RetroRef(schedule.id, board.period_id, event_at)
        if board.period_id is not None
        else None
    )
    return blocks.retrospective_message(board, event_at, ref)
