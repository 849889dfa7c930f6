"""What a scheduled delivery says, by kind (digests and prompts have their own senders)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.message import Message, context, section
from bot.blocks.text import escape_mrkdwn
from bot.services.dashboard import home_summary
from models import RitualSession, Schedule, Workspace


def reminder_message(schedule: Schedule) -> Message:
    text = f":alarm_clock: {escape_mrkdwn(schedule.text or 'Reminder')}"
    return Message(text=text, blocks=[section(text)])


def _when(event_at: datetime, zone: ZoneInfo) -> str:
    local = event_at.astimezone(zone)
    return f"{local:%A %d %B at %H:%M} ({zone.key})"


def knowledge_sharing_message(
    session: Session, schedule: Schedule, event_at: datetime, zone: ZoneInfo, days_before: int
) -> Message:
    ritual = session.scalar(
        select(RitualSession).where(
            RitualSession.schedule_id == schedule.id,
            RitualSession.session_date == event_at.astimezone(zone).date(),
        )
    )
    when = "Today" if days_before == 0 else f"In {days_before} days"
    lines = [f":books: *{when}: knowledge-sharing session* — {_when(event_at, zone)}"]
    if ritual and ritual.presenter_user_id:
        topic = escape_mrkdwn(ritual.topic) if ritual.topic else "topic to be announced"
        lines.append(f"Presenter: <@{ritual.presenter_user_id}> · {topic}")
    else:
        lines.append("No presenter yet: reply in this thread to volunteer.")
    text = "\n".join(lines)
    return Message(text=lines[0], blocks=[section(text)])


def retrospective_message(
    session: Session, schedule: Schedule, workspace: Workspace, event_at: datetime, zone: ZoneInfo
) -> Message:
    summary = home_summary(session=session, workspace=workspace, user_id="", now=event_at)
    head = f":repeat: *Retrospective* — {_when(event_at, zone)}"
    if summary.period is None:
        return Message(text=head, blocks=[section(head)])
    rows = [
        f"• {escape_mrkdwn(c.name)}: {c.done}/{c.goals} done, {c.progress}% average"
        for c in summary.categories
    ]
    attention = len(summary.attention)
    body = (
        f"{head}\nHow {escape_mrkdwn(summary.period)} went so far:\n"
        + "\n".join(rows)
        + (f"\n{attention} goals are at risk, off track or blocked." if attention else "")
    )
    return Message(
        text=head,
        blocks=[
            section(body),
            context("Reply in the thread: what went well, what to improve, and actions."),
        ],
    )
