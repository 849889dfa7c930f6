"""The roadmap aggregate: roadmap, periods, categories, goals and their owners."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, WorkspaceScoped


class GoalStatus(enum.StrEnum):
    NOT_STARTED = "not-started"
    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    OFF_TRACK = "off-track"
    BLOCKED = "blocked"
    DONE = "done"


GOAL_STATUSES = tuple(s.value for s in GoalStatus)
_STATUS_CHECK = "status IN (" + ", ".join(f"'{s}'" for s in GOAL_STATUSES) + ")"


class Roadmap(WorkspaceScoped, Timestamps, Base):
    __tablename__ = "roadmaps"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    subtitle: Mapped[str | None] = mapped_column(String(255))
    year: Mapped[int | None]
    source_document: Mapped[str | None] = mapped_column(Text)


class Period(WorkspaceScoped, Base):
    __tablename__ = "periods"
    __table_args__ = (
        UniqueConstraint("roadmap_id", "label"),
        CheckConstraint("start_date <= end_date", name="dates_ordered"),
        Index("ix_periods_workspace_dates", "workspace_id", "start_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date]
    end_date: Mapped[date]
    position: Mapped[int] = mapped_column(default=0)
    # What the document's heading said besides the period: "Production Hardening", "done".
    theme: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str | None] = mapped_column(String(16))


class Category(WorkspaceScoped, Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("roadmap_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(default=0)


class Goal(WorkspaceScoped, Timestamps, Base):
    __tablename__ = "goals"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        CheckConstraint(_STATUS_CHECK, name="status_known"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        Index("ix_goals_workspace_period", "workspace_id", "period_id", "archived"),
        Index("ix_goals_match", "roadmap_id", "period_id", "category_id", "normalized_title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Shown to people as G<number>; unique and never reused within a workspace.
    number: Mapped[int]
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    normalized_title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=GoalStatus.NOT_STARTED.value)
    status_note: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[int] = mapped_column(default=0)
    due_date: Mapped[date | None]
    archived: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str | None] = mapped_column(String(32))
    # The metric this goal moves and its milestone for the goal's period.
    metric_id: Mapped[int | None] = mapped_column(
        ForeignKey("metrics.id", ondelete="SET NULL"), index=True
    )
    target_value: Mapped[float | None]
    target_comparator: Mapped[str | None] = mapped_column(String(2))
    target_unit: Mapped[str | None] = mapped_column(String(32))
    target_kind: Mapped[str | None] = mapped_column(String(16))

    owners: Mapped[list[GoalOwner]] = relationship(
        cascade="all, delete-orphan", order_by="GoalOwner.position", lazy="selectin"
    )

    @property
    def ref(self) -> str:
        return f"G{self.number}"


class GoalOwner(WorkspaceScoped, Base):
    """An owner is a Slack user id (`U0123ABCD`) or, until resolved, a handle (`@alice`)."""

    __tablename__ = "goal_owners"
    __table_args__ = (
        UniqueConstraint("goal_id", "owner"),
        Index("ix_goal_owners_workspace_owner", "workspace_id", "owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    owner: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)


def next_goal_number(session, workspace_id: int) -> int:
    """The next free G-number in a workspace (numbers are never reused)."""
    from sqlalchemy import func, select

    highest = session.scalar(select(func.max(Goal.number)).where(Goal.workspace_id == workspace_id))
    return (highest or 0) + 1
