"""Where a metric is heading: a least-squares line through its readings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.digests.model import Forecast, Target
from bot.services.metrics import meets

MIN_READINGS = 3
MIN_SPAN_DAYS = 7.0
# A line drawn through readings older than this says nothing about where a metric is heading.
STALE_AFTER_DAYS = 28.0
HORIZON_DAYS = 3 * 365  # a crossing further away than this is "flat", not a date
DAY = 86400.0
NOISE = 1e-9  # relative to the values: a change smaller than this is rounding, not movement


def fit(points: Sequence[tuple[datetime, float]]) -> tuple[float, float, datetime] | None:
    """(intercept, slope per day, origin) of value over time, or None for a vertical spread."""
    origin = points[0][0]
    xs = [(at - origin).total_seconds() / DAY for at, _ in points]
    ys = [value for _, value in points]
    n = len(points)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    # Over the whole span the line moves less than float noise on these values: it is flat
    # (a constant share recomputed daily fits ±1e-17 a day, not 0).
    scale = max(1.0, max(abs(y) for y in ys))
    if abs(slope) * max(xs[-1] - xs[0], 1.0) <= NOISE * scale:
        slope = 0.0
    return mean_y - slope * mean_x, slope, origin


def _towards(goal: Target, latest: float, slope: float) -> bool:
    if goal.comparator in (">", ">="):
        return slope > 0
    if goal.comparator in ("<", "<="):
        return slope < 0
    return slope != 0 and (goal.value - latest) * slope > 0


def forecast(
    points: Sequence[tuple[datetime, float]],
    goal: Target,
    goal_kind: str,
    *,
    now: datetime,
    period_end: date | None,
    timezone: str = "UTC",
    recent: float | None = None,
) -> Forecast | None:
    """When the line through `points` (oldest first) meets `goal`; None without enough data:
    at least three readings spanning at least a week. A metric meeting its goal is "met";
    one whose line, or whose `recent` change (since last week), moves away from the goal is
    "away": a worsening metric is never said to reach its goal; one with no `recent` change is
    "flat" (holding steady)."""
    if goal.comparator is None or len(points) < MIN_READINGS:
        return None
    days = (points[-1][0] - points[0][0]).total_seconds() / DAY
    if days < MIN_SPAN_DAYS:
        return None
    if (now - points[-1][0]).total_seconds() / DAY > STALE_AFTER_DAYS:
        return None  # months-old readings: no "reaches … around" today
    line = fit(points)
    if line is None:
        return None
    intercept, slope, origin = line
    latest = points[-1][1]
    common = {"goal": goal, "goal_kind": goal_kind, "readings": len(points), "days": days}
    common["slope_per_week"] = round(slope * 7, 6)
    if meets(latest, goal.comparator, goal.value):
        return Forecast(state="met", **common)
    if slope == 0 or recent == 0:
        # No change since last week: holding steady, whatever an older step did to the line
        # (no "→ no change since last week · at this rate reaches 100% around 16 Aug").
        common["slope_per_week"] = 0.0
        return Forecast(state="flat", **common)
    if not _towards(goal, latest, slope) or (recent and not _towards(goal, latest, recent)):
        return Forecast(state="away", **common)
    days_from_origin = (goal.value - intercept) / slope  # huge for a float-noise slope
    if days_from_origin - (now - origin).total_seconds() / DAY > HORIZON_DAYS:
        return Forecast(state="flat", **common)
    # A line already past the goal says "about now".
    crossing = max(origin + timedelta(days=days_from_origin), now)
    if (crossing - now).total_seconds() / DAY > HORIZON_DAYS:
        return Forecast(state="flat", **common)
    on = crossing.astimezone(ZoneInfo(timezone)).date()
    after = period_end is not None and on > period_end
    return Forecast(state="reaches", on=on, after_period=after, **common)
