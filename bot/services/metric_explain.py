"""`/roadmap metric <name>` with no value: where the metric's number comes from (its stored
source, whether that was chosen from its name), its latest reading, and what the source
measures right now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.team_metrics import AUTOMATIC_SOURCES, EXPLAINED, measure
from models import MeasuredBy, Metric, MetricReading, MetricSource, Workspace
from models.metric import DEPLOY_WORDS

_TOOLS_DEPLOYS = (
    "your tools: each deploy a GitHub or GitLab deployment webhook (or the API) reports is "
    "one occurrence, counted against the metric's cadence."
)
_TOOLS_RECOVERY = (
    "your tools: the incidents Alertmanager (or the API) reports; when one resolves, the mean "
    "time from opened to resolved over the period is recorded."
)
_MANUAL = "people: it is typed with `/roadmap metric` and a value (or sent by the metrics API)."


@dataclass(frozen=True)
class Explanation:
    name: str
    measured_by: str  # models.MeasuredBy
    guessed: bool  # chosen from the metric's name, nobody changed it since
    how: str
    latest: float | None
    unit: str | None
    latest_note: str | None
    latest_source: str | None
    latest_at: datetime | None
    now_note: str | None  # what the source measures right now

    @property
    def source(self) -> str | None:
        """The bot's own source, or None (tools, Prometheus and people are not recomputed)."""
        return self.measured_by if self.measured_by in AUTOMATIC_SOURCES else None


def _how(session: Session, workspace: Workspace, metric: Metric) -> str:
    from bot.services.pulse import min_answers

    source = metric.measured_by
    if source in AUTOMATIC_SOURCES:
        return EXPLAINED[source].format(min=min_answers(workspace))
    if source == MeasuredBy.TOOLS:
        words = " ".join([metric.key, metric.name, *(metric.aliases or [])])
        return _TOOLS_DEPLOYS if DEPLOY_WORDS.search(words) else _TOOLS_RECOVERY
    if source == MeasuredBy.PROMETHEUS:
        bound = session.scalar(select(MetricSource.id).where(MetricSource.metric_id == metric.id))
        if bound is None:
            return "a Prometheus query, but none is set in this workspace."
        return "a Prometheus query, read every day at 06:00."
    return _MANUAL


def explain(session: Session, workspace: Workspace, metric: Metric, now: datetime) -> Explanation:
    reading = session.scalar(
        select(MetricReading)
        .where(MetricReading.metric_id == metric.id, MetricReading.workspace_id == workspace.id)
        .order_by(MetricReading.recorded_at.desc(), MetricReading.id.desc())
        .limit(1)
    )
    source = metric.measured_by
    now_note = None
    if source in AUTOMATIC_SOURCES and source != MeasuredBy.PULSE:  # the pulse: per round
        now_note = measure(session, workspace, source, now)[1]
    return Explanation(
        name=metric.name,
        measured_by=source,
        guessed=metric.measured_by_guessed,
        how=_how(session, workspace, metric),
        latest=reading.value if reading else None,
        unit=metric.unit,
        latest_note=reading.note if reading else None,
        latest_source=reading.source if reading else None,
        latest_at=reading.recorded_at if reading else None,
        now_note=now_note,
    )
