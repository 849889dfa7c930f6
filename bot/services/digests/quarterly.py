"""The quarterly progress digest: how a period ended, against its goals and metrics."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services.digests import audit, readings
from bot.services.digests import queries as q
from bot.services.digests.common import (
    as_of,
    category_summaries,
    item,
    metric_target,
    milestones,
    snapshot,
    start_of,
)
from bot.services.digests.model import (
    MetricOutcome,
    MetricSeries,
    MissedGoal,
    PeriodComparison,
    QuarterlyDigest,
)
from bot.services.metrics import (
    cadence_count,
    cadence_of,
    judge,
    meets,
    occurrence_noun,
)
from bot.services.periods import current_period, resolve_period, workspace_today
from bot.services.settings import setting
from bot.services.team_metrics import occurrence_points
from models import GoalStatus, Workspace


def pick_period(periods: list[q.PeriodRow], label: str | None, today) -> q.PeriodRow | None:
    """The period asked for; by default the one that ended most recently, else the current."""
    if not periods:
        return None
    if label:
        return resolve_period(periods, label, today)
    ended = [p for p in periods if p.end_date < today]
    if ended:
        return max(ended, key=lambda p: (p.end_date, -(p.end_date - p.start_date).days))
    return current_period(periods, today)


def quarterly_digest(
    *, session: Session, workspace: Workspace, period_label: str | None, now: datetime
) -> QuarterlyDigest:
    """How a period went (default: the one that ended most recently as of `now`, or the
    current one when none has ended), in a fixed number of queries."""
    db = snapshot(session)
    today = workspace_today(workspace, now)
    lookups = q.lookups(db, workspace.id)
    periods, categories = lookups.periods, lookups.categories
    period = pick_period(periods, period_label, today)
    mentions = setting(workspace, "mentions") == "on"
    if period is None:
        return QuarterlyDigest(
            workspace_name=workspace.name, now=now, period=None, mentions=mentions
        )
    previous = max(
        (p for p in periods if p.end_date < period.start_date),
        key=lambda p: (p.end_date, p.start_date),
        default=None,
    )
    following = min(
        (p for p in periods if p.start_date > period.end_date),
        key=lambda p: (p.start_date, p.end_date),
        default=None,
    )
    found = q.goals(
        db,
        "quarterly",
        workspace=workspace.id,
        period=period.id,
        before=previous.id if previous is not None else None,
        after=following.id if following is not None else None,
    )
    rows = as_of(found.rows, audit.rewritten_after(db, workspace.id, now))
    owners = found.owners
    carry_log = audit.carries(db, workspace.id, start_of(period.start_date, workspace), now)
    labels = {p.id: p.label for p in periods}
    these = [r for r in rows if r.period_id == period.id]
    later = [r for r in rows if following is not None and r.period_id == following.id]
    carried = _carried(these, later, carry_log)
    achieved = [item(r, owners, categories, labels) for r in these if r.status == GoalStatus.DONE]
    missed = [
        MissedGoal(item(r, owners, categories, labels), carried.get(r.ref))
        for r in these
        if r.status != GoalStatus.DONE
    ]
    missed.sort(key=lambda m: not m.unmarked)  # finished but not marked done first
    comparison = None
    if previous is not None:
        before = [r for r in rows if r.period_id == previous.id]
        comparison = PeriodComparison(
            previous.label, len(before), sum(r.status == GoalStatus.DONE for r in before)
        )
    ended = period.end_date < today
    outcomes, series = _metrics(db, workspace, period, rows, ended, now, today)
    return QuarterlyDigest(
        workspace_name=workspace.name,
        now=now,
        period=period.label,
        start=period.start_date,
        end=period.end_date,
        ended=ended,
        goals=len(these),
        done=len(achieved),
        categories=category_summaries(these, categories),
        achieved=achieved,
        missed=missed,
        metrics=outcomes,
        previous=comparison,
        next_period=following.label if following is not None else None,
        series=series,
        people=lookups.people,
        mentions=mentions,
        period_start=start_of(period.start_date, workspace),
    )


def _carried(these, later, log: list[q.AuditRow]) -> dict[str, str]:
    """Old ref -> new ref, for goals carried into the next period: a goal there with the same
    normalized title, or an audit entry that says so."""
    by_title = {}
    for row in later:
        by_title.setdefault(row.normalized_title, row.ref)
    refs = {r.ref for r in these}
    carried = {r.ref: by_title[r.normalized_title] for r in these if r.normalized_title in by_title}
    for entry in log:
        if entry.action in audit.CARRY_ACTIONS and entry.target in refs:
            carried.setdefault(entry.target, str(entry.details.get("to") or "next period"))
        source = entry.details.get("carried_from")
        if source in refs and entry.target:
            carried.setdefault(source, entry.target)
    return carried


def _metrics(db, workspace, period, rows, ended: bool, now: datetime, today):
    """Each metric's value at the end of the period (the latest reading on or before its last
    day, or as of `now` while it runs) against its milestone and target, or for a cadence
    metric its occurrences in the period against the ask; and its readings over the period."""
    metrics = q.active_metrics(db, workspace.id)
    if ended:
        until, inclusive = start_of(period.end_date + timedelta(days=1), workspace), False
    else:
        until, inclusive = now, True
    latest = readings.latest_until(db, workspace.id, until, inclusive=inclusive)
    opened = start_of(period.start_date, workspace)
    series = readings.since(db, workspace.id, start=opened, until=until, inclusive=inclusive)
    goals = milestones(rows, period.id)
    last_day = min(period.end_date, today)
    held_until = until if inclusive else until - timedelta(microseconds=1)
    zone = ZoneInfo(workspace.timezone or "UTC")
    sources = readings.sources(db, workspace.id, until)  # each reading's source
    outcomes, charts = [], []
    for metric in metrics:
        target = metric_target(metric)
        milestone = goals.get(metric.id)
        if milestone is not None and milestone.unit is None:
            milestone = replace(milestone, unit=metric.unit)
        at, value = latest.get(metric.id, (None, None))
        points = occurrence_points(db, workspace, metric, series.get(metric.id, []), held_until)
        points = [p for p in points if p[0] >= opened]  # the held sessions: only the period's
        cadence = cadence_of(metric.cadence, metric.text)
        counted = None
        if cadence is not None and at is not None:  # never recorded: no readings, not a "0"
            window = f"in {period.label}" if ended else "this period"
            counted = cadence_count(
                cadence,
                points,
                period.start_date,
                last_day,
                noun=occurrence_noun(metric.name),
                window=window,
                zone=zone,
            )

        def met(goal, value=value):
            return (
                None if goal is None or value is None else meets(value, goal.comparator, goal.value)
            )

        outcomes.append(
            MetricOutcome(
                key=metric.key,
                name=metric.name,
                unit=metric.unit,
                target_text=metric.text or (target.text if target else ""),
                value=value,
                value_at=at,
                milestone=milestone,
                met_milestone=met(milestone) if counted is None else None,
                target=target,
                met_target=met(target) if counted is None else counted.met,
                verdict=None if counted else judge(value, target, milestone, period.label),
                cadence=counted,
                stale=at is not None and at < opened,
                source=sources.get(metric.id, (None, None))[0],
                source_note=sources.get(metric.id, (None, None))[1],
            )
        )
        if points:
            charts.append(
                MetricSeries(
                    key=metric.key,
                    name=metric.name,
                    unit=metric.unit,
                    points=tuple(points),
                    target=target.value if target else None,
                    milestone=milestone.value if milestone else None,
                    comparator=target.comparator if target else None,
                    milestone_comparator=milestone.comparator if milestone else None,
                    period=period.label,
                    cadence=counted,
                )
            )
    return outcomes, charts
