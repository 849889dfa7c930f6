"""The goals chart: per category, one bar stacking its goals by status, with counts."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from bot.services.charts.style import (
    GOAL_GROUPS,
    GRID,
    INK,
    MUTED,
    figure_of,
    plain,
    png_of,
    short,
)
from bot.services.digests.model import CategorySummary
from bot.services.metric_values import plural


def goals_chart(categories: Sequence[CategorySummary], *, title: str) -> bytes:
    """Per category, one horizontal bar stacking its goals by status (done, on track, at risk
    or worse, not started), each part labelled with its count, and "2 of 6 done" at the end."""
    return png_of(goals_figure(categories, title=title))


def goals_figure(categories: Sequence[CategorySummary], *, title: str):
    """The goals chart as a matplotlib Figure."""
    from matplotlib.patches import Patch

    figure = figure_of()
    figure.suptitle(title, x=0.03, y=0.95, ha="left", fontsize=18, color=INK, weight="bold")
    shown = list(categories)[:12]
    if not shown:
        figure.text(0.5, 0.5, "No goals in this period", ha="center", color=MUTED, fontsize=14)
        return figure
    ax = figure.add_axes((0.24, 0.1, 0.6, 0.7))
    names = [_name_lines(c.name) for c in shown]
    rows = range(len(shown))
    widest = max(c.goals for c in shown)
    lefts = [0] * len(shown)
    for _label, statuses, colour in GOAL_GROUPS:
        counts = [sum(c.by_status.get(s, 0) for s in statuses) for c in shown]
        ax.barh(rows, counts, left=lefts, color=colour, height=0.62, edgecolor="white")
        for row, (left, count) in enumerate(zip(lefts, counts, strict=True)):
            if count and count / widest >= 0.04:
                dark = colour in ("#2da44e", "#e16f24")
                ax.text(
                    left + count / 2,
                    row,
                    str(count),
                    ha="center",
                    va="center",
                    fontsize=12,
                    weight="bold",
                    color="white" if dark else INK,
                )
        lefts = [a + b for a, b in zip(lefts, counts, strict=True)]
    for row, c in enumerate(shown):
        ax.text(
            c.goals + widest * 0.015,
            row,
            f"{c.done} of {plural(c.goals, 'goal')} done",
            va="center",
            fontsize=11,
            color=MUTED,
        )
    plain(ax)
    ax.set_yticks(list(rows), names)
    ax.tick_params(axis="y", labelsize=13, labelcolor=INK)
    ax.invert_yaxis()
    ax.set_xlim(0, widest * 1.01)
    ax.set_xlabel("goals", color=MUTED, fontsize=11)
    _fit_names(figure, ax)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="x", color=GRID, linewidth=0.6, alpha=0.6)
    ax.set_axisbelow(True)
    figure.legend(
        handles=[Patch(facecolor=colour, label=label) for label, _, colour in GOAL_GROUPS],
        loc="upper left",
        bbox_to_anchor=(0.03, 0.9),
        ncols=4,
        frameon=False,
        fontsize=12,
        handlelength=1.4,
    )
    return figure


NAME_LINE = 24  # characters on a line of a category's name; two lines at most


def _name_lines(name: str) -> str:
    """A category's name on at most two lines, cut with "…" only past them."""
    lines = textwrap.wrap(name, NAME_LINE, break_long_words=True) or [""]
    if len(lines) > 2:
        lines = [lines[0], short(" ".join(lines[1:]), NAME_LINE)]
    return "\n".join(lines)


def _fit_names(figure, ax) -> None:
    """Widen the left margin to the longest name, so none is clipped at the figure's edge."""
    renderer = figure.canvas.get_renderer()
    widest = max((t.get_window_extent(renderer).width for t in ax.get_yticklabels()), default=0)
    left = min(max((widest + 24) / figure.bbox.width, 0.12), 0.4)
    right = 0.84
    _, y0, _, height = ax.get_position().bounds
    ax.set_position((left, y0, right - left, height))
