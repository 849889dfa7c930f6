"""Readings the bot measures itself: which metric each source feeds, recording them once a day
(idempotently, never over a person's reading of the same day), and saying where a number
comes from.

Sources: `pulse` (the pulse survey, per round: bot.services.pulse), `roster` (growth plans),
`checkins` (innovation time), `goals` (partner teams), `rituals` (knowledge sharing held).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services.measured_by import BOTS_OWN, first_measured_by
from bot.services.periods import current_period, periods_of, workspace_today
from bot.services.team import active_rows
from bot.wording import plural
from models import (
    Goal,
    GoalPartner,
    InnovationAnswer,
    MeasuredBy,
    Metric,
    MetricReading,
    Period,
    RitualOccurrence,
    ScheduleKind,
    Workspace,
)
from models.base import insert_ignoring_conflicts

AUTOMATIC_SOURCES = tuple(str(s) for s in BOTS_OWN)
EXPLAINED = {
    "pulse": (
        "the monthly pulse survey: each person on the team roster is asked in a DM, at the "
        "survey's time in their own time zone, and answers 1–5, anonymously. When a round "
        "closes (3 days after the last person was asked, or when everyone answered) its mean "
        "is recorded, but only when at least {min} people answered."
    ),
    "roster": (
        "the team roster: the share of members with a written growth plan "
        "(`/roadmap team plan yes`), recomputed when a plan or the roster changes and daily."
    ),
    "checkins": (
        "the weekly check-in's optional question \"About how much of your time went to "
        'innovation last week?" (asked as the week opens, about the week that ended): the '
        "mean of the answered weeks this period."
    ),
    "goals": (
        "the goals: the share of this period's goals worked on with at least one partner "
        "team (`/roadmap edit G12 with @platform-team`)."
    ),
    "rituals": (
        "knowledge-sharing sessions marked held this period, against the cadence the "
        "metric asks for."
    ),
}
_CADENCE_DAYS = {"weekly": 7, "biweekly": 14, "monthly": None, "quarterly": None}


def automatic_source(metric: Metric) -> str | None:
    """The bot's own source that measures this metric (stored on it), or None."""
    return metric.measured_by if metric.measured_by in AUTOMATIC_SOURCES else None


def metric_for(session: Session, workspace_id: int, source: str) -> Metric | None:
    return first_measured_by(session, workspace_id, source)


def has_metric(session: Session, workspace_id: int, source: str) -> bool:
    return metric_for(session, workspace_id, source) is not None


@dataclass(frozen=True)
class AutoReading:
    metric: str
    source: str
    value: float | None
    note: str
    recorded: bool  # False: nothing to measure, unchanged, or a person's reading stands


def record_automatic(
    session: Session,
    workspace: Workspace,
    metric: Metric,
    *,
    source: str,
    value: float,
    note: str,
    now: datetime,
) -> bool:
    """Today's reading from `source`: one per day (recomputing updates it), and none on a day
    a person entered a reading of this metric themselves."""
    day = workspace_today(workspace, now)
    start, end = start_of(day, workspace), start_of(day + timedelta(days=1), workspace)
    personal = session.scalar(
        select(func.count(MetricReading.id)).where(
            MetricReading.workspace_id == workspace.id,
            MetricReading.metric_id == metric.id,
            MetricReading.recorded_at >= start,
            MetricReading.recorded_at < end,
            # a ritual's "held" click is the bot's bookkeeping, not a person's number
            MetricReading.source.not_in((*AUTOMATIC_SOURCES, "ritual")),
        )
    )
    if personal:
        return False
    key = f"auto:{source}:{metric.id}:{day.isoformat()}"
    value = round(value, 4)
    values = {
        "workspace_id": workspace.id,
        "metric_id": metric.id,
        "value": value,
        "recorded_at": now,
        "user_id": None,
        "source": source,
        "note": note,
        "idempotency_key": key,
    }
    if insert_ignoring_conflicts(
        session, MetricReading, values, ["workspace_id", "idempotency_key"]
    ):
        return True
    reading = session.scalar(
        select(MetricReading).where(
            MetricReading.workspace_id == workspace.id, MetricReading.idempotency_key == key
        )
    )
    if reading.value == value and reading.note == note:
        return False
    reading.value, reading.note, reading.recorded_at = value, note, now
    session.flush()
    return True


def start_of(day: date, workspace: Workspace) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(workspace.timezone or "UTC"))


def _period(session: Session, workspace: Workspace, now: datetime) -> Period | None:
    return current_period(periods_of(session, workspace.id), workspace_today(workspace, now))


def measure(session: Session, workspace: Workspace, source: str, now: datetime):
    """(value, note) of a source right now, or (None, why not)."""
    if source == "roster":
        members = active_rows(session, workspace.id)
        if not members:
            return None, "the team roster is empty (`/roadmap team add`)"
        plans = sum(1 for m in members if m.growth_plan)
        return plans * 100 / len(members), (
            f"{plans} of {plural(len(members), 'team member')} "
            f"{'has' if plans == 1 else 'have'} a growth plan"
        )
    period = _period(session, workspace, now)
    if period is None:
        return None, "the roadmap has no period"
    if source == "checkins":
        rows = session.execute(
            select(InnovationAnswer.percent, InnovationAnswer.week_start).where(
                InnovationAnswer.workspace_id == workspace.id,
                InnovationAnswer.week_start >= period.start_date - timedelta(days=6),
                InnovationAnswer.week_start <= period.end_date,
            )
        ).all()
        if not rows:
            return None, f"nobody answered the innovation question in {period.label} yet"
        weeks = len({w for _, w in rows})
        mean = sum(p for p, _ in rows) / len(rows)
        return mean, (
            f"mean of {plural(len(rows), 'answer')} over {plural(weeks, 'week')} in {period.label}"
        )
    if source == "goals":
        goal_ids = list(
            session.scalars(
                select(Goal.id).where(
                    Goal.workspace_id == workspace.id,
                    Goal.period_id == period.id,
                    Goal.archived.is_(False),
                )
            )
        )
        if not goal_ids:
            return None, f"{period.label} has no goals"
        partnered = session.scalar(
            select(func.count(func.distinct(GoalPartner.goal_id))).where(
                GoalPartner.goal_id.in_(goal_ids)
            )
        )
        return partnered * 100 / len(goal_ids), (
            f"{partnered} of {plural(len(goal_ids), 'goal')} in {period.label} have a partner team"
        )
    if source == "rituals":
        held, asked, _ = sessions_held(session, workspace, period, now)
        metric = metric_for(session, workspace.id, "rituals")
        cadence = (metric.cadence if metric else None) or "monthly"
        return held, f"{plural(held, 'session')} in {period.label}, {cadence} asks {asked}"
    return None, f"{source} is measured per round"


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def sessions_held(
    session: Session, workspace: Workspace, period: Period, now: datetime
) -> tuple[int, int, int]:
    """Knowledge-sharing sessions held in the period, how many its cadence asks for the
    whole period, and how many by now."""
    held = session.scalar(
        select(func.count(RitualOccurrence.id)).where(
            RitualOccurrence.workspace_id == workspace.id,
            RitualOccurrence.kind == ScheduleKind.KNOWLEDGE_SHARING,
            RitualOccurrence.state == "held",
            RitualOccurrence.occurrence_date >= period.start_date,
            RitualOccurrence.occurrence_date <= period.end_date,
        )
    )
    metric = metric_for(session, workspace.id, "rituals")
    cadence = (metric.cadence if metric else None) or "monthly"
    today = min(workspace_today(workspace, now), period.end_date)
    if cadence == "quarterly":
        asked, due = max(1, _months(period.start_date, period.end_date) // 3), 1
    elif _CADENCE_DAYS.get(cadence):
        step = _CADENCE_DAYS[cadence]
        asked = ((period.end_date - period.start_date).days + 1) // step
        due = ((today - period.start_date).days + 1) // step
    else:  # monthly
        asked = _months(period.start_date, period.end_date)
        due = _months(period.start_date, today) - (0 if today.day >= 28 else 1)
    return held or 0, asked, max(due, 0)


def refresh(
    session: Session,
    workspace: Workspace,
    now: datetime,
    sources=("roster", "checkins", "goals", "rituals"),
) -> list[AutoReading]:
    """Recompute the automatic readings of these sources (a metric each feeds, if any)."""
    done = []
    for source in sources:
        metric = metric_for(session, workspace.id, source)
        if metric is None:
            continue
        value, note = measure(session, workspace, source, now)
        recorded = False
        if value is not None:
            recorded = record_automatic(
                session, workspace, metric, source=source, value=value, note=note, now=now
            )
        done.append(AutoReading(metric.name, source, value, note, recorded))
    return done


PULSE_RULE = "first monday of the month 11:00"
REFRESH_RULE = "every day 06:00"


def ensure_team_schedules(*, session: Session, workspace: Workspace, now: datetime) -> list[str]:
    """The pulse survey once the roadmap has a satisfaction metric, and the daily refresh of
    the automatic readings once any metric is measured by the bot or the team has a roster.
    Added once: a schedule deleted afterwards is not brought back by this."""
    from bot.services.schedules import add_schedule
    from models import Schedule

    present = set(
        session.scalars(select(Schedule.kind).where(Schedule.workspace_id == workspace.id))
    )
    done = set((workspace.settings or {}).get("team_schedules_added") or [])
    wanted = []
    if has_metric(session, workspace.id, "pulse"):
        wanted.append((ScheduleKind.PULSE, PULSE_RULE))
    if any(has_metric(session, workspace.id, s) for s in AUTOMATIC_SOURCES) or active_rows(
        session, workspace.id
    ):
        wanted.append((ScheduleKind.TEAM_METRICS, REFRESH_RULE))
    added = []
    for kind, rule in wanted:
        if kind in present or kind in done:
            continue
        add_schedule(
            session=session,
            workspace=workspace,
            actor=None,
            now=now,
            kind=kind,
            rule=rule,
            source="default",
        )
        added.append(str(kind))
    if added:
        workspace.settings = {
            **(workspace.settings or {}),
            "team_schedules_added": sorted(done | set(added)),
        }
    return added


def with_source(session: Session, workspace: Workspace, metric: Metric, view, now: datetime):
    """A MetricView with the source that measures it; a knowledge-sharing metric's verdict
    comes from its cadence ("2 sessions in Q1, monthly asks 3")."""
    from dataclasses import replace

    if metric.measured_by != MeasuredBy.MANUAL:
        view = replace(view, measured_by=metric.measured_by)
    source = automatic_source(metric)
    if source != "rituals" or metric.target is not None:
        return view
    period = _period(session, workspace, now)
    if period is None:
        return view
    held, asked, due = sessions_held(session, workspace, period, now)
    cadence = metric.cadence or "monthly"
    verdict = None if due == 0 and held == 0 else held >= due
    return replace(
        view,
        latest=float(held),
        on_target=verdict,
        cadence=None,  # the sessions held in the roadmap's period, not a window up to today
        source="rituals",
        note=f"{plural(held, 'session')} in {period.label}, {cadence} asks {asked}",
    )
