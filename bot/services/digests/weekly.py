"""The weekly digest: where the period stands, what changed, what needs help, what's next."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import String, cast, false, literal, or_, select
from sqlalchemy.orm import Session

from bot.services.checkins import cycle_of, previous_cycle
from bot.services.digests import queries as q
from bot.services.digests.common import (
    category_summaries,
    item,
    metric_target,
    milestones,
    start_of,
)
from bot.services.digests.forecast import forecast
from bot.services.digests.model import (
    ATTENTION_STATUSES,
    Attention,
    Changes,
    CheckinSummary,
    ComingUp,
    GoalItem,
    MetricStatus,
    Overview,
    ProgressMove,
    ReadingChange,
    ScheduledRitual,
    StatusChange,
    UpcomingOccurrence,
    WeeklyDigest,
)
from bot.services.metrics import meets
from bot.services.periods import current_period, periods_of, workspace_today
from bot.services.settings import setting
from bot.services.team_metrics import latest_sources
from models import GOAL_STATUSES, AuditEntry, Goal, GoalStatus, Metric, Period, Workspace

STATE_ACTIONS = ("goal.status", "goal.progress", "checkin")
GOAL_ACTIONS = (*STATE_ACTIONS, "goal.add")
FORECAST_FALLBACK_READINGS = 10


def weekly_digest(
    *, session: Session, workspace: Workspace, now: datetime, since: datetime | None = None
) -> WeeklyDigest:
    """The digest of the current period as of `now`; changes since `since` (default: a week
    before `now`). Runs the same fixed number of queries however big the roadmap is."""
    since = since or now - timedelta(days=7)
    today = workspace_today(workspace, now)
    periods = periods_of(session, workspace.id)
    period = current_period(periods, today)
    labels = {p.id: p.label for p in periods}
    in_period = Goal.period_id == period.id if period is not None else false()
    # Goals of the period, and goals of other periods that changed in the window.
    changed = select(AuditEntry.target).where(
        AuditEntry.workspace_id == workspace.id,
        AuditEntry.action.in_(GOAL_ACTIONS),
        AuditEntry.at > since,
        AuditEntry.at <= now,
    )
    wanted = or_(in_period, (literal("G") + cast(Goal.number, String(12))).in_(changed))
    rows = q.goals_where(session, workspace.id, wanted)
    owners = q.owners_where(session, workspace.id, wanted)
    categories = q.category_names(session, workspace.id)
    notes = q.latest_notes(session, workspace.id, in_period, Goal.status.in_(ATTENTION_STATUSES))
    current = [r for r in rows if period is not None and r.period_id == period.id]

    def as_item(row: q.GoalRow) -> GoalItem:
        return item(row, owners, categories, labels, notes.get(row.id))

    checkins, attention = _checkins_and_attention(session, workspace, now, current, as_item)
    changes = _changes(session, workspace, since, now, rows, as_item)
    metrics, readings = _metrics(session, workspace, now, since, period, rows)
    return WeeklyDigest(
        workspace_name=workspace.name,
        now=now,
        today=today,
        overview=_overview(period, today, current, categories),
        checkins=checkins,
        changes=replace(changes, readings=readings),
        attention=attention,
        metrics=metrics,
        coming_up=_coming_up(session, workspace, today),
        people=q.member_names(session, workspace.id),
        mentions=setting(workspace, "mentions") == "on",
    )


def _overview(
    period: Period | None, today: date, rows: list[q.GoalRow], categories: dict[int, str]
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


def _checkins_and_attention(session, workspace, now, rows, as_item):
    """Completion of the last cycle (this week's once it has started, else last week's) and the
    goals needing help, including those silent for two cycles."""
    this = cycle_of(workspace, now)
    cycles = [this, previous_cycle(this), previous_cycle(previous_cycle(this))]
    answered = q.answered_goals(session, workspace.id, cycles)
    prompted = q.prompted_cycles(session, workspace.id, cycles)
    started = bool(answered[this]) or this in prompted
    cycle, earlier = (cycles[0], cycles[1]) if started else (cycles[1], cycles[2])
    active = bool(answered[cycle] or answered[earlier]) or bool(prompted & {cycle, earlier})
    open_rows = [r for r in rows if r.status != GoalStatus.DONE or r.id in answered[cycle]]
    missing = [as_item(r) for r in open_rows if r.id not in answered[cycle]]
    people = tuple(dict.fromkeys(o for g in missing for o in g.owners))
    summary = CheckinSummary(
        cycle=cycle,
        checked_in=len(open_rows) - len(missing),
        total=len(open_rows),
        missing=missing,
        missing_people=people,
        active=active,
    )
    year, week = earlier.split("-W")
    opened = start_of(date.fromisocalendar(int(year), int(week), 1), workspace)
    silent = []
    if active:
        silent = [
            as_item(r)
            for r in rows
            if r.status != GoalStatus.DONE
            and r.created_at < opened
            and r.id not in answered[cycle] | answered[earlier]
        ]
    severity = {status: i for i, status in enumerate(ATTENTION_STATUSES)}
    needing = sorted(
        (r for r in rows if r.status in severity), key=lambda r: (severity[r.status], r.number)
    )
    attention = Attention(
        goals=[as_item(r) for r in needing], silent=silent, cycles=(earlier, cycle)
    )
    return summary, attention


def _status_of(entry: q.AuditRow) -> str | None:
    if entry.action == "goal.progress":
        return "done" if entry.details.get("progress") == 100 else None
    return entry.details.get("status")


def _progress_of(entry: q.AuditRow) -> int | None:
    if entry.action == "goal.status":
        return 100 if entry.details.get("status") == GoalStatus.DONE else None
    return entry.details.get("progress")


def _first(entries: list[q.AuditRow], pick) -> object | None:
    return next((v for v in map(pick, entries) if v is not None), None)


def _changes(session, workspace, since, now, rows, as_item) -> Changes:
    """What the audit log says happened in (since, now], against what it said before."""
    window = q.audit_between(session, workspace.id, GOAL_ACTIONS, since, now)
    history = q.audit_before(session, workspace.id, STATE_ACTIONS, since, now)
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
        before_status, before_progress = _first(before, _status_of), _first(before, _progress_of)
        status_events = [e for e in events[ref] if _status_of(e) is not None]
        progress_events = [e for e in events[ref] if _progress_of(e) is not None]
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
    checked = {e.target for e in window if e.action == "checkin"}
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


def _metrics(session, workspace, now, since, period, rows):
    """Each metric's status and forecast, and the readings recorded in the window."""
    metrics = q.active_metrics(session, workspace.id)
    period_start = start_of(period.start_date, workspace) if period is not None else now
    series = q.readings_since(
        session,
        workspace.id,
        start=min(period_start, since),
        until=now,
        keep=FORECAST_FALLBACK_READINGS,
    )
    week_cut = now - timedelta(days=7)
    week_ago = q.latest_readings_until(session, workspace.id, week_cut)
    opened = (
        week_ago if since == week_cut else q.latest_readings_until(session, workspace.id, since)
    )
    goals = milestones(rows, period.id if period is not None else None)
    views, changes = [], []
    sources = latest_sources(session, workspace.id, now)  # issue 20: each reading's source
    for metric in metrics:
        points = series.get(metric.id, [])
        status = _metric_status(
            metric, points, week_ago, goals, period, period_start, now, workspace
        )
        source, note = sources.get(metric.id, (None, None))
        views.append(replace(status, source=source, source_note=note))
        fresh = [value for at, value in points if since < at <= now]
        if fresh:
            before = opened.get(metric.id, (None, None))[1]
            changes.append(
                ReadingChange(metric.key, metric.name, metric.unit, len(fresh), before, fresh[-1])
            )
    return views, changes


def _metric_status(
    metric: Metric, points, week_ago, goals, period, period_start, now, workspace
) -> MetricStatus:
    target = metric_target(metric)
    milestone = goals.get(metric.id)
    if milestone is not None and milestone.unit is None:
        milestone = replace(milestone, unit=metric.unit)
    latest_at, latest = points[-1] if points else (None, None)
    standard = milestone or target
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
        on_target=meets(latest, standard.comparator, standard.value)
        if latest is not None and standard
        else None,
    )
    if latest is None or standard is None:
        return view
    goal, kind = (milestone, "milestone") if milestone else (target, "target")
    if milestone and target and meets(latest, milestone.comparator, milestone.value):
        goal, kind = target, "target"  # the milestone is in hand: aim at the target
    used = [p for p in points if p[0] >= period_start]
    if len(used) < 3:
        used = points[-FORECAST_FALLBACK_READINGS:]
    end = period.end_date if period is not None else None
    outlook = forecast(used, goal, kind, now=now, period_end=end, timezone=workspace.timezone)
    return replace(view, forecast=outlook)


def _coming_up(session: Session, workspace: Workspace, today: date) -> ComingUp:
    schedules = q.ritual_schedules(session, workspace.id)
    upcoming_ones = q.next_occurrences(session, workspace.id, today)

    def upcoming(kind: str) -> UpcomingOccurrence | None:
        found = upcoming_ones.get(kind)
        if found is None:
            return None
        return UpcomingOccurrence(kind, found.occurrence_date, found.presenter_user_id, found.topic)

    return ComingUp(
        knowledge_sharing=upcoming("knowledge_sharing"),
        retrospective=upcoming("retrospective"),
        schedules=[ScheduledRitual(s.kind, s.rule, s.enabled, s.text) for s in schedules],
    )
