"""Where the metrics chart puts its words: axis ticks with the decimals the goals need, and
labels moved beside the readings' line rather than on it (measured in pixels)."""

from __future__ import annotations

import math

# Where the latest value may go, in order: (offset in points, alignment) from its point.
LATEST_SPOTS = (
    (-7, 7, "right", "bottom"),
    (-7, -7, "right", "top"),
    (7, 7, "left", "bottom"),
    (7, -7, "left", "top"),
    (0, 11, "center", "bottom"),
    (0, -11, "center", "top"),
    (-10, 0, "right", "center"),
    (-7, 22, "right", "bottom"),
    (-7, -22, "right", "top"),
    (-24, 14, "right", "bottom"),
    (-24, -14, "right", "top"),
    (-7, -36, "right", "top"),
    (-7, 36, "right", "bottom"),
)


# Where a goal's label may go: along its line (x in axes fraction), above it, else below.
GOAL_SPOTS = tuple(
    (x, 4 if ha == "left" else -4, dy, ha, va)
    for dy, va in ((2, "bottom"), (-2, "top"))
    for x, ha in ((0, "left"), (1, "right"), (0.3, "left"), (0.7, "right"))
)


def decimals(value: float) -> int:
    """The decimals `value` needs (99.99 → 2, 200 → 0), at most 4."""
    for places in range(5):
        if abs(round(value, places) - value) < 1e-9 * max(1.0, abs(value)):
            return places
    return 4


def value_ticks(ax, bottom: float, top: float, levels, places: int, suffix: str) -> None:
    """About four ticks, with as many decimals as the step and the goals' values need (no
    "100%" beside a 99.99% target), and each goal's own value as a tick at its line."""
    from matplotlib.ticker import MaxNLocator

    ticks = [t for t in MaxNLocator(nbins=4).tick_values(bottom, top) if bottom <= t <= top]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    places = max(places, decimals(step))
    near = (top - bottom) * 0.13
    ticks = [t for t in ticks if all(abs(t - level) > near for level in levels)]
    for level in levels:
        if all(abs(level - t) > near / 2 for t in ticks):
            ticks.append(level)
    ticks.sort()
    ax.set_yticks(ticks, [f"{t:.{places}f}{suffix}".replace("-", "−") for t in ticks])
    ax.set_ylim(bottom, top)


def _move(text, spot, y) -> None:
    x, dx, dy, ha, va = spot
    if x is not None:
        text.xy = (x, y)
    text.set(ha=ha, va=va)
    text.xyann, text.anncoords = (dx, dy), "offset points"


def line_path(ax, times, values):
    """The readings' line in display coordinates, to keep labels off it."""
    from matplotlib.dates import date2num
    from matplotlib.path import Path

    ax.get_xlim(), ax.get_ylim()  # settle the limits before measuring
    points = ax.transData.transform(list(zip(date2num(times), values, strict=True)))
    return Path(points)


def place(text, spots, readings, taken, ax, levels=(), ground=False):
    """Move `text` to the first spot (x in axes fraction or None for its own point; offset in
    points; alignment) whose box stays inside the panel and clear of the readings' line, the
    goal lines and the labels already placed; with none clear, the one crossing least.
    Returns its box."""
    from matplotlib.transforms import Bbox

    renderer = ax.figure.canvas.get_renderer()
    panel = ax.get_window_extent(renderer)
    lines_y = [ax.transData.transform((0, level))[1] for level in levels]
    _, y = text.xy
    point_y = ax.transData.transform((0, y))[1] if text.xycoords == "data" else None
    best, best_cost = spots[0], math.inf
    for spot in spots:
        _move(text, spot, y)
        box = text.get_window_extent(renderer).expanded(1.06, 1.15)
        cost = 4.0 * readings.intersects_bbox(box, filled=False)
        cost += 2 * sum(box.y0 <= line_y <= box.y1 for line_y in lines_y)
        if point_y is not None:  # a value shown across a goal's line reads as meeting it
            middle = (box.y0 + box.y1) / 2
            cost += 3 * sum((middle - line_y) * (point_y - line_y) < 0 for line_y in lines_y)
        cost += 6 * sum(box.overlaps(other) for other in taken)
        inside = Bbox.intersection(box, panel)
        if inside is None or inside.width * inside.height < box.width * box.height * 0.98:
            cost += 5
        if cost < best_cost:
            best, best_cost = spot, cost
        if cost == 0:
            break
    _move(text, best, y)
    if best_cost and ground:  # crowded: a white ground keeps it readable over what it crosses
        text.set_bbox({"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
    return text.get_window_extent(renderer)
