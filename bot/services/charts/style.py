"""What every chart shares: size, colours, a white figure on an Agg canvas (no pyplot, no
global state), PNG bytes, and small text helpers."""

from __future__ import annotations

import io

WIDTH, HEIGHT, DPI = 1200, 675, 100
MAX_PANELS = 8
MAX_SPARKLINES = 8
INK, MUTED, GRID = "#24292f", "#57606a", "#d0d7de"
LINE = "#0969da"
TARGET = "#cf222e"
MILESTONE = "#9a6700"
MET = "#1a7f37"
# The goals chart's groups: (label, statuses, colour), in the order the bars stack.
GOAL_GROUPS = (
    ("done", ("done",), "#2da44e"),
    ("on track", ("on-track",), "#54aeff"),
    ("at risk, off track or blocked", ("at-risk", "off-track", "blocked"), "#e16f24"),
    ("not started", ("not-started",), "#d0d7de"),
)


def figure_of(width_px: int = WIDTH, height_px: int = HEIGHT):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def png_of(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(
        buffer, format="png", dpi=DPI, facecolor="white", pil_kwargs={"compress_level": 3}
    )
    return buffer.getvalue()


def plain(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(GRID)
    ax.tick_params(colors=MUTED, labelsize=9, length=0)


def halo():
    """A white outline around text drawn over lines: readable, and the lines stay visible."""
    from matplotlib.patheffects import withStroke

    return [withStroke(linewidth=3.5, foreground="white")]


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
