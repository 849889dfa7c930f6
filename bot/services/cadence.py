"""The verdict of a cadence metric ("Deployment frequency: Daily"): its occurrences counted in
the cadence's window.

A cadence metric's readings are occurrences (a reading of 1 per deploy, per session held).
"Daily" is met in a week with an occurrence on each working day (weekends and the workspace's
public holidays off) so far; "weekly" with one this week; "biweekly" in the last 14 days;
"monthly", "quarterly", "yearly" with one in the calendar month, quarter or year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.schedule_rules.holiday_policy import holiday_calendar, is_working_day
from models import Metric, MetricReading, Workspace

WINDOW_NAMES = {
    "daily": "this week",
    "weekly": "this week",
    "biweekly": "in the last two weeks",
    "monthly": "this month",
    "quarterly": "this quarter",
    "yearly": "this year",
}


@dataclass(frozen=True)
class CadenceVerdict:
    cadence: str  # daily | weekly | biweekly | monthly | quarterly | yearly
    window: str  # "this week"
    count: int  # occurrences in the window
    days_met: int = 0  # daily: working days so far with at least one
    working_days: int = 0  # daily: working days of the window so far
    met: bool = False

    def text(self, noun: str = "occurrence") -> str:
        """ "10 deploys this week, on 5 of 5 working days: daily met"."""
        counted = f"{self.count} {noun}{'' if self.count == 1 else 's'} {self.window}"
        if self.cadence == "daily":
            counted += f", on {self.days_met} of {self.working_days} working days"
        return f"{counted}: {self.cadence} {'met' if self.met else 'not met'}"


def _zone(workspace: Workspace) -> ZoneInfo:
    try:
        return ZoneInfo(workspace.timezone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _window_start(cadence: str, today: date) -> date:
    if cadence in ("daily", "weekly"):
        return today - timedelta(days=today.weekday())
    if cadence == "biweekly":
        return today - timedelta(days=13)
    if cadence == "monthly":
        return today.replace(day=1)
    if cadence == "quarterly":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return date(today.year, 1, 1)


def _working(day: date, region: str | None) -> bool:
    if region:
        try:
            return is_working_day(day, holiday_calendar(region))
        except Exception:  # an unknown region: weekends only
            pass
    return day.weekday() < 5


def cadence_verdict(
    session: Session, workspace: Workspace, metric: Metric, now: datetime
) -> CadenceVerdict | None:
    """How the metric's occurrences so far in its cadence's window measure up (None for a
    metric without a cadence)."""
    cadence = (metric.cadence or "").lower()
    if cadence not in WINDOW_NAMES:
        return None
    zone = _zone(workspace)
    today = now.astimezone(zone).date()
    first = _window_start(cadence, today)
    start = datetime.combine(first, time(0), zone)
    rows = session.execute(
        select(MetricReading.recorded_at, MetricReading.value).where(
            MetricReading.workspace_id == workspace.id,
            MetricReading.metric_id == metric.id,
            MetricReading.recorded_at >= start,
            MetricReading.recorded_at <= now,
        )
    ).all()
    count = round(sum(value for _at, value in rows if value > 0))
    if cadence != "daily":
        return CadenceVerdict(cadence, WINDOW_NAMES[cadence], count, met=count >= 1)
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    working = [d for d in days if _working(d, workspace.holiday_region)]
    seen = {at.astimezone(zone).date() for at, value in rows if value > 0}
    met_days = sum(1 for d in working if d in seen)
    return CadenceVerdict(
        cadence,
        WINDOW_NAMES[cadence],
        count,
        days_met=met_days,
        working_days=len(working),
        met=bool(working) and met_days == len(working),
    )
