"""The team the roadmap belongs to, and what the bot measures of it itself.

Pulse answers are anonymous by construction: `PulseAnswer` has no person and no time, and
`PulseMarker` (who is asked, when they were asked, whether they answered) has no score, no
time of answering, and is deleted when the round closes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamps, WorkspaceScoped


class TeamMember(WorkspaceScoped, Timestamps, Base):
    """One person on the roster; kept (with `left_on`) after they leave, so team size and
    joiners of any past period can still be measured."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str | None] = mapped_column(String(64))
    joined_on: Mapped[date]
    # True when an admin gave the day they joined (`team add @x joined 2024-05-13`); else
    # joined_on is the day they were put on the roster.
    joined_given: Mapped[bool] = mapped_column(default=False)
    left_on: Mapped[date | None]
    growth_plan: Mapped[bool] = mapped_column(default=False)
    growth_plan_link: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="command")  # command | channel


class PulseRound(WorkspaceScoped, Timestamps, Base):
    """One occurrence of the pulse survey."""

    __tablename__ = "pulse_rounds"
    __table_args__ = (UniqueConstraint("schedule_id", "occurrence_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    occurrence_key: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    asked: Mapped[int] = mapped_column(default=0)  # roster size when the round opened
    min_answers: Mapped[int] = mapped_column(default=3)
    answers: Mapped[int | None]  # known once closed
    mean: Mapped[float | None]  # only when at least min_answers answered
    result: Mapped[str | None] = mapped_column(Text)  # "4.0/5 from 4 of 5" or why not


class PulseMarker(WorkspaceScoped, Base):
    """Who is asked in an open round and whether they answered: never what. Everyone on the
    roster gets one when the round opens; `asked_at` is set (once, which is what keeps two
    clocks from asking twice) when their DM goes out at 11:00 their own time."""

    __tablename__ = "pulse_markers"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pulse_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    asked_at: Mapped[datetime | None]
    answered: Mapped[bool] = mapped_column(default=False)
    chased: Mapped[bool] = mapped_column(default=False)


class PulseAnswer(WorkspaceScoped, Base):
    """One anonymous answer: a score and an optional comment; no person, no time."""

    __tablename__ = "pulse_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pulse_rounds.id", ondelete="CASCADE"))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)


class InnovationAnswer(WorkspaceScoped, Timestamps, Base):
    """A person's share of the week spent on innovation (the check-in's optional question)."""

    __tablename__ = "innovation_answers"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    cycle: Mapped[str] = mapped_column(String(32))  # the check-in cycle, e.g. "2025-W14"
    week_start: Mapped[date]
    percent: Mapped[int]


class GoalPartner(WorkspaceScoped, Base):
    """A team a goal is worked on with: a Slack user group or free text."""

    __tablename__ = "goal_partners"
    __table_args__ = (UniqueConstraint("goal_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))  # "@platform-team" or "Design"
    usergroup_id: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)
