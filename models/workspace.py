"""A Slack workspace (team) and the people in it the bot keeps state for."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, Timestamps, WorkspaceScoped, utcnow


class Workspace(Timestamps, Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32), index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Country (and optional subdivision, e.g. "DE-BY") whose public holidays schedules avoid.
    holiday_region: Mapped[str | None] = mapped_column(String(16))
    roadmap_channel_id: Mapped[str | None] = mapped_column(String(32))
    admin_user_ids: Mapped[list] = mapped_column(default=list)
    settings: Mapped[dict] = mapped_column(default=dict)
    installed_at: Mapped[datetime | None]
    uninstalled_at: Mapped[datetime | None]
    purge_after: Mapped[datetime | None]
    # Slack refused the bot's token (token_revoked, invalid_auth, …) or, with a single
    # SLACK_BOT_TOKEN, the app was uninstalled: nothing is sent until a new install (OAuth)
    # or a restart with a working token; its pending deliveries wait, parked.
    inactive_since: Mapped[datetime | None]
    inactive_reason: Mapped[str | None] = mapped_column(String(64))
    # When the members were last read from users.list (None: never).
    people_listed_at: Mapped[datetime | None]

    @classmethod
    def by_team(cls, session: Session, team_id: str) -> Workspace | None:
        return session.scalar(select(cls).where(cls.team_id == team_id))


class Member(WorkspaceScoped, Timestamps, Base):
    """What the bot remembers of a person: names (from users.list, to resolve what people
    type), time zone, admin flag, away dates."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str | None] = mapped_column(String(64))
    is_slack_admin: Mapped[bool] = mapped_column(default=False)
    away_until: Mapped[date | None]
    refreshed_at: Mapped[datetime | None]
    handle: Mapped[str | None] = mapped_column(String(255))  # users.list `name`
    display_name: Mapped[str | None] = mapped_column(String(255))
    real_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    is_bot: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False)
    listed_at: Mapped[datetime | None]  # last seen in users.list


class PersonAlias(WorkspaceScoped, Base):
    """A name that did not match a member, mapped to a person by an admin (the import's fix),
    so the same name resolves the same way next time."""

    __tablename__ = "person_aliases"
    __table_args__ = (UniqueConstraint("workspace_id", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(String(255))  # casefolded, without a leading @
    user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
