"""Schedules (the source of truth for rituals) and the deliveries they produce."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamps, WorkspaceScoped, utcnow


class ScheduleKind(enum.StrEnum):
    """The kinds the bot ships with (stored as these strings). Each has its plug-in module in
    bot/kinds/, whose registry (bot.kinds.KINDS) is the list of kinds a schedule may have."""

    WEEKLY_DIGEST = "weekly_digest"
    QUARTERLY_DIGEST = "quarterly_digest"
    CHECKIN_PROMPT = "checkin_prompt"
    KNOWLEDGE_SHARING = "knowledge_sharing"
    RETROSPECTIVE = "retrospective"
    REMINDER = "reminder"
    METRIC_SOURCES = "metric_sources"
    PULSE = "pulse"
    TEAM_METRICS = "team_metrics"


class DeliveryState(enum.StrEnum):
    """Where one delivery (one occurrence of a schedule) stands (stored as these strings)."""

    PENDING = "pending"  # planned, waiting for its time (or its retry)
    CLAIMED = "claimed"  # a sender holds it
    SENT = "sent"
    FAILED = "failed"  # no retry will help; the reason is in `error`
    MISSED = "missed"  # too late after downtime, or the app was uninstalled
    UNCERTAIN = "uncertain"  # a post timed out: checked before any retry
    PARKED = "parked"  # its workspace's token was refused: waits for a working one


class Schedule(WorkspaceScoped, Timestamps, Base):
    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(255))  # as the person wrote it
    cron: Mapped[str | None] = mapped_column(String(128))  # normalised form, when one exists
    timezone: Mapped[str | None] = mapped_column(String(64))  # None: the workspace's
    channel_id: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    options: Mapped[dict] = mapped_column(default=dict)
    # none | next_working_day | skip
    holiday_policy: Mapped[str] = mapped_column(String(24), default="none")
    enabled: Mapped[bool] = mapped_column(default=True)
    paused_reason: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(16), default="user")  # default | import | user
    created_by: Mapped[str | None] = mapped_column(String(32))
    # The planner's (bot.scheduling.planner): occurrences up to `planned_until` are planned;
    # nothing can come due before `next_due_at` (None: look at it on the next tick).
    planned_until: Mapped[datetime | None]
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)


class Delivery(WorkspaceScoped, Base):
    """One occurrence of a schedule; the unique key is what makes a post happen once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("schedule_id", "occurrence_key"),
        # The claim's order: it walks the index and stops at the rows it locks, instead of
        # sorting every pending delivery (migration 0017).
        Index("ix_deliveries_state_due_id", "state", "due_at", "id"),
        # A workspace's deliveries in a state over a time span (the last digest sent): the
        # one plan that reads only the workspace's rows, whatever the statistics say (this
        # also serves every lookup by workspace, in place of the mixin's own index).
        Index("ix_deliveries_workspace_state_due", "workspace_id", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    occurrence_key: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RitualOccurrence(WorkspaceScoped, Timestamps, Base):
    """One occurrence of a ritual (a knowledge-sharing session, a retrospective): who
    presents, the topic, whether it was held."""

    __tablename__ = "ritual_occurrences"
    __table_args__ = (UniqueConstraint("schedule_id", "occurrence_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    occurrence_date: Mapped[date]
    presenter_user_id: Mapped[str | None] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="planned")  # planned|held|skipped
    held_at: Mapped[datetime | None]


class RetroItem(WorkspaceScoped, Base):
    __tablename__ = "retro_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # went_well | to_improve | action
    text: Mapped[str] = mapped_column(Text)
    user_id: Mapped[str | None] = mapped_column(String(32))
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
