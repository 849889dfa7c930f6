"""PNG charts of metric readings, drawn with matplotlib's Agg canvas (no GUI, thread-safe:
each call builds its own Figure and never touches pyplot's global state)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date, timedelta

from bot.services.digests.model import MetricSeries
from bot.services.metrics import format_value

MAX_PANELS = 10
DPI = 100
LINE = "#1f6feb"
TARGET = "#cf222e"
MILESTONE = "#9a6700"


def grid(panels: int) -> tuple[int, int]:
    """(rows, columns) for a wide image: 1→1×1, 3→1×3, 4→2×2, 6→2×3, 8→2×4, 10→2×5."""
    if panels <= 3:
        return 1, max(panels, 1)
    if panels == 4:
        return 2, 2
    columns = math.ceil(panels / 2)
    return 2, columns


def metrics_chart(
    series: Sequence[MetricSeries],
    *,
    title: str,
    width_px: int = 1200,
    height_px: int = 675,
    span: tuple[date, date] | None = None,
) -> bytes:
    """One small panel per metric (up to ten): its readings over time, its target as a dashed
    line and its milestone as a dotted one; `span` (first and last day) fixes every panel's
    time axis to the period. Returns PNG bytes of exactly width × height pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    shown = [s for s in series if s.points][:MAX_PANELS]
    figure = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    more = len([s for s in series if s.points]) - len(shown)
    figure.suptitle(title + (f" (first {len(shown)}; {more} more)" if more else ""), fontsize=14)
    if not shown:
        figure.text(0.5, 0.5, "No metric readings in this period", ha="center", va="center")
        return _png(figure)
    figure.text(0.99, 0.955, "- - target    ··· milestone", ha="right", fontsize=9, color="#57606a")
    rows, columns = grid(len(shown))
    axes = figure.subplots(rows, columns, squeeze=False)
    for index, ax in enumerate(axes.flat):
        if index >= len(shown):
            ax.set_visible(False)
            continue
        metric = shown[index]
        times = [at for at, _ in metric.points]
        values = [value for _, value in metric.points]
        ax.plot(times, values, marker="o", markersize=3, color=LINE, linewidth=1.5)
        if metric.target is not None:
            ax.axhline(metric.target, color=TARGET, linestyle="--", linewidth=1, label="target")
        if metric.milestone is not None and metric.milestone != metric.target:
            ax.axhline(metric.milestone, color=MILESTONE, linestyle=":", linewidth=1.2)
        if span is not None:
            ax.set_xlim(span[0], span[1] + timedelta(days=1))
        locator = AutoDateLocator(minticks=2, maxticks=5)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        latest = format_value(values[-1], metric.unit)
        ax.set_title(f"{metric.name}: {latest}", fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(True, alpha=0.3)
    figure.tight_layout(rect=(0, 0, 1, 0.94))
    return _png(figure)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
