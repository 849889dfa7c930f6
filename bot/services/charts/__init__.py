"""The digests' pictures as PNG bytes: the goals by category, the metrics against their
targets, and the weekly sparklines. Drawn with matplotlib's object API on an Agg canvas (no
pyplot, no global state: each call builds its own Figure, so threads may draw side by side).

`planned_charts` decides which pictures a digest has, without drawing: the builders announce
exactly those, and the senders upload exactly those (`draw`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.services.charts.goals import goals_chart
from bot.services.charts.metrics import charted, metrics_chart
from bot.services.charts.sparklines import sparklines
from bot.services.charts.style import MAX_PANELS
from bot.services.digests.model import QuarterlyDigest, WeeklyDigest
from bot.services.metric_values import plural

__all__ = ["ChartPlan", "draw", "goals_chart", "metrics_chart", "planned_charts", "sparklines"]


@dataclass(frozen=True)
class ChartPlan:
    """One picture a digest uploads in its thread."""

    kind: str  # "goals", "metrics" or "sparklines"
    filename: str
    title: str
    alt: str  # alt text: what the picture shows, for people who cannot see it


def _slug(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "roadmap").lower()).strip("-")


def planned_charts(d: WeeklyDigest | QuarterlyDigest) -> list[ChartPlan]:
    """The pictures `d` has: for a quarterly digest the goals chart (when the period has
    goals) and the metrics chart (when a metric has readings in it); for a weekly digest the
    sparklines, when `/roadmap config digest images on` and a metric has readings."""
    if isinstance(d, QuarterlyDigest):
        if d.period is None:
            return []
        plans = []
        slug = _slug(d.period)
        if d.goals:
            plans.append(
                ChartPlan(
                    "goals",
                    f"roadmap-{slug}-goals.png",
                    f"{d.period}: goals by category",
                    f"{plural(d.goals, 'goal')} of {d.period} by category and status: "
                    + "; ".join(f"{c.name} {c.done} of {c.goals} done" for c in d.categories),
                )
            )
        shown = charted(d.series)
        if shown:
            plans.append(
                ChartPlan(
                    "metrics",
                    f"roadmap-{slug}-metrics.png",
                    f"{d.period}: metrics against their targets",
                    f"Readings of {plural(len(shown), 'metric')} over {d.period}: "
                    + ", ".join(s.name for s in shown[:MAX_PANELS]),
                )
            )
        return plans
    if d.overview.period is None or not d.images or not charted(d.series):
        return []
    shown = charted(d.series)
    return [
        ChartPlan(
            "sparklines",
            f"roadmap-{_slug(d.overview.period)}-week-{d.overview.week}-metrics.png",
            f"{d.overview.period}, week {d.overview.week}: metrics",
            f"Sparklines of {plural(len(shown), 'metric')} against their targets",
        )
    ]


def draw(plan: ChartPlan, d: WeeklyDigest | QuarterlyDigest) -> bytes:
    """The PNG of one planned picture."""
    if plan.kind == "goals":
        return goals_chart(d.categories, title=plan.title)
    if plan.kind == "metrics":
        return metrics_chart(d.series, title=plan.title, span=(d.start, d.end))
    o = d.overview
    return sparklines(d.series, title=plan.title, span=(o.start, min(o.end, d.today)))
