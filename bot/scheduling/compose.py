"""Moved into the kinds' modules (bot.kinds.*); kept so callers outside the scheduling stream
still import. New code asks the kind: `bot.kinds.kind_of(name).preview(...)`, which writes
nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.blocks.message import Message
from bot.kinds.knowledge_sharing import channel_members, knowledge_sharing_message
from bot.kinds.reminder import reminder_message as _reminder_message
from bot.kinds.retrospective import retrospective_message as _retrospective_message
from models import Schedule, Workspace

__all__ = [
    "channel_members",
    "knowledge_sharing_message",
    "reminder_message",
    "retrospective_message",
]


def reminder_message(schedule: Schedule) -> Message:
    return _reminder_message(schedule.text)


def retrospective_message(
    session: Session, schedule: Schedule, workspace: Workspace, event_at: datetime, zone: ZoneInfo
) -> Message:
    return _retrospective_message(session, schedule, workspace, event_at)
