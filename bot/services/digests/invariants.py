"""The rules every digest keeps, written down as checks: one truth per digest.

A digest is computed as of one instant (`now`) from one snapshot, and its parts must agree
with each other. `weekly_violations` and `quarterly_violations` return what a digest breaks
(empty when it keeps every rule); the tests run them over generated team histories, and the
rendered messages have their own checks in bot.blocks.digests.invariants.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.services.checkins import cycle_monday
from bot.services.digests.model import (
    ATTENTION_STATUSES,
    MetricOutcome,
    MetricStatus,
    QuarterlyDigest,
    WeeklyDigest,
)
from bot.services.metric_values import meets, trend
from models import GoalStatus


def _verdict_rules(m: MetricStatus | MetricOutcome, value: float | None) -> list[str]:
    """A verdict names what it compares with: this period's milestone when there is one,
    else the final target; a cadence metric is judged by its count, not a value."""
    found = []
    v = m.verdict
    if m.cadence is not None:
        if v is not None:
            found.append(f"{m.key}: a cadence metric judged by a value")
        if m.cadence.count < 0 or m.cadence.asked < 0:
            found.append(f"{m.key}: a negative count")
        return found
    if value is None:
        if v is not None:
            found.append(f"{m.key}: a verdict without a value")
        return found
    if m.milestone is not None and m.milestone.comparator is not None:
        if v is None or v.kind != "milestone" or v.goal != m.milestone:
            found.append(f"{m.key}: judged against {v and v.goal}, not the milestone")
    elif (m.target is not None and m.target.comparator is not None) and (
        v is None or v.kind != "target" or v.goal != m.target
    ):
        found.append(f"{m.key}: judged against {v and v.goal}, not the target")
    if v is not None and v.met != bool(meets(value, v.goal.comparator, v.goal.value)):
        found.append(f"{m.key}: verdict {v.met} for {value} against {v.goal.text}")
    return found


def _not_after(found: list[str], what: str, when: datetime | None, now: datetime) -> None:
    if when is not None and when > now:
        found.append(f"{what} ({when.isoformat()}) is after the digest's instant")


def weekly_violations(d: WeeklyDigest) -> list[str]:
    found: list[str] = []
    now = d.now
    o = d.overview
    # Counts agree with each other.
    if sum(o.by_status.values()) != o.goals:
        found.append("statuses do not add up to the goals")
    if sum(c.goals for c in o.categories) != o.goals:
        found.append("categories do not add up to the goals")
    if o.by_status.get(GoalStatus.DONE, 0) != o.done:
        found.append("done differs from the done status")
    if not 0 <= d.checkins.checked_in <= d.checkins.total:
        found.append("more checked in than expected")
    found += _one_period_rules(d)
    # Every goal reported as newly blocked, at risk or off track, and still so, is attention.
    attention = {g.ref for g in d.attention.goals}
    for change in d.changes.status_changes:
        still = change.after in ATTENTION_STATUSES and change.goal.status in ATTENTION_STATUSES
        if still and change.goal.ref not in attention:
            found.append(f"{change.goal.ref} is now {change.after} but not under attention")
        if change.after != change.goal.status:
            found.append(f"{change.goal.ref} changed to {change.after} but is {change.goal.status}")
    for goal in d.attention.goals:
        if goal.status not in ATTENTION_STATUSES:
            found.append(f"{goal.ref} is {goal.status} but under attention")
    for goal in d.changes.completed:
        if goal.status != GoalStatus.DONE:
            found.append(f"{goal.ref} completed but {goal.status}")
    silent = {g.ref for g in d.attention.silent}
    if any(g.status == GoalStatus.DONE for g in d.attention.silent):
        found.append("a done goal is listed as silent")
    if len(silent) != len(d.attention.silent):
        found.append("a goal is listed twice as silent")
    # Every date shown is on or before the instant, except what is coming up.
    _not_after(found, "the window's end", d.changes.until, now)
    if d.changes.since >= d.changes.until:
        found.append("the window is empty or reversed")
    for m in d.metrics:
        _not_after(found, f"{m.key}'s latest reading", m.latest_at, now)
        found += _verdict_rules(m, m.latest)
        if (m.latest_at is not None and d.period_start is not None) and (
            m.stale != (m.latest_at < d.period_start)
        ):
            found.append(f"{m.key}: stale is {m.stale} for a reading at {m.latest_at}")
        found += _forecast_rules(m)
    for s in d.series:
        for at, _ in s.points:
            _not_after(found, f"a reading of {s.key}", at, now)
            if d.period_start is not None and at < d.period_start:
                found.append(f"a reading of {s.key} before the period is charted")
    for upcoming in (d.coming_up.knowledge_sharing, d.coming_up.retrospective):
        if upcoming is not None and not upcoming.paused and upcoming.on < d.today:
            found.append(f"coming up on {upcoming.on}, before {d.today}")
    return found


def _one_period_rules(d: WeeklyDigest) -> list[str]:
    """One instant, one period: every goal the digest counts or lists is one of the period's,
    and the check-ins it counts are of a week of the period."""
    found = []
    o, ch, c = d.overview, d.changes, d.checkins
    listed = [
        *ch.completed,
        *ch.new_goals,
        *(s.goal for s in ch.status_changes),
        *(m.goal for m in ch.progress_moves),
        *d.attention.goals,
        *d.attention.silent,
        *c.missing,
    ]
    for goal in listed:
        if goal.period != (o.period or ""):
            found.append(f"{goal.ref} of {goal.period or 'no period'} in {o.period}'s digest")
    if ch.checkins > o.goals:
        found.append(f"{ch.checkins} goals checked in, of {o.goals} goals")
    if c.total > o.goals:
        found.append(f"{c.total} goals expected to check in, of {o.goals} goals")
    if c.active and o.start is not None and o.end is not None:
        monday = cycle_monday(c.cycle)
        if not o.start - timedelta(days=6) <= monday <= o.end:
            found.append(f"check-ins of {c.cycle} counted for {o.period} ({o.start}–{o.end})")
    return found


def _forecast_rules(m: MetricStatus) -> list[str]:
    """A forecast follows the target's direction: "reaches" only when moving toward it (the
    line and the change since last week), "met" only when the latest reading meets it."""
    f = m.forecast
    if f is None:
        return []
    found = []
    if f.state == "reaches":
        if f.goal.higher_is_better is not None and trend(f.slope_per_week, f.goal) != "better":
            found.append(f"{m.key}: reaches {f.goal.text} while its line moves away")
        if m.trend == "worse":
            found.append(f"{m.key}: reaches {f.goal.text} while getting worse")
        if m.latest is not None and meets(m.latest, f.goal.comparator, f.goal.value):
            found.append(f"{m.key}: 'reaches' a goal it already meets")
    if f.state == "met" and not meets(m.latest, f.goal.comparator, f.goal.value):
        found.append(f"{m.key}: 'on target' but misses {f.goal.text}")
    target = m.target
    if (
        target is not None
        and m.latest is not None
        and f.goal == target
        and meets(m.latest, target.comparator, target.value)
        and f.state != "met"
    ):
        found.append(f"{m.key}: meets its target but is not 'on target'")
    return found


def quarterly_violations(d: QuarterlyDigest) -> list[str]:
    found: list[str] = []
    if d.period is None:
        return found
    now = d.now
    if len(d.achieved) + len(d.missed) != d.goals or len(d.achieved) != d.done:
        found.append("achieved and missed do not add up to the goals")
    if any(g.status != GoalStatus.DONE for g in d.achieved):
        found.append("a goal not done is listed as achieved")
    if any(m.goal.status == GoalStatus.DONE for m in d.missed):
        found.append("a done goal is listed as not done")
    if sum(c.goals for c in d.categories) != d.goals:
        found.append("categories do not add up to the goals")
    if sum(c.done for c in d.categories) != d.done:
        found.append("categories' done do not add up")
    for c in d.categories:
        if sum(c.by_status.values()) != c.goals:
            found.append(f"{c.name}: statuses do not add up")
        if c.by_status.get(GoalStatus.DONE, 0) != c.done:
            found.append(f"{c.name}: done differs from the done status")
    for m in d.metrics:
        _not_after(found, f"{m.key}'s value", m.value_at, now)
        found += _verdict_rules(m, m.value)
        if (m.value_at is not None and d.period_start is not None) and (
            m.stale != (m.value_at < d.period_start)
        ):
            found.append(f"{m.key}: stale is {m.stale} for a reading at {m.value_at}")
    for s in d.series:
        if not s.points:
            found.append(f"{s.key}: a chart series without readings")
        for at, _ in s.points:
            _not_after(found, f"a reading of {s.key}", at, now)
            if d.period_start is not None and at < d.period_start:
                found.append(f"a reading of {s.key} before the period is charted")
    return found
