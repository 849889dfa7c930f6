"""The weekly digest: where the period stands, what changed, what needs help, what's next."""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bot.services.checkins import cycle_monday, cycle_of, previous_cycle
from bot.services.digests import audit, readings
from bot.services.digests import queries as q
from bot.services.digests.common import (
    as_of,
    category_summaries,
    first,
    item,
    metric_target,
    milestones,
    progress_of,
    snapshot,
    start_of,
    status_of,
)
from bot.services.digests.forecast import forecast
from bot.services.digests.model import (
    ATTENTION_STATUSES,
    Attention,
    Changes,
    CheckinSummary,
    ComingUp,
    GoalItem,
    MetricSeries,
    MetricStatus,
    Overview,
    ProgressMove,
    ReadingChange,
    ScheduledRitual,
    StatusChange,
    UpcomingOccurrence,
    WeeklyDigest,
)
from bot.services.digests.rituals import rituals
from bot.services.metric_values import occurrences
from bot.services.metrics import (
    cadence_count,
    cadence_of,
    cadence_window,
    judge,
    occurrence_noun,
)
from bot.services.people import is_user_id
from bot.services.periods import current_period, workspace_today
from bot.services.schedule_rules.errors import RuleError
from bot.services.schedules import next_runs
from bot.services.settings import setting
from bot.services.team_metrics import occurrence_points
from models import GOAL_STATUSES, GoalStatus, ScheduleKind, Workspace

log = logging.getLogger(__name__)
FORECAST_FALLBACK_READINGS = 10


def weekly_digest(
    *, session: Session, workspace: Workspace, now: datetime, since: datetime | None = None
) -> WeeklyDigest:
    """The digest of the current period as of `now`: every part reads the same instant (goals
    as they stood then, answers, readings and audit entries up to then) in one snapshot;
    changes since `since` (default: since the previous weekly digest was due, else a week).
    Runs the same fixed number of queries however big the roadmap is."""
    db = snapshot(session)
    if since is None:  # since the last weekly digest sent (within five weeks), else a week
        since = q.previous_digest_at(
            db, workspace.id, ScheduleKind.WEEKLY_DIGEST, now, now - timedelta(days=35)
        ) or now - timedelta(days=7)
    today = workspace_today(workspace, now)
    lookups = q.lookups(db, workspace.id)
    periods, categories = lookups.periods, lookups.categories
    period = current_period(periods, today)
    labels = {p.id: p.label for p in periods}
    goals = q.goals(
        db,
        "weekly",
        workspace=workspace.id,
        period=period.id if period is not None else None,
        until=now,
    )
    log_ = audit.weekly(db, workspace.id, since, now)
    # One period: every count and list is about the period's goals only (a goal of another
    # period that changed this week is not its news; one moved here after `now` is not yet).
    rows = [
        r
        for r in as_of(goals.rows, log_.rewritten)
        if period is not None and r.period_id == period.id
    ]

    def as_item(row: q.GoalRow) -> GoalItem:
        return item(row, goals.owners, categories, labels, goals.notes.get(row.id))

    checkins, attention = _checkins_and_attention(db, workspace, now, period, rows, as_item)
    changes = _changes(log_, since, now, rows, as_item)
    metrics, readings, series = _metrics(db, workspace, now, since, period, rows)
    return WeeklyDigest(
        workspace_name=workspace.name,
        now=now,
        today=today,
        overview=_overview(period, today, rows, categories),
        checkins=checkins,
        changes=replace(changes, readings=readings),
        attention=attention,
        metrics=metrics,
        coming_up=_coming_up(db, workspace, now, today),
        series=series,
        people=lookups.people,
        mentions=setting(workspace, "mentions") == "on",
        images=setting(workspace, "digest_images") == "on",
        timezone=workspace.timezone or "UTC",
        period_start=start_of(period.start_date, workspace) if period is not None else None,
    )


def _overview(
    period: q.PeriodRow | None, today: date, rows: list[q.GoalRow], categories: dict[int, str]
) -> Overview:
    if period is None:
        return Overview(period=None)
    weeks = math.ceil(((period.end_date - period.start_date).days + 1) / 7)
    elapsed = (today - period.start_date).days
    week = 0 if elapsed < 0 else min(weeks, elapsed // 7 + 1)
    by_status = {status: 0 for status in GOAL_STATUSES}
    for row in rows:
        by_status[row.status] = by_status.get(row.status, 0) + 1
    return Overview(
        period=period.label,
        start=period.start_date,
        end=period.end_date,
        week=week,
        weeks=weeks,
        goals=len(rows),
        done=by_status[GoalStatus.DONE],
        progress=round(sum(r.progress for r in rows) / len(rows)) if rows else 0,
        by_status=by_status,
        categories=category_summaries(rows, categories),
    )


def _checkins_and_attention(db, workspace, now, period, current, as_item):
    """Completion of the last cycle (this week's once it has started, else last week's) and the
    goals needing help: the period's goals that are blocked, off track or at risk now, and
    those silent for two cycles. Only the period's weeks count: in its first week, last week's
    answers were about another period's goals."""
    this = cycle_of(workspace, now)
    cycles = [this, previous_cycle(this), previous_cycle(previous_cycle(this))]
    answered, prompted = q.answers_and_prompts(db, workspace.id, cycles, now)
    ids = {r.id for r in current}
    answered = {cycle: goals & ids for cycle, goals in answered.items()}
    started = bool(answered[this]) or this in prompted
    cycle, earlier = (cycles[0], cycles[1]) if started else (cycles[1], cycles[2])
    if not _of_period(cycle, period):  # last week was before the period: this week's cycle
        cycle, earlier = cycles[0], cycles[1]
    ours = {c for c in (cycle, earlier) if _of_period(c, period)}
    active = any(answered[c] for c in ours) or bool(prompted & ours)
    open_rows = [r for r in current if r.status != GoalStatus.DONE or r.id in answered[cycle]]
    missing = [as_item(r) for r in open_rows if r.id not in answered[cycle]]
    people = tuple(dict.fromkeys(o for g in missing for o in g.owners))
    # Completion counts people, as the check-in asks them: everyone owning an open goal.
    owners = {o for r in open_rows for o in as_item(r).owners if is_user_id(o)}
    summary = CheckinSummary(
        cycle=cycle,
        checked_in=len(open_rows) - len(missing),
        total=len(open_rows),
        missing=missing,
        missing_people=people,
        active=active,
        people=len(owners),
        people_done=len(owners - set(people)),
    )
    year, week = earlier.split("-W")
    opened = start_of(date.fromisocalendar(int(year), int(week), 1), workspace)
    silent = []
    if active and earlier in ours:
        silent = [
            as_item(r)
            for r in current
            if r.status != GoalStatus.DONE
            and r.created_at < opened
            and r.id not in answered[cycle] | answered[earlier]
        ]
    severity = {status: i for i, status in enumerate(ATTENTION_STATUSES)}
    needing = sorted(
        (r for r in current if r.status in severity), key=lambda r: (severity[r.status], r.number)
    )
    attention = Attention(
        goals=[as_item(r) for r in needing], silent=silent, cycles=(earlier, cycle)
    )
    return summary, attention


def _of_period(cycle: str, period: q.PeriodRow | None) -> bool:
    """Whether the week `cycle` names has a day of `period`."""
    if period is None:
        return False
    monday = cycle_monday(cycle)
    return period.start_date - timedelta(days=6) <= monday <= period.end_date


def _changes(log_: audit.WeeklyAudit, since, now, rows, as_item) -> Changes:
    """What the audit log says happened in (since, now], against what it said before."""
    window, history = log_.window, log_.history
    by_ref = {r.ref: r for r in rows}
    events: dict[str, list[q.AuditRow]] = {}
    for entry in window:
        events.setdefault(entry.target or "", []).append(entry)
    added = {e.target for e in window if e.action == "goal.add"}
    completed, statuses, moves, new = [], [], [], []
    for ref in sorted(events, key=lambda r: (len(r), r)):
        row = by_ref.get(ref)
        if row is None:
            continue
        if ref in added:
            new.append(as_item(row))
            continue
        before = history.get(ref, [])
        before_status, before_progress = first(before, status_of), first(before, progress_of)
        status_events = [e for e in events[ref] if status_of(e) is not None]
        progress_events = [e for e in events[ref] if progress_of(e) is not None]
        if (
            row.status == GoalStatus.DONE
            and before_status != GoalStatus.DONE
            and (status_events or progress_events)
        ):
            completed.append(as_item(row))
            continue
        if status_events and row.status != before_status:
            statuses.append(StatusChange(as_item(row), before_status, row.status))
        if progress_events and row.progress != before_progress:
            moves.append(ProgressMove(as_item(row), before_progress, row.progress))
    checked = {e.target for e in window if e.action == "checkin" and e.target in by_ref}
    return Changes(
        since=since,
        until=now,
        completed=completed,
        status_changes=statuses,
        progress_moves=moves,
        new_goals=new,
        readings=[],  # from the readings themselves, which _metrics loads
        checkins=len(checked),
    )


def _metrics(db, workspace, now, since, period, rows):
    """Each metric's status and forecast, and the readings recorded in the window."""
    metrics = q.active_metrics(db, workspace.id)
    period_start = start_of(period.start_date, workspace) if period is not None else now
    today = workspace_today(workspace, now)
    week_monday = start_of(today - timedelta(days=today.weekday()), workspace)
    found = readings.weekly(
        db,
        workspace.id,
        start=min(period_start, since, week_monday),
        until=now,
        keep=FORECAST_FALLBACK_READINGS,
        week_cut=now - timedelta(days=7),
        since=since,
    )
    series, week_ago, opened, sources = found.series, found.week_ago, found.opened, found.sources
    goals = milestones(rows, period.id if period is not None else None)
    views, changes, charts = [], [], []
    for metric in metrics:
        recorded = series.get(metric.id, [])
        points = occurrence_points(db, workspace, metric, recorded, now)
        # A metric with readings is measured even when nothing happened yet (the rituals
        # source records its count daily): a real 0, as /roadmap metrics says.
        view = _metric_status(
            metric, points, week_ago, goals, period, period_start, now, workspace, bool(recorded)
        )
        source, note = sources.get(metric.id, (None, None))
        view = replace(view, source=source, source_note=note)
        views.append(view)
        period_points = tuple(p for p in points if p[0] >= period_start)
        if period_points:
            charts.append(
                MetricSeries(
                    key=metric.key,
                    name=metric.name,
                    unit=metric.unit,
                    points=period_points,
                    target=view.target.value if view.target else None,
                    milestone=view.milestone.value if view.milestone else None,
                    comparator=view.target.comparator if view.target else None,
                    milestone_comparator=view.milestone.comparator if view.milestone else None,
                    period=period.label if period is not None else None,
                    cadence=view.cadence,
                )
            )
        fresh = [value for at, value in points if since < at <= now]
        before = opened.get(metric.id, (None, None))[1]
        if view.cadence is not None:  # each event is news; a recorded 0 is not
            news = sum(1 for value in fresh if value > 0)
        else:
            news = changed(before, fresh)
        if news:
            counted = occurrences(fresh) if view.cadence is not None else None
            changes.append(
                ReadingChange(
                    metric.key,
                    metric.name,
                    metric.unit,
                    news,
                    before,
                    fresh[-1],
                    occurrences=counted,
                    noun=occurrence_noun(metric.name),
                )
            )
    return views, changes, charts


def _bounds(period) -> tuple:
    return period.start_date, period.end_date, period.label


def changed(before: float | None, values: list[float]) -> int:
    """How many of `values` (oldest first) changed the metric's value: a daily recompute that
    records the same number again is not news."""
    count = 0
    for value in values:
        count += value != before
        before = value
    return count


def _metric_status(
    metric: q.MetricRow,
    points,
    week_ago,
    goals,
    period,
    period_start,
    now,
    workspace,
    measured=False,
) -> MetricStatus:
    target = metric_target(metric)
    milestone = goals.get(metric.id)
    if milestone is not None and milestone.unit is None:
        milestone = replace(milestone, unit=metric.unit)
    latest_at, latest = points[-1] if points else (None, None)
    cadence = cadence_of(metric.cadence, metric.text)
    counted = None
    if cadence is not None and (points or measured):  # never recorded: no readings, not a "0"
        today = workspace_today(workspace, now)
        first_day, last_day, window = cadence_window(
            cadence, today, *(_bounds(period) if period is not None else (None, None, None))
        )
        counted = cadence_count(
            cadence,
            points,
            first_day,
            last_day,
            noun=occurrence_noun(metric.name),
            window=window,
            zone=ZoneInfo(workspace.timezone or "UTC"),
        )
    verdict = (
        None
        if cadence is not None
        else judge(latest, target, milestone, period.label if period is not None else None)
    )
    view = MetricStatus(
        key=metric.key,
        name=metric.name,
        unit=metric.unit,
        target_text=metric.text or (target.text if target else ""),
        target=target,
        milestone=milestone,
        latest=latest,
        latest_at=latest_at,
        week_ago=week_ago.get(metric.id, (None, None))[1],
        on_target=counted.met if counted is not None else verdict.met if verdict else None,
        verdict=verdict,
        cadence=counted,
        stale=latest_at is not None and latest_at < period_start,
    )
    if latest is None or verdict is None:
        return view
    goal, kind = verdict.goal, verdict.kind
    if verdict.met and kind == "milestone" and target is not None:
        goal, kind = target, "target"  # the milestone is in hand: aim at the final target
    used = [p for p in points if p[0] >= period_start]
    if len(used) < 3:
        used = points[-FORECAST_FALLBACK_READINGS:]
    end = period.end_date if period is not None else None
    outlook = forecast(
        used,
        goal,
        kind,
        now=now,
        period_end=end,
        timezone=workspace.timezone,
        recent=view.change,
    )
    return replace(view, forecast=outlook)


def _coming_up(db: Connection, workspace: Workspace, now: datetime, today: date) -> ComingUp:
    """The next occurrence of each ritual after `now`: the planned session (with presenter
    and topic) when there is one, else the date its schedule gives."""
    schedules, planned = rituals(db, workspace.id, today)
    zone = ZoneInfo(workspace.timezone or "UTC")

    def upcoming(kind: str) -> UpcomingOccurrence | None:
        found = planned.get(kind)
        mine = [s for s in schedules if s.kind == kind]
        runs = []
        for schedule in mine:
            if schedule.enabled:
                try:
                    runs += next_runs(schedule, workspace, now, count=1)
                except RuleError:  # an unreadable rule has no next date: leave it out
                    log.warning("schedule %s: unreadable rule %r", schedule.id, schedule.rule)
        soonest = min(runs, default=None)
        if found is not None and (soonest is None or found.occurrence_date <= _day(soonest, zone)):
            same_day = soonest is not None and _day(soonest, zone) == found.occurrence_date
            return UpcomingOccurrence(
                kind,
                found.occurrence_date,
                found.presenter_user_id,
                found.topic,
                at=soonest if same_day else None,  # its time, as before it was prepared
            )
        if soonest is not None:
            return UpcomingOccurrence(kind, _day(soonest, zone), at=soonest)
        if mine:
            return UpcomingOccurrence(kind, today, paused=True)
        return None

    return ComingUp(
        knowledge_sharing=upcoming("knowledge_sharing"),
        retrospective=upcoming("retrospective"),
        schedules=[ScheduledRitual(s.kind, s.rule, s.enabled, s.text) for s in schedules],
    )


def _day(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()
