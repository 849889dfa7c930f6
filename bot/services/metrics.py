"""Success metrics: list them against their targets, record readings, add new ones."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services.actors import Actor, require_admin
from bot.services.errors import InvalidInput, NotFound
from bot.services.metric_values import (  # noqa: F401  (re-exported: metrics' one front door)
    COMPARATOR_SYMBOLS,
    UNIT_FACTORS,
    UNIT_SYNONYMS,
    CadenceCount,
    Target,
    Verdict,
    cadence_count,
    cadence_of,
    cadence_window,
    format_change,
    format_value,
    judge,
    meets,
    occurrence_noun,
    plural,
    trend,
)
from bot.services.periods import current_period, periods_of, workspace_today
from models import AuditEntry, Goal, Metric, MetricReading, Workspace
from models.base import insert_ignoring_conflicts


@dataclass(frozen=True)
class MetricView:
    key: str
    name: str
    kind: str
    target_text: str  # as written in the roadmap: "99.9% → 99.99%"
    unit: str | None
    latest: float | None
    latest_at: datetime | None
    milestone: str | None  # this period's goal for it, e.g. "≥ 99.95%"
    on_target: bool | None  # None when unknown
    verdict: Verdict | None = None  # what on_target was judged against
    cadence: CadenceCount | None = None  # for a cadence metric: its count
    # Team metrics (issue 20): the latest reading's source ("command", "pulse", "roster", …),
    # its note ("4/5 from 4 of 5"), and the source that measures the metric automatically.
    source: str | None = None
    note: str | None = None
    measured_by: str | None = None

    @property
    def latest_text(self) -> str:
        near = self.verdict.goal.value if self.verdict is not None else None
        return format_value(self.latest, self.unit, near=near)


@dataclass(frozen=True)
class ReadingResult:
    metric: MetricView
    value: float  # in the metric's unit
    recorded: bool  # False when an idempotency key had been used already


def latest_readings(session: Session, workspace_id: int) -> dict[int, MetricReading]:
    """The newest reading of every metric, in one query."""
    newest = (
        select(
            MetricReading.id,
            func.row_number()
            .over(
                partition_by=MetricReading.metric_id,
                order_by=(MetricReading.recorded_at.desc(), MetricReading.id.desc()),
            )
            .label("rank"),
        )
        .where(MetricReading.workspace_id == workspace_id)
        .subquery()
    )
    rows = session.scalars(
        select(MetricReading)
        .join(newest, newest.c.id == MetricReading.id)
        .where(newest.c.rank == 1)
    )
    return {r.metric_id: r for r in rows}


def list_metrics(*, session: Session, workspace: Workspace, now: datetime) -> list[MetricView]:
    metrics = list(
        session.scalars(
            select(Metric)
            .where(Metric.workspace_id == workspace.id, Metric.archived.is_(False))
            .order_by(Metric.position, Metric.id)
        )
    )
    latest = latest_readings(session, workspace.id)
    today = workspace_today(workspace, now)
    period = current_period(periods_of(session, workspace.id), today)
    milestones: dict[int, Goal] = {}
    if period is not None:
        for goal in session.scalars(
            select(Goal).where(
                Goal.workspace_id == workspace.id,
                Goal.period_id == period.id,
                Goal.metric_id.is_not(None),
                Goal.target_kind == "absolute",
            )
        ):
            milestones.setdefault(goal.metric_id, goal)
    # A cadence metric nothing was ever recorded for has no readings yet, not a red "0".
    counted = _counted(
        session, workspace, [m for m in metrics if m.id in latest], period, today, now
    )
    views = [
        _view(m, latest.get(m.id), milestones.get(m.id), period, counted.get(m.id)) for m in metrics
    ]
    return [_automatic(session, workspace, m, v, now) for m, v in zip(metrics, views, strict=True)]


def _automatic(session, workspace, metric: Metric, view: MetricView, now) -> MetricView:
    """Team metrics (issue 20): which source measures it."""
    from bot.services.team_metrics import with_source

    return with_source(session, workspace, metric, view, now)


def _counted(session, workspace, metrics, period, today, now) -> dict[int, CadenceCount]:
    """Each cadence metric's occurrences in its window (this week for a daily one, the period
    so far for the others), in one query."""
    cadenced = {m.id: c for m in metrics if (c := cadence_of(m.cadence, m.text)) is not None}
    if not cadenced:
        return {}
    zone = ZoneInfo(workspace.timezone or "UTC")
    start, end, label = (
        (period.start_date, period.end_date, period.label) if period else (None, None, None)
    )
    windows = {i: cadence_window(c, today, start, end, label) for i, c in cadenced.items()}
    first = min(day for day, _, _ in windows.values()) - timedelta(days=1)
    rows = session.execute(
        select(MetricReading.metric_id, MetricReading.recorded_at, MetricReading.value).where(
            MetricReading.workspace_id == workspace.id,
            MetricReading.metric_id.in_(list(cadenced)),
            MetricReading.recorded_at >= datetime.combine(first, datetime.min.time(), zone),
            MetricReading.recorded_at <= now,
        )
    )
    points: dict[int, list] = {}
    for metric_id, at, value in rows:
        points.setdefault(metric_id, []).append((at, value))
    from bot.services.team_metrics import occurrence_points

    for m in metrics:
        if m.id in cadenced:
            points[m.id] = occurrence_points(session, workspace, m, points.get(m.id, []), now)
    names = {m.id: m.name for m in metrics}
    return {
        i: cadence_count(
            c,
            points.get(i, []),
            windows[i][0],
            windows[i][1],
            noun=occurrence_noun(names[i]),
            window=windows[i][2],
            zone=zone,
        )
        for i, c in cadenced.items()
    }


def _view(
    metric: Metric,
    reading: MetricReading | None,
    milestone: Goal | None,
    period=None,
    counted: CadenceCount | None = None,
) -> MetricView:
    target = (
        Target(metric.target, metric.comparator, metric.unit)
        if metric.target is not None and metric.comparator is not None
        else None
    )
    goal = None
    if milestone is not None and milestone.target_value is not None:
        goal = Target(
            milestone.target_value,
            milestone.target_comparator,
            milestone.target_unit or metric.unit,
        )
    value = reading.value if reading else None
    verdict = judge(value, target, goal, period.label if period is not None else None)
    on_target = verdict.met if verdict is not None else None
    if counted is not None:
        on_target = counted.met
    return MetricView(
        key=metric.key,
        name=metric.name,
        kind=metric.kind,
        target_text=metric.text or format_value(metric.target, metric.unit),
        unit=metric.unit,
        latest=value,
        latest_at=reading.recorded_at if reading else None,
        milestone=goal.text if goal is not None else None,
        on_target=on_target,
        verdict=verdict,
        cadence=counted,
        source=reading.source if reading else None,
        note=reading.note if reading else None,
    )


def find_metric(session: Session, workspace_id: int, name: str) -> Metric:
    """A metric by key, alias, or an unambiguous prefix of its name or of a word in it."""
    metrics = list(
        session.scalars(
            select(Metric).where(Metric.workspace_id == workspace_id, Metric.archived.is_(False))
        )
    )
    wanted = re.sub(r"[\s_]+", "-", name.strip().lower())
    words = wanted.replace("-", " ")
    for test in (
        lambda m: m.key == wanted or m.name.lower() == words,
        lambda m: wanted in (m.aliases or []) or words in (m.aliases or []),
        lambda m: m.key.startswith(wanted) or m.name.lower().startswith(words),
        lambda m: any(w.startswith(words) for w in m.name.lower().split()),
    ):
        found = [m for m in metrics if test(m)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(m.name for m in found)
            raise InvalidInput(f"'{name}' could be any of: {names}. Type a little more.")
    known = ", ".join(m.key for m in metrics) or "none yet"
    raise NotFound(f"There is no metric '{name}'. Metrics: {known}.")


def convert(value: float, given: str | None, wanted: str | None) -> float:
    """`value` in `given` units expressed in `wanted` units (time units convert)."""
    given = UNIT_SYNONYMS.get(given or "", given)
    wanted = UNIT_SYNONYMS.get(wanted or "", wanted)
    if not given or not wanted or given == wanted:
        return value
    if given in UNIT_FACTORS and wanted in UNIT_FACTORS:
        return value * UNIT_FACTORS[given][1] / UNIT_FACTORS[wanted][1]
    raise InvalidInput(f"This metric is measured in {wanted}, not {given}.")


def record_reading(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor | None,
    name: str,
    value: float,
    unit: str | None,
    at: datetime,
    source: str = "command",
    idempotency_key: str | None = None,
    note: str | None = None,
) -> ReadingResult:
    metric = find_metric(session, workspace.id, name)
    converted = round(convert(value, unit, metric.unit), 6)
    if not math.isfinite(converted):
        raise InvalidInput(f"{value:g} {unit or ''} is too large a value for {metric.name}.")
    if metric.unit == "%" and not 0 <= converted <= 100:
        raise InvalidInput(f"{metric.name} is a percentage: give a value from 0 to 100.")
    values = {
        "workspace_id": workspace.id,
        "metric_id": metric.id,
        "value": converted,
        "recorded_at": at,
        "user_id": actor.user_id if actor else None,
        "source": source,
        "idempotency_key": idempotency_key,
        "note": note,
    }
    if idempotency_key:
        recorded = insert_ignoring_conflicts(
            session, MetricReading, values, ["workspace_id", "idempotency_key"]
        )
    else:
        session.add(MetricReading(**values))
        recorded = True
    if recorded:
        session.add(
            AuditEntry(
                workspace_id=workspace.id,
                actor=actor.user_id if actor else source,
                action="metric.reading",
                target=metric.key,
                details={"value": converted},
            )
        )
    session.flush()
    return ReadingResult(
        metric=metric_view(session, workspace, metric, at), value=converted, recorded=recorded
    )


def metric_view(
    session: Session, workspace: Workspace, metric: Metric, now: datetime
) -> MetricView:
    """One metric's view in a few small queries (its latest reading, this period's goal for
    it, and for a cadence metric its readings in the window it is counted over), so recording
    a reading costs the same however long the history."""
    latest = session.scalar(
        select(MetricReading)
        .where(MetricReading.metric_id == metric.id, MetricReading.workspace_id == workspace.id)
        .order_by(MetricReading.recorded_at.desc(), MetricReading.id.desc())
        .limit(1)
    )
    period = current_period(periods_of(session, workspace.id), workspace_today(workspace, now))
    milestone = None
    if period is not None:
        milestone = session.scalar(
            select(Goal)
            .where(
                Goal.workspace_id == workspace.id,
                Goal.period_id == period.id,
                Goal.metric_id == metric.id,
                Goal.target_kind == "absolute",
            )
            .limit(1)
        )
    counted = _counted(session, workspace, [metric], period, workspace_today(workspace, now), now)
    view = _view(metric, latest, milestone, period, counted.get(metric.id))
    return _automatic(session, workspace, metric, view, now)


def add_metric(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    name: str,
    kind: str,
    target: float | None,
    comparator: str | None,
    unit: str | None,
    cadence: str | None = None,
) -> MetricView:
    require_admin(workspace, actor, "add metrics")
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("A metric needs a name.", field="name")
    if kind not in ("technical", "team"):
        raise InvalidInput("A metric's kind is technical or team.", field="kind")
    if (target is None) != (comparator is None):
        raise InvalidInput("Give both a comparator and a target, or neither.", field="target")
    key = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64] or "metric"
    if session.scalar(
        select(Metric.id).where(Metric.workspace_id == workspace.id, Metric.key == key)
    ):
        raise InvalidInput(f"There is already a metric called {name}.", field="name")
    position = session.scalar(
        select(func.coalesce(func.max(Metric.position), -1) + 1).where(
            Metric.workspace_id == workspace.id
        )
    )
    symbol = COMPARATOR_SYMBOLS.get(comparator or "", "")
    text = (
        f"{symbol}{format_value(target, unit)}" if target is not None else (cadence or "").title()
    )
    metric = Metric(
        workspace_id=workspace.id,
        key=key,
        name=name,
        aliases=[],
        kind=kind,
        text=text,
        target=target,
        comparator=comparator,
        unit=unit,
        cadence=cadence,
        typed=True,
        position=position,
    )
    session.add(metric)
    session.flush()
    return _view(metric, None, None)
