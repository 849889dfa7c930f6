"""Success metrics and their readings over time."""

from __future__ import annotations

import enum
import re
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamps, WorkspaceScoped, utcnow


class MeasuredBy(enum.StrEnum):
    """What measures a metric: stored on it (chosen from its name when it is created, changed
    with `/roadmap metric source <name> …`). Each reading keeps its own source too."""

    MANUAL = "manual"  # typed by people (or sent by the metrics API)
    PULSE = "pulse"  # the pulse survey
    ROSTER = "roster"  # growth plans on the team roster
    CHECKINS = "checkins"  # the check-in's innovation question
    GOALS = "goals"  # partner teams on the period's goals
    RITUALS = "rituals"  # knowledge-sharing sessions held
    TOOLS = "tools"  # deploys and incidents the team's tools report
    PROMETHEUS = "prometheus"  # a PromQL query, daily (models.tools.MetricSource)

    @classmethod
    def from_name(cls, name: str, key: str, aliases=()) -> MeasuredBy:
        """The source a new metric's name suggests; `manual` when none does."""
        for source, pattern in _NAME_WORDS:
            if pattern.search(name) or pattern.search(key.replace("-", " ")):
                return source
        words = " ".join([name, key.replace("-", " "), *(aliases or [])])
        if DEPLOY_WORDS.search(words) or RECOVERY_WORDS.search(words):
            return cls.TOOLS
        return cls.MANUAL


# Which words in a metric's name choose its source when it is created (first match wins).
_NAME_WORDS: tuple[tuple[MeasuredBy, re.Pattern[str]], ...] = (
    (MeasuredBy.PULSE, re.compile(r"\b(?:satisfaction|happiness|morale|pulse)\b", re.I)),
    (MeasuredBy.ROSTER, re.compile(r"\b(?:career|growth\s+plans?)\b", re.I)),
    (MeasuredBy.CHECKINS, re.compile(r"\binnovation\b", re.I)),
    (MeasuredBy.GOALS, re.compile(r"\bcollaboration\b|\bcross[\s-]+team\b", re.I)),
    (MeasuredBy.RITUALS, re.compile(r"\bknowledge[\s-]+shar", re.I)),
)
DEPLOY_WORDS = re.compile(r"deploy", re.I)
RECOVERY_WORDS = re.compile(r"\bmttr\b|time[- ]to[- ](recover|restore|resolve)|recovery", re.I)


def _chosen_from_name(context) -> str:
    """A metric inserted without a source gets the one its name suggests."""
    values = context.get_current_parameters()
    return MeasuredBy.from_name(values["name"], values["key"], values.get("aliases"))


class Metric(WorkspaceScoped, Timestamps, Base):
    __tablename__ = "metrics"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roadmap_id: Mapped[int | None] = mapped_column(ForeignKey("roadmaps.id", ondelete="SET NULL"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    aliases: Mapped[list] = mapped_column(default=list)
    kind: Mapped[str] = mapped_column(String(16), default="technical")
    text: Mapped[str | None] = mapped_column(Text)
    baseline: Mapped[float | None]
    target: Mapped[float | None]
    comparator: Mapped[str | None] = mapped_column(String(2))
    unit: Mapped[str | None] = mapped_column(String(32))
    qualifier: Mapped[str | None] = mapped_column(String(255))
    cadence: Mapped[str | None] = mapped_column(String(16))
    typed: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    archived: Mapped[bool] = mapped_column(default=False)
    measured_by: Mapped[str] = mapped_column(String(16), default=_chosen_from_name)
    # True while the source is the one chosen from the metric's name (nobody changed it).
    measured_by_guessed: Mapped[bool] = mapped_column(default=True)


class MetricReading(WorkspaceScoped, Base):
    __tablename__ = "metric_readings"
    __table_args__ = (
        Index("ix_metric_readings_metric_time", "metric_id", "recorded_at"),
        # Replays of the same API call (Idempotency-Key) store one reading.
        UniqueConstraint("workspace_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id", ondelete="CASCADE"))
    value: Mapped[float]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16), default="command")
    note: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
