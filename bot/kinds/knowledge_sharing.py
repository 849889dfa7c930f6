"""Knowledge sharing: announced a week ahead and on the day, with who presents (in turn) and
buttons to volunteer, hand over or set the topic. The first reminder of a session creates it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ActionsBlock
from sqlalchemy.orm import Session

from bot.blocks import rituals as blocks
from bot.blocks.message import Message
from bot.kinds.base import Kind, Previewing, Sending, post_one
from bot.scheduling.dispatch import Call, Job
from bot.services import rituals
from bot.services.schedules import schedule_zone
from models import Schedule, ScheduleKind, Workspace

log = logging.getLogger(__name__)


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
    members = None
    roster = rituals.uses_channel_roster(schedule)
    if client is not None and roster:
        try:
            members = channel_members(client, roster)
        except SlackApiError as error:
            log.warning("conversations.members %s: %s", roster, error.response.get("error"))
    message = _prepared_message(session, schedule, event_at, zone, days_before, members)
    session.commit()
    return message


def _prepared_message(session, schedule, event_at, zone, days_before, members) -> Message:
    """Create the occurrence (once) and compose its reminder; the caller commits."""
    workspace = session.get(Workspace, schedule.workspace_id)
    view = rituals.prepare_occurrence(
        session=session,
        workspace=workspace,
        schedule=schedule,
        occurrence_date=event_at.astimezone(zone).date(),
        channel_members=members,
    )
    return blocks.knowledge_sharing_message(view, event_at, zone.key, days_before)


def send(sending: Sending) -> Job:
    with sending.factory() as session:
        roster = rituals.uses_channel_roster(session.get(Schedule, sending.schedule_id))
    members = None
    if roster:  # asked afresh each time: the rotation follows who is in the channel
        client = sending.client
        try:
            members = yield Call(None, sending.team_id, lambda: channel_members(client, roster))
        except SlackApiError as error:
            log.warning("conversations.members %s: %s", roster, error.response.get("error"))
    with sending.factory() as session, session.begin():
        schedule = session.get(Schedule, sending.schedule_id)
        zone = schedule_zone(schedule, session.get(Workspace, sending.workspace_id))
        # Said as it is when it goes out: a reminder sent late (the clock was down) must not
        # announce "in 7 days" a session that is tomorrow.
        days_left = (
            sending.event_at.astimezone(zone).date() - sending.now.astimezone(zone).date()
        ).days
        message = _prepared_message(
            session,
            schedule,
            sending.event_at,
            zone,
            max(0, min(days_left, sending.days_before)),
            members,
        )
    return (yield from post_one(sending, message))


def preview(previewing: Previewing) -> Message:
    """The reminder as it would read, without creating the occurrence: an existing one is
    shown as is; otherwise the next presenter in turn, and no buttons (nothing to press yet)."""
    p = previewing
    zone = schedule_zone(p.schedule, p.workspace)
    day = p.event_at.astimezone(zone).date()
    view, existing = rituals.upcoming_occurrence(
        session=p.session, workspace=p.workspace, schedule=p.schedule, occurrence_date=day
    )
    message = blocks.knowledge_sharing_message(view, p.event_at, zone.key, p.days_before)
    if not existing:
        message = Message(
            text=message.text, blocks=[b for b in message.blocks if not isinstance(b, ActionsBlock)]
        )
    return message


KIND = Kind(
    name=ScheduleKind.KNOWLEDGE_SHARING,
    label="Knowledge sharing",
    home_label="Knowledge sharing",
    send=send,
    preview=preview,
    remind_days_before=(7, 0),
    until_event=True,
    needs_running_roadmap=True,  # a finished roadmap goes quiet
    missed_after=timedelta(hours=1),
)
