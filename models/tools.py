"""What the team's own tools tell the bot: webhooks (GitHub, GitLab, Alertmanager), the
deploys and incidents they report, and metrics bound to a Prometheus query."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamps, WorkspaceScoped, utcnow


class HookKind(enum.StrEnum):
    """The tools a hook URL accepts webhooks from (stored as these strings)."""

    GITHUB = "github"
    GITLAB = "gitlab"
    ALERTMANAGER = "alertmanager"


class ToolEventKind(enum.StrEnum):
    DEPLOY = "deploy"
    INCIDENT = "incident"


class Hook(WorkspaceScoped, Base):
    """A webhook URL (`/api/v1/hooks/<kind>/<id>`): the id names the workspace, the secret
    (sealed, see bot.services.secrets) proves the sender."""

    __tablename__ = "hooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    secret: Mapped[str] = mapped_column(Text)
    # github/gitlab: {"environment": "production"}; alertmanager: {"labels": {...}}
    options: Mapped[dict] = mapped_column(default=dict)
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class ToolEvent(WorkspaceScoped, Base):
    """One deploy, or one incident (opened, and resolved once known). Unique by the key its
    tool gives it (a GitHub deployment status id, an alert's fingerprint and start), so a
    re-sent webhook changes nothing."""

    __tablename__ = "tool_events"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # github | gitlab | alertmanager | api
    key: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime]  # the deploy, or when the incident began
    resolved_at: Mapped[datetime | None]
    environment: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MetricSource(WorkspaceScoped, Timestamps, Base):
    """A metric read from a tool on a schedule: today a Prometheus query."""

    __tablename__ = "metric_sources"
    __table_args__ = (UniqueConstraint("metric_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="prometheus")
    query: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(32))
    last_run_at: Mapped[datetime | None]
    last_value: Mapped[float | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # The admins hear of a failing query once a day (the workspace's date).
    last_error_reported_on: Mapped[date | None]
