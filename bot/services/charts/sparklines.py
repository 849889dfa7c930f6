"""The weekly digest's sparklines: one row per metric against its goal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from bot.services.charts.metrics import charted
from bot.services.charts.style import (
    INK,
    LINE,
    MAX_SPARKLINES,
    MET,
    MILESTONE,
    MUTED,
    TARGET,
    WIDTH,
    figure_of,
    png_of,
    short,
)
from bot.services.digests.model import MetricSeries
from bot.services.metric_values import COMPARATOR_SYMBOLS, format_value, meets, plural


def sparklines(
    series: Sequence[MetricSeries], *, title: str, span: tuple[date | None, date | None]
) -> bytes:
    """The weekly digest's small picture: one row per metric with readings, its line over the
    period so far against its goal (dotted; a cadence metric's running count against the
    pace it asks), the latest value coloured by its verdict, and the goal beside it."""
    shown = charted(series)[:MAX_SPARKLINES]
    row_px = 64
    height = max(240, row_px * len(shown) + 90)
    figure = figure_of(WIDTH, height)
    figure.suptitle(title, x=0.02, y=1 - 28 / height, ha="left", fontsize=15, color=INK)
    top, row_height = 1 - 64 / height, row_px / height
    for row, metric in enumerate(shown):
        y = top - (row + 1) * row_height
        middle = y + row_height * 0.5
        if row % 2 == 0:
            figure.patches.append(_band(figure, y, row_height))
        figure.text(0.02, middle, short(metric.name, 30), fontsize=12, color=INK, va="center")
        ax = figure.add_axes((0.27, y + row_height * 0.14, 0.43, row_height * 0.72))
        ax.set_axis_off()
        if span[0] is not None and span[1] is not None:
            ax.set_xlim(span[0], span[1] + timedelta(days=1))
        points = sorted(metric.points)
        times = [at for at, _ in points]
        counted = metric.cadence
        if counted is not None:
            values, total = [], 0
            for _, value in points:
                total += max(0, round(value))
                values.append(total)
            if span[1] is not None:  # the count stands until today
                today_ends = datetime.combine(span[1] + timedelta(days=1), time(), UTC)
                times, values = [*times, today_ends], [*values, total]
            ax.step(times, values, where="post", color=LINE, linewidth=1.8)
            if span[0] is not None and span[1] is not None:
                first, last = span
                days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
                pace = [counted.cadence.asked(first, day) for day in days]
                ax.plot(days, pace, color=MUTED, linestyle="--", linewidth=1.2)
                values = values + pace
            latest, met = plural(counted.count, counted.noun), counted.met
            aside = counted.window
            if counted.asked:
                aside += f", {counted.cadence.text} asks {counted.asked}"
        else:
            values = [v for _, v in points]
            goal, comparator = (
                (metric.milestone, metric.milestone_comparator)
                if metric.milestone is not None
                else (metric.target, metric.comparator)
            )
            ax.plot(times, values, color=LINE, linewidth=1.8)
            met, aside = None, ""
            if goal is not None:
                ax.axhline(goal, color=MILESTONE, linestyle=":", linewidth=1.5)
                met = meets(values[-1], comparator, goal)
                symbol = COMPARATOR_SYMBOLS.get(comparator or "", "")
                aside = f"{symbol} {format_value(goal, metric.unit)}"
                values = [*values, goal]
            latest = format_value(values[len(points) - 1], metric.unit, near=goal)
        last = len(times) - 1 if counted is not None else len(points) - 1
        ax.plot(times[last : last + 1], [values[last]], "o", color=LINE, markersize=4)
        low, high = min(values), max(values)
        pad = (high - low) * 0.15 or 1
        ax.set_ylim(low - pad, high + pad)
        colour = INK if met is None else MET if met else TARGET
        figure.text(0.72, middle, latest, fontsize=12, weight="bold", color=colour, va="center")
        figure.text(0.83, middle, aside, fontsize=10, color=MUTED, va="center")
    return png_of(figure)


def _band(figure, y: float, height: float):
    from matplotlib.patches import Rectangle

    return Rectangle(
        (0, y), 1, height, transform=figure.transFigure, color="#f6f8fa", zorder=-1, linewidth=0
    )
