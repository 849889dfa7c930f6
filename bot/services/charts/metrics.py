"""The metrics chart (one panel per metric against its target and milestone) and the weekly
sparklines."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.services.charts.labels import (
    GOAL_SPOTS,
    LATEST_SPOTS,
    decimals,
    line_path,
    place,
    value_ticks,
)
from bot.services.charts.style import (
    GRID,
    HEIGHT,
    INK,
    LINE,
    MAX_PANELS,
    MET,
    MILESTONE,
    MUTED,
    TARGET,
    WIDTH,
    figure_of,
    halo,
    plain,
    png_of,
    short,
)
from bot.services.digests.model import MetricSeries
from bot.services.metric_values import (
    COMPARATOR_SYMBOLS,
    TIME_SECONDS,
    format_value,
    meets,
    plural,
    time_unit,
)


def charted(series: Sequence[MetricSeries]) -> list[MetricSeries]:
    """The metrics that get a panel: those with readings in the period."""
    return [s for s in series if s.points]


@dataclass(frozen=True)
class _Scale:
    """How a metric's values are shown on an axis: a factor from the stored unit and the
    label of the shown one (latency stored in ms stays ms; 0.75 hours shows in minutes)."""

    factor: float
    label: str
    suffix: str


def _scale(unit: str | None, values: Sequence[float]) -> _Scale:
    name = time_unit(unit)
    if name is not None:
        seconds = max((abs(v) for v in values), default=0) * TIME_SECONDS[name]
        for shown, limit, suffix in (
            ("ms", 1, " ms"),
            ("seconds", 60, " s"),
            ("minutes", 3 * 3600, " min"),
            ("hours", 86400 * 2, " h"),
            ("days", math.inf, " d"),
        ):
            if seconds < limit:
                return _Scale(TIME_SECONDS[name] / TIME_SECONDS[shown], shown, suffix)
    if unit == "%":
        return _Scale(1, "percent", "%")
    if unit and unit.startswith("/"):
        return _Scale(1, f"score out of {unit[1:]}", "")
    return _Scale(1, unit or "value", f" {unit}" if unit else "")


def _goal_label(kind: str, comparator: str | None, value: float, unit: str | None) -> str:
    symbol = COMPARATOR_SYMBOLS.get(comparator or "", "")
    return f"{kind} {symbol} {format_value(value, unit)}".replace("  ", " ")


def metrics_chart(
    series: Sequence[MetricSeries],
    *,
    title: str,
    width_px: int = WIDTH,
    height_px: int = HEIGHT,
    span: tuple[date | None, date | None] | None = None,
) -> bytes:
    """One panel per metric with readings (up to six): its readings over the period, its
    final target and this period's milestone as labelled lines, the side that meets the
    milestone (else the target) shaded, the latest value labelled with its unit; a cadence
    metric shows its running count against what the cadence asks. `span` (first and last
    day) fixes every panel's time axis to the period."""
    return png_of(
        metrics_figure(series, title=title, width_px=width_px, height_px=height_px, span=span)
    )


def metrics_figure(
    series: Sequence[MetricSeries],
    *,
    title: str,
    width_px: int = WIDTH,
    height_px: int = HEIGHT,
    span: tuple[date | None, date | None] | None = None,
):
    """The metrics chart as a matplotlib Figure (metrics_chart's PNG is drawn from it)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    shown = charted(series)
    more = len(shown) - MAX_PANELS
    shown = shown[:MAX_PANELS]
    figure = figure_of(width_px, height_px)
    heading = title + (f" (first {MAX_PANELS}; {more} more)" if more > 0 else "")
    figure.suptitle(heading, x=0.02, y=0.97, ha="left", fontsize=16, color=INK, weight="bold")
    if not shown:
        figure.text(0.5, 0.5, "No metric readings in this period", ha="center", color=MUTED)
        return figure
    rows, columns = (1, len(shown)) if len(shown) <= 3 else (2, math.ceil(len(shown) / 2))
    axes = figure.subplots(rows, columns, squeeze=False)
    figure.subplots_adjust(
        left=0.065,
        right=0.985,
        top=0.8,
        bottom=0.08,
        wspace=0.42 if columns > 3 else 0.3,
        hspace=0.6 if rows > 1 else 0,
    )
    for index, ax in enumerate(axes.flat):
        if index >= len(shown):
            ax.set_visible(False)
            continue
        limit = 26 if columns > 3 else 34
        if shown[index].cadence is not None:
            _cadence_panel(ax, shown[index], span, limit)
        else:
            _metric_panel(ax, shown[index], span, limit)
    handles = [
        Line2D([], [], color=LINE, marker="o", markersize=5, linewidth=2, label="readings"),
        Line2D([], [], color=TARGET, linestyle="--", linewidth=1.6, label="final target"),
        Line2D(
            [], [], color=MILESTONE, linestyle=":", linewidth=2, label="this period's milestone"
        ),
        Patch(facecolor=MET, alpha=0.12, label="meets it"),
    ]
    if any(s.cadence is not None for s in shown):
        handles.append(
            Line2D(
                [], [], color=MUTED, linestyle="--", linewidth=1.4, label="what the cadence asks"
            )
        )
    figure.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.02, 0.93),
        ncols=len(handles),
        frameon=False,
        fontsize=11,
        handlelength=2.2,
    )
    return figure


def _time_axis(ax, times: Sequence[datetime], span) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    if span is not None and span[0] is not None and span[1] is not None:
        ax.set_xlim(span[0], span[1] + timedelta(days=1))
    locator = AutoDateLocator(minticks=3, maxticks=5)
    ax.xaxis.set_major_locator(locator)
    # Month names, "Jan" included (not the year) where a year starts; days as "10 Feb".
    formats = ["%Y", "%b", "%-d %b", "%H:%M", "%H:%M", "%S.%f"]
    ax.xaxis.set_major_formatter(
        ConciseDateFormatter(
            locator,
            formats=formats,
            zero_formats=["", "%b", "%-d %b", "%H:%M", "%H:%M", "%M:%S"],
            show_offset=False,
        )
    )


def _metric_panel(ax, metric: MetricSeries, span, limit: int) -> None:
    times = [at for at, _ in metric.points]
    scale = _scale(metric.unit, [v for _, v in metric.points] + [metric.target or 0])
    values = [v * scale.factor for _, v in metric.points]
    lines = []
    if metric.target is not None and metric.comparator:
        lines.append(("final target", metric.comparator, metric.target, TARGET, "--"))
    if (
        metric.milestone is not None
        and metric.milestone_comparator
        and metric.milestone != metric.target
    ):
        lines.append(
            (
                "milestone",  # the legend says whose: "this period's milestone"
                metric.milestone_comparator,
                metric.milestone,
                MILESTONE,
                ":",
            )
        )
    levels = [value * scale.factor for _, _, value, _, _ in lines]
    low, high = min(values + levels), max(values + levels)
    pad = (high - low) * 0.18 or max(abs(high) * 0.05, 1)
    # Room for the latest value's label beside its point, above or below.
    lowest = values[-1] - low < (high - low) * 0.15
    bottom, top = low - pad * (1.6 if lowest else 1), high + pad * 1.6
    ax.set_ylim(bottom, top)
    # The met side of the milestone (else the target) is shaded.
    if lines:
        _, comparator, value, _, _ = lines[-1]
        level = value * scale.factor
        if comparator in (">", ">="):
            ax.axhspan(level, top, color=MET, alpha=0.12, linewidth=0)
        elif comparator in ("<", "<="):
            ax.axhspan(bottom, level, color=MET, alpha=0.12, linewidth=0)
    ax.plot(times, values, color=LINE, marker="o", markersize=4, linewidth=2, zorder=3)
    _time_axis(ax, times, span)
    ax.set_title(
        short(metric.name, limit), fontsize=12 if limit < 30 else 13, color=INK, loc="left"
    )
    ax.set_ylabel(scale.label, color=MUTED, fontsize=10)
    places = max(decimals(value) for value in [*levels, 0.0])
    value_ticks(ax, bottom, top, levels, places, scale.suffix)
    readings = line_path(ax, times, values)
    for _, _, value, colour, style in lines:
        ax.axhline(
            value * scale.factor,
            color=colour,
            linestyle=style,
            linewidth=1.6 if style == "--" else 2,
        )
    latest_at, latest = metric.points[-1]
    goal = lines[-1] if lines else None
    good = goal is not None and meets(latest, goal[1], goal[2])
    text = ax.annotate(
        format_value(latest, metric.unit, near=goal[2] if goal else None),
        (latest_at, values[-1]),
        fontsize=11,
        weight="bold",
        color=MET if good else (TARGET if goal else INK),
        path_effects=halo(),
        zorder=6,
    )
    # The latest value first, beside its point, off the readings and the goal lines; then
    # each goal's label along its line, where neither the readings nor a label is.
    spots = [(None, dx, dy, ha, va) for dx, dy, ha, va in LATEST_SPOTS]
    taken = [place(text, spots, readings, [], ax, levels=levels, ground=True)]
    for label, comparator, value, colour, _ in lines:
        text = ax.annotate(
            _goal_label(label, comparator, value, metric.unit),
            (0, value * scale.factor),
            xycoords=ax.get_yaxis_transform(),
            fontsize=9,
            color=colour,
            path_effects=halo(),
            zorder=5,
        )
        taken.append(place(text, GOAL_SPOTS, readings, taken, ax))
    ax.grid(axis="y", color=GRID, linewidth=0.6, alpha=0.6)
    plain(ax)


def _cadence_panel(ax, metric: MetricSeries, span, limit: int) -> None:
    """A running count of occurrences against the pace the cadence asks for."""
    from matplotlib.ticker import MaxNLocator

    counted = metric.cadence
    points = sorted(metric.points)
    times, totals, total = [], [], 0
    for at, value in points:
        total += max(0, round(value))
        times.append(at)
        totals.append(total)
    ax.step(times, totals, where="post", color=LINE, linewidth=2, zorder=3)
    ax.plot(times, totals, "o", color=LINE, markersize=4, zorder=3)
    if span is not None and span[0] is not None and span[1] is not None:
        first, last = span
        days = [first + timedelta(days=i) for i in range(0, (last - first).days + 1)]
        asked = [counted.cadence.asked(first, day) for day in days]
        ax.plot(days, asked, color=MUTED, linestyle="--", linewidth=1.4)
        ax.fill_between(days, asked, max(asked + totals) * 1.25 + 1, color=MET, alpha=0.12)
    ax.annotate(
        plural(counted.count, counted.noun),
        (times[-1], totals[-1]),
        xytext=(-4, 9),
        textcoords="offset points",
        ha="right",
        path_effects=halo(),
        fontsize=11,
        weight="bold",
        color=MET if counted.met else TARGET if counted.met is False else INK,
    )
    ax.set_title(
        short(metric.name, limit), fontsize=12 if limit < 30 else 13, color=INK, loc="left"
    )
    ax.set_ylabel(f"{counted.noun}s so far ({counted.cadence.text})", color=MUTED, fontsize=10)
    ax.set_ylim(0, max([*totals, counted.asked]) * 1.25 + 1)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    _time_axis(ax, times, span)
    ax.grid(axis="y", color=GRID, linewidth=0.6, alpha=0.6)
    plain(ax)
