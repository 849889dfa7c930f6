"""What measures a metric, stored on it (`Metric.measured_by`): chosen from its name when the
metric is created (models.MeasuredBy.from_name, the column's default: an import, `/roadmap
metric add`, a restore of an export from before sources were stored) and marked so, kept on
re-import, and changed by an admin with `/roadmap metric source <name> <source>`.

The bot's own sources feed one metric each (the first one, by position); `tools` feeds the
deployment-frequency and recovery metrics; `prometheus` is set by binding a query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.actors import Actor, require_admin
from bot.services.errors import InvalidInput
from bot.services.metrics import find_metric
from models import AuditEntry, MeasuredBy, Metric, MetricSource, Workspace
from models.metric import DEPLOY_WORDS, RECOVERY_WORDS

BOTS_OWN = (
    MeasuredBy.PULSE,
    MeasuredBy.ROSTER,
    MeasuredBy.CHECKINS,
    MeasuredBy.GOALS,
    MeasuredBy.RITUALS,
)
# What `/roadmap metric source <name> <source>` takes (prometheus needs its query).
SETTABLE = (*BOTS_OWN, MeasuredBy.TOOLS, MeasuredBy.MANUAL)
LABELS = {
    MeasuredBy.PULSE: "the pulse survey",
    MeasuredBy.ROSTER: "the team roster's growth plans",
    MeasuredBy.CHECKINS: "the check-in's innovation question",
    MeasuredBy.GOALS: "the partner teams on this period's goals",
    MeasuredBy.RITUALS: "the knowledge-sharing sessions held",
    MeasuredBy.TOOLS: "your tools (deploys and incidents from webhooks)",
    MeasuredBy.PROMETHEUS: "a Prometheus query, daily",
    MeasuredBy.MANUAL: "people",
}


def is_tools_metric(name: str, key: str, aliases=()) -> bool:
    words = " ".join([name, key.replace("-", " "), *(aliases or [])])
    return bool(DEPLOY_WORDS.search(words) or RECOVERY_WORDS.search(words))


def guess(name: str, key: str, aliases=()) -> MeasuredBy:
    """The source a metric's name suggests (models.MeasuredBy.from_name)."""
    return MeasuredBy.from_name(name, key, aliases)


def first_measured_by(session: Session, workspace_id: int, source: str) -> Metric | None:
    """The metric a source feeds: the first active one with that source."""
    return session.scalar(
        select(Metric)
        .where(
            Metric.workspace_id == workspace_id,
            Metric.archived.is_(False),
            Metric.measured_by == source,
        )
        .order_by(Metric.position, Metric.id)
        .limit(1)
    )


@dataclass(frozen=True)
class SourceChange:
    metric: str
    source: str
    before: str
    changed: bool
    unit: str | None = None  # the metric's, for the reading recorded at once


def set_measured_by(
    session: Session, workspace: Workspace, actor: Actor, name: str, source: str
) -> SourceChange:
    """An admin says what measures a metric. The bot's own sources feed one metric each."""
    require_admin(workspace, actor, "change where metrics come from")
    metric = find_metric(session, workspace.id, name)
    before = metric.measured_by
    if source not in SETTABLE:
        raise InvalidInput(f"`{source}` is not a source; choose {', '.join(SETTABLE)}.")
    bound = session.scalar(select(MetricSource.id).where(MetricSource.metric_id == metric.id))
    if bound is not None and source != MeasuredBy.MANUAL:
        raise InvalidInput(
            f"{metric.name} is read from Prometheus. Stop that first with "
            f"`/roadmap metric source {metric.name} off`."
        )
    if source in BOTS_OWN:
        other = first_measured_by(session, workspace.id, source)
        if other is not None and other.id != metric.id:
            raise InvalidInput(
                f"{other.name} is already measured by {LABELS[MeasuredBy(source)]}, which "
                f"feeds one metric. Change that one first, e.g. "
                f"`/roadmap metric source {other.name} manual`."
            )
    if source == MeasuredBy.TOOLS and not is_tools_metric(metric.name, metric.key, metric.aliases):
        raise InvalidInput(
            "Your tools feed a deployment-frequency metric (a name with “deploy”) and a "
            f"recovery metric (MTTR, time to restore); {metric.name} is neither."
        )
    changed = before != source or metric.measured_by_guessed
    metric.measured_by, metric.measured_by_guessed = source, False
    if changed:
        session.add(
            AuditEntry(
                workspace_id=workspace.id,
                actor=actor.user_id,
                action="metric.measured_by",
                target=metric.key,
                details={"from": before, "to": source},
            )
        )
    session.flush()
    return SourceChange(metric.name, source, before, before != source, metric.unit)
