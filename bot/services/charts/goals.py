"""The goals chart: per category, one bar stacking its goals by status, with counts."""

from __future__ import annotations

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
    from matplotlib.patches import Patch

    figure = figure_of()
    figure.suptitle(title, x=0.03, y=0.95, ha="left", fontsize=18, color=INK, weight="bold")
    shown = list(categories)[:12]
    if not shown:
        figure.text(0.5, 0.5, "No goals in this period", ha="center", color=MUTED, fontsize=14)
        return png_of(figure)
    ax = figure.add_axes((0.24, 0.1, 0.6, 0.7))
    names = [short(c.name, 30) for c in shown]
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
    return png_of(figure)
