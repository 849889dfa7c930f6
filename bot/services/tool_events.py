"""Deploys and incidents reported by the team's tools, and the metrics they make.

A deploy becomes one occurrence (a reading of 1) of the deployment-frequency metric, whose
verdict the digests count per its cadence (bot.services.metric_values). An incident that
resolves recomputes the mean time to recovery over the period (the roadmap's current period,
else the last 90 days): the mean becomes the recovery metric's reading, in its own unit, with
the median and the number of incidents in the reading's note. Every event is unique by the
key its tool gives it, so a re-sent webhook records nothing twice.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import metrics
from bot.services.periods import current_period, periods_of, workspace_today
from bot.wording import day_text
from models import AuditEntry, MeasuredBy, Metric, ToolEvent, ToolEventKind, Workspace
from models.base import insert_ignoring_conflicts
from models.metric import DEPLOY_WORDS, RECOVERY_WORDS

FALLBACK_WINDOW = timedelta(days=90)
MAX_KEY = 255


@dataclass(frozen=True)
class EventResult:
    """What one reported event did: `recorded` False for a repeat; `reading` is the value
    recorded on the metric (None: no metric, or nothing to record yet)."""

    recorded: bool
    kind: str
    key: str
    metric: str | None = None
    reading: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class Recovery:
    """Mean time to recovery over a window, in seconds."""

    incidents: int
    mean: float
    median: float
    since: datetime


def _tools_metric(session: Session, workspace_id: int, words: re.Pattern[str]) -> Metric | None:
    """The first active metric measured by the tools whose name says what it counts."""
    metrics = session.scalars(
        select(Metric)
        .where(
            Metric.workspace_id == workspace_id,
            Metric.archived.is_(False),
            Metric.measured_by == MeasuredBy.TOOLS,
        )
        .order_by(Metric.position, Metric.id)
    )
    return next(
        (m for m in metrics if words.search(" ".join([m.key, m.name, *(m.aliases or [])]))),
        None,
    )


def deploy_metric(session: Session, workspace_id: int) -> Metric | None:
    """The deployment-frequency metric: measured by the tools, named for deploys."""
    return _tools_metric(session, workspace_id, DEPLOY_WORDS)


def recovery_metric(session: Session, workspace_id: int) -> Metric | None:
    """The mean-time-to-recovery metric: measured by the tools, named MTTR, recovery…"""
    return _tools_metric(session, workspace_id, RECOVERY_WORDS)


def _insert(session: Session, workspace: Workspace, values: dict) -> bool:
    return insert_ignoring_conflicts(
        session,
        ToolEvent,
        {"workspace_id": workspace.id, "resolved_at": None, "environment": None, **values},
        ["workspace_id", "kind", "key"],
    )


def record_deploy(
    session: Session,
    workspace: Workspace,
    *,
    source: str,
    key: str,
    at: datetime,
    environment: str | None = None,
    details: dict | None = None,
    now: datetime,
) -> EventResult:
    """One deploy, once: the deployment-frequency metric gets one occurrence."""
    key = key[:MAX_KEY]
    inserted = _insert(
        session,
        workspace,
        {
            "kind": ToolEventKind.DEPLOY,
            "source": source,
            "key": key,
            "started_at": at,
            "environment": environment,
            "details": details or {},
            "created_at": now,
        },
    )
    if not inserted:
        return EventResult(False, ToolEventKind.DEPLOY, key)
    metric = deploy_metric(session, workspace.id)
    if metric is None:
        return EventResult(True, ToolEventKind.DEPLOY, key)
    metrics.record_reading(
        session=session,
        workspace=workspace,
        actor=None,
        name=metric.key,
        value=1,
        unit=None,
        at=at,
        source=source,
        idempotency_key=f"deploy:{source}:{key}"[:MAX_KEY],
        note=f"deploy to {environment}" if environment else "deploy",
    )
    return EventResult(True, ToolEventKind.DEPLOY, key, metric=metric.key, reading=1)


def open_incident(
    session: Session,
    workspace: Workspace,
    *,
    source: str,
    key: str,
    at: datetime,
    details: dict | None = None,
    now: datetime,
) -> EventResult:
    """An incident began (a firing alert); a repeat changes nothing."""
    key = key[:MAX_KEY]
    inserted = _insert(
        session,
        workspace,
        {
            "kind": ToolEventKind.INCIDENT,
            "source": source,
            "key": key,
            "started_at": at,
            "details": details or {},
            "created_at": now,
        },
    )
    return EventResult(inserted, ToolEventKind.INCIDENT, key)


def find_incident(session: Session, workspace: Workspace, key: str) -> ToolEvent | None:
    return session.scalar(
        select(ToolEvent).where(
            ToolEvent.workspace_id == workspace.id,
            ToolEvent.kind == ToolEventKind.INCIDENT,
            ToolEvent.key == key[:MAX_KEY],
        )
    )


def resolve_incident(
    session: Session,
    workspace: Workspace,
    *,
    source: str,
    key: str,
    started_at: datetime | None,
    resolved_at: datetime,
    details: dict | None = None,
    now: datetime,
) -> EventResult | None:
    """An incident ended: recorded once, then the recovery metric is recomputed. An incident
    never seen opening is opened at `started_at`; without one, None (nothing to measure)."""
    key = key[:MAX_KEY]
    incident = find_incident(session, workspace, key)
    if incident is None:
        if started_at is None:
            return None
        open_incident(
            session, workspace, source=source, key=key, at=started_at, details=details, now=now
        )
        incident = find_incident(session, workspace, key)
    if incident.resolved_at is not None:
        return EventResult(False, ToolEventKind.INCIDENT, key)
    incident.resolved_at = max(resolved_at, incident.started_at)
    session.add(
        AuditEntry(
            workspace_id=workspace.id,
            actor=source,
            action="incident.resolved",
            target=key[:64],
            details={"minutes": round(_seconds(incident) / 60, 1)},
        )
    )
    session.flush()
    metric = recovery_metric(session, workspace.id)
    # As of the latest resolution known: one that arrives late (Alertmanager batches and
    # retries) joins the mean instead of making an older, partial one the newest reading.
    as_of = max(
        incident.resolved_at,
        session.scalar(
            select(func.max(ToolEvent.resolved_at)).where(
                ToolEvent.workspace_id == workspace.id,
                ToolEvent.kind == ToolEventKind.INCIDENT,
            )
        )
        or incident.resolved_at,
    )
    recovery = recovery_over_period(session, workspace, as_of)
    if metric is None or recovery is None:
        return EventResult(True, ToolEventKind.INCIDENT, key)
    value, unit = _in_unit(recovery.mean, metric.unit)
    note = recovery_note(recovery)
    result = metrics.record_reading(
        session=session,
        workspace=workspace,
        actor=None,
        name=metric.key,
        value=value,
        unit=unit,
        at=as_of,
        source=source,
        idempotency_key=f"mttr:{incident.id}",
        note=note,
    )
    return EventResult(
        True, ToolEventKind.INCIDENT, key, metric=metric.key, reading=result.value, note=note
    )


def _seconds(incident: ToolEvent) -> float:
    return (incident.resolved_at - incident.started_at).total_seconds()


def _in_unit(seconds: float, unit: str | None) -> tuple[float, str]:
    """`seconds` as (value, unit) for record_reading: a time unit converts; a metric without
    one is measured in hours."""
    canonical = metrics.UNIT_SYNONYMS.get(unit or "", unit)
    if canonical in metrics.UNIT_FACTORS:
        return seconds, "seconds"
    return seconds / 3600, "hours" if unit is None else unit


def recovery_window_start(session: Session, workspace: Workspace, now: datetime) -> datetime:
    """The start of the roadmap's current period (the workspace's midnight), else 90 days ago."""
    period = current_period(periods_of(session, workspace.id), workspace_today(workspace, now))
    if period is None:
        return now - FALLBACK_WINDOW
    try:
        zone = ZoneInfo(workspace.timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.combine(period.start_date, time(0), zone)


def recovery_over_period(session: Session, workspace: Workspace, now: datetime) -> Recovery | None:
    """Mean and median time to recovery of the incidents resolved in the period so far."""
    since = recovery_window_start(session, workspace, now)
    incidents = list(
        session.scalars(
            select(ToolEvent).where(
                ToolEvent.workspace_id == workspace.id,
                ToolEvent.kind == ToolEventKind.INCIDENT,
                ToolEvent.resolved_at.is_not(None),
                ToolEvent.resolved_at >= since,
                ToolEvent.resolved_at <= now,
            )
        )
    )
    if not incidents:
        return None
    durations = [_seconds(i) for i in incidents]
    return Recovery(
        len(durations), statistics.fmean(durations), statistics.median(durations), since
    )


def duration_text(seconds: float) -> str:
    """ "45 minutes", "1.5 hours", "2 days"."""
    for size, name in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size * (2 if name == "day" else 1) or name == "minute":
            amount = round(seconds / size, 1)
            text = f"{amount:g}"
            return f"{text} {name}{'' if text == '1' else 's'}"
    return f"{seconds:g} seconds"  # pragma: no cover - the loop always returns


def recovery_note(recovery: Recovery) -> str:
    """ "mean of 3 incidents since 1 Jan (median 40 minutes)"."""
    count = recovery.incidents
    return (
        f"mean of {count} incident{'' if count == 1 else 's'} since "
        f"{day_text(recovery.since, weekday=False)} (median {duration_text(recovery.median)})"
    )
