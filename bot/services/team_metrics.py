"""Readings the bot measures itself: which metric each source feeds, recording them once a day
(idempotently, never over a person's reading of the same day), and saying where a number
comes from.

Sources: `pulse` (the pulse survey, per round: bot.services.pulse), `roster` (growth plans),
`checkins` (innovation time), `goals` (partner teams), `rituals` (knowledge sharing held).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Date,
    Float,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from bot.services.measured_by import BOTS_OWN, first_measured_by
from bot.services.metric_values import (
    Cadence,
    CadenceCount,
    cadence_count,
    cadence_of,
    cadence_window,
)
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
from models.base import UTCDateTime, insert_ignoring_conflicts

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
        "the knowledge-sharing sessions marked held in the roadmap's period (and any "
        "recorded by hand, `/roadmap metric knowledge sharing 1`), against what the "
        "metric's cadence asks for up to today, or to the period's end once it ended."
    ),
}


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
    typed: float | None = None  # a person's reading of today, which stands over this one


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
    """Today's reading from `source`: one per day (recomputing updates it). `refresh` calls it
    only on a day no person entered a reading of this metric (`typed_today`)."""
    day = workspace_today(workspace, now)
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


def typed_today(
    session: Session, workspace: Workspace, metric: Metric, now: datetime
) -> float | None:
    """The newest reading a person (or a tool) entered for this metric today, which the bot's
    own measure leaves alone for the day; None when there is none."""
    day = workspace_today(workspace, now)
    start, end = start_of(day, workspace), start_of(day + timedelta(days=1), workspace)
    return session.scalar(
        select(MetricReading.value)
        .where(
            MetricReading.workspace_id == workspace.id,
            MetricReading.metric_id == metric.id,
            MetricReading.recorded_at >= start,
            MetricReading.recorded_at < end,
            # a ritual's "held" click is the bot's bookkeeping, not a person's number
            MetricReading.source.not_in((*AUTOMATIC_SOURCES, "ritual")),
        )
        .order_by(MetricReading.recorded_at.desc(), MetricReading.id.desc())
        .limit(1)
    )


def measured_now(
    session: Session, workspace: Workspace, metric: Metric, now: datetime
) -> AutoReading | None:
    """What the bot's own source says of `metric` now, for a person who just typed a reading
    of it (theirs stands for the day); None when people measure it."""
    source = automatic_source(metric)
    if source is None:
        return None
    value, note = measure(session, workspace, source, now)
    return AutoReading(metric.name, source, value, note, recorded=False)


def start_of(day: date, workspace: Workspace) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(workspace.timezone or "UTC"))


def _period(session: Session, workspace: Workspace, now: datetime) -> Period | None:
    return current_period(periods_of(session, workspace.id), workspace_today(workspace, now))


def share(part: int, whole: int) -> float:
    """A share of a few people or goals in whole percent ("15%", not "15.38%"): the note says
    the exact "2 of 13"."""
    return float(math.floor(part * 100 / whole + 0.5))  # half up: 1 of 8 is 13%


def measure(session: Session, workspace: Workspace, source: str, now: datetime):
    """(value, note) of a source right now, or (None, why not)."""
    if source == "roster":
        members = active_rows(session, workspace.id)
        if not members:
            return None, "the team roster is empty (`/roadmap team add`)"
        plans = sum(1 for m in members if m.growth_plan)
        return share(plans, len(members)), (
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
        return share(partnered, len(goal_ids)), (
            f"{partnered} of {plural(len(goal_ids), 'goal')} in {period.label} "
            f"{'has' if partnered == 1 else 'have'} a partner team"
        )
    if source == "rituals":
        counted = counted_sessions(
            session, workspace, metric_for(session, workspace.id, source), now
        )
        return counted.count, counted.text
    return None, f"{source} is measured per round"


MONTHLY = Cadence(1, "month", "monthly")


# The sessions a cadence metric counts, in one statement built once (every weekly digest
# reads it): the knowledge-sharing sessions marked held, one a day, and the readings people
# recorded themselves. Not the metric's other readings: the held clicks (one per held
# session, already counted) and the bot's daily running totals would count sessions twice.
_SESSIONS = union_all(
    select(
        RitualOccurrence.occurrence_date.label("day"),
        cast(null(), UTCDateTime()).label("at"),
        cast(literal(1.0), Float).label("value"),
    ).where(
        RitualOccurrence.workspace_id == bindparam("workspace"),
        RitualOccurrence.kind == literal(str(ScheduleKind.KNOWLEDGE_SHARING)),
        RitualOccurrence.state == literal("held"),
        RitualOccurrence.occurrence_date <= bindparam("today", type_=Date()),
    ),
    select(cast(null(), Date()), MetricReading.recorded_at, MetricReading.value).where(
        MetricReading.workspace_id == bindparam("workspace"),
        MetricReading.metric_id == bindparam("metric"),
        MetricReading.source.not_in([literal("ritual"), literal("rituals")]),
        MetricReading.recorded_at <= bindparam("now", type_=UTCDateTime()),
    ),
)


def session_points(
    session: Session | Connection, workspace: Workspace, metric: Metric | None, now: datetime
) -> list[tuple[datetime, float]]:
    """The knowledge-sharing sessions up to `now`: those marked held (each at the start of
    its day) and those people recorded themselves (`/roadmap metric knowledge-sharing 1`)."""
    rows = session.execute(
        _SESSIONS,
        {
            "workspace": workspace.id,
            "today": workspace_today(workspace, now),
            "metric": metric.id if metric is not None else None,
            "now": now,
        },
    )
    return sorted(
        (start_of(day, workspace), 1.0) if day is not None else (at, value)
        for day, at, value in rows
    )


def occurrence_points(
    session: Session, workspace: Workspace, metric: Metric, points, now: datetime
):
    """What a cadence metric counts: for the one the rituals source measures, the sessions
    (session_points); for any other, its readings."""
    if metric.measured_by != MeasuredBy.RITUALS or cadence_of(metric.cadence, metric.text) is None:
        return points
    return session_points(session, workspace, metric, now)


def counted_sessions(
    session: Session, workspace: Workspace, metric: Metric | None, now: datetime
) -> CadenceCount | None:
    """The sessions in the roadmap's period against what the metric's cadence (monthly
    when it names none) asks, in the window every other count of a cadence uses."""
    period = _period(session, workspace, now)
    if period is None:
        return None
    cadence = (cadence_of(metric.cadence, metric.text) if metric else None) or MONTHLY
    today = workspace_today(workspace, now)
    first, last, words = cadence_window(
        cadence, today, period.start_date, period.end_date, period.label
    )
    return cadence_count(
        cadence,
        session_points(session, workspace, metric, now),
        first,
        last,
        noun="session",
        window=words,
        zone=ZoneInfo(workspace.timezone or "UTC"),
    )


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
        typed = typed_today(session, workspace, metric, now) if value is not None else None
        recorded = False
        if value is not None and typed is None:
            recorded = record_automatic(
                session, workspace, metric, source=source, value=value, note=note, now=now
            )
        done.append(AutoReading(metric.name, source, value, note, recorded, typed))
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
    comes from its cadence ("2 sessions so far in Q1 2025, monthly asks 2")."""
    from dataclasses import replace

    if metric.measured_by != MeasuredBy.MANUAL:
        view = replace(view, measured_by=metric.measured_by)
    source = automatic_source(metric)
    if source != "rituals" or metric.target is not None:
        return view
    counted = view.cadence or counted_sessions(session, workspace, metric, now)
    if counted is None:
        return view
    return replace(
        view,
        latest=float(counted.count),
        on_target=counted.met,
        cadence=counted,
        source="rituals",
        note=None,  # the count says it: a stored note would be the count of another day
    )
