"""Reminder: a line of the team's own text, posted on its schedule."""

from __future__ import annotations

from datetime import timedelta

from bot.blocks.message import Message, section
from bot.blocks.text import escape_mrkdwn
from bot.kinds.base import Kind, Previewing, Sending, post_one
from bot.scheduling.dispatch import Job
from models import Schedule, ScheduleKind


def reminder_message(text: str | None) -> Message:
    line = f":alarm_clock: {escape_mrkdwn(text or 'Reminder')}"
    return Message(text=line, blocks=[section(line)])


def send(sending: Sending) -> Job:
    with sending.factory() as session:
        text = session.get(Schedule, sending.schedule_id).text
    return (yield from post_one(sending, reminder_message(text)))


def preview(previewing: Previewing) -> Message:
    return reminder_message(previewing.schedule.text)


KIND = Kind(
    name=ScheduleKind.REMINDER,
    label="Reminder",
    send=send,
    preview=preview,
    missed_after=timedelta(hours=1),
    needs_text="A reminder needs its text, e.g. Update your goals.",
    shows_text=True,
)
