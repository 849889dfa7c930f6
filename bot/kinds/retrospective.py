"""Retrospective: announced a week ahead, with the outcomes of the period it looks back on."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.blocks import rituals as blocks
from bot.blocks.message import Message
from bot.kinds.base import Kind, Previewing, Sending, post_one
from bot.scheduling.dispatch import Job
from bot.services import retrospectives
from bot.services.schedules import schedule_zone
from models import Schedule, ScheduleKind, Workspace, utcnow


def retrospective_message(
    session: Session, schedule: Schedule, workspace: Workspace, event_at: datetime
) -> Message:
    """The retrospective reminder with the outcomes of the period it looks back on."""
    zone = schedule_zone(schedule, workspace)
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


def send(sending: Sending) -> Job:
    with sending.factory() as session:
        schedule = session.get(Schedule, sending.schedule_id)
        workspace = session.get(Workspace, sending.workspace_id)
        message = retrospective_message(session, schedule, workspace, sending.event_at)
    return (yield from post_one(sending, message))


def preview(previewing: Previewing) -> Message:
    p = previewing
    return retrospective_message(p.session, p.schedule, p.workspace, p.event_at)


KIND = Kind(
    name=ScheduleKind.RETROSPECTIVE,
    label="Retrospective",
    home_label="Retrospective",
    send=send,
    preview=preview,
    remind_days_before=(7,),
    until_event=True,
    missed_after=timedelta(hours=1),
    closes_period=True,
)
