"""Check-in prompts the bot posts and the answers people give."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamps, WorkspaceScoped, utcnow


class CheckinSource(enum.StrEnum):
    """How a check-in answer reached the bot (stored in Checkin.source as these strings)."""

    REACTION = "reaction"  # an emoji on a prompt
    BUTTON = "button"  # a status button on a prompt or the Home tab
    MODAL = "modal"  # the note modal
    THREAD = "thread"  # a reply in a prompt's thread
    COMMAND = "command"  # /roadmap checkin


class CheckinRound(WorkspaceScoped, Base):
    """One person's check-in of one cycle: the one top-level message they get (in their DM,
    or in the roadmap channel), due at the schedule's time in their own zone."""

    __tablename__ = "checkin_rounds"
    __table_args__ = (
        UniqueConstraint("workspace_id", "cycle", "person"),
        UniqueConstraint("workspace_id", "channel_id", "message_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle: Mapped[str] = mapped_column(String(32))
    person: Mapped[str] = mapped_column(String(32))  # a user id
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    due_at: Mapped[datetime | None]
    posted_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckinPrompt(WorkspaceScoped, Base):
    """One posted message about one goal (in a round's thread), so a reaction or a reply on
    it maps back to its goal."""

    __tablename__ = "checkin_prompts"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", "message_ts"),
        UniqueConstraint("goal_id", "cycle", "recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    cycle: Mapped[str] = mapped_column(String(32))
    # The person asked (before rounds: a channel id for a prompt in the roadmap channel).
    recipient: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkin_rounds.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    posted_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Checkin(WorkspaceScoped, Timestamps, Base):
    """One answer about one goal: every answer is kept (the goal shows the latest), so a
    goal's history tells the whole story of a cycle."""

    __tablename__ = "checkins"
    __table_args__ = (
        Index("ix_checkins_workspace_cycle", "workspace_id", "cycle"),
        Index("ix_checkins_goal_cycle", "goal_id", "cycle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    cycle: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(16))
    progress: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    # reaction, button, modal, command, thread, import
    source: Mapped[str] = mapped_column(String(16))  # a CheckinSource
    reaction: Mapped[str | None] = mapped_column(String(64))
    prompt_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkin_prompts.id", ondelete="SET NULL")
    )
    # Answered on a round's top message (one reaction for every goal in it).
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkin_rounds.id", ondelete="SET NULL")
    )
    note_message_ts: Mapped[str | None] = mapped_column(String(32))
    retracted_at: Mapped[datetime | None]
    # The goal's status and progress before this answer, so a retracted reaction can put
    # them back.
    previous_status: Mapped[str | None] = mapped_column(String(16))
    previous_progress: Mapped[int | None]
