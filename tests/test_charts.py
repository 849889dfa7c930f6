"""The digests' pictures read right: no label on its line, no name cut at the edge, no axis
tick rounded into the target's neighbour. Checked on the figures (boxes in pixels), not by
eye; the README's example images are drawn by the same code."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.services.charts.goals import goals_figure
from bot.services.charts.labels import line_path
from bot.services.charts.metrics import metrics_figure
from bot.services.digests.model import CategorySummary, MetricSeries

START = datetime(2025, 1, 6, 9, tzinfo=UTC)
SPAN = (date(2025, 1, 1), date(2025, 3, 31))


def weekly(*values: float) -> tuple:
    return tuple((START + timedelta(days=7 * i), v) for i, v in enumerate(values))


UPTIME = MetricSeries(
    "uptime", "System uptime", "%", weekly(99.81, 99.84, 99.86, 99.9, 99.88, 99.92, 99.95, 99.96),
    target=99.99, milestone=99.9, comparator=">=", milestone_comparator=">=", period="Q1 2025",
)  # fmt: skip
COVERAGE = MetricSeries(
    "coverage", "Code coverage", "%", weekly(70, 72, 73, 75, 76, 78, 80, 81, 83, 84),
    target=85, comparator=">",
)  # fmt: skip


def panels(*series: MetricSeries):
    figure = metrics_figure(series, title="Q1 2025", span=SPAN)
    return figure, [ax for ax in figure.axes if ax.get_visible()]


def test_axis_ticks_have_the_decimals_of_the_target():
    _, (ax,) = panels(UPTIME)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "99.99%" in labels and "99.90%" in labels  # each goal's own value, at its line
    assert "100%" not in labels and len(set(labels)) == len(labels)


def test_the_latest_value_is_beside_its_line_not_on_it():
    for series in (COVERAGE, UPTIME):
        figure, (ax,) = panels(series)
        renderer = figure.canvas.get_renderer()
        line = line_path(ax, [t for t, _ in series.points], [v for _, v in series.points])
        (latest,) = [t for t in ax.texts if t.get_text() == f"{series.points[-1][1]:g}%"]
        box = latest.get_window_extent(renderer)
        assert not line.intersects_bbox(box, filled=False), series.key
        assert ax.get_window_extent(renderer).contains(box.x0, box.y0)


def test_a_long_category_name_is_wrapped_not_clipped():
    long = "Platform Reliability and Developer Experience"
    figure = goals_figure(
        [CategorySummary(long, 4, 1, 30, {"done": 1, "not-started": 3}),
         CategorySummary("Team", 2, 0, 0, {"not-started": 2})],
        title="Q1 2025: goals by category",
    )  # fmt: skip
    renderer = figure.canvas.get_renderer()
    (ax,) = figure.axes
    names = ax.get_yticklabels()
    assert names[0].get_text() == "Platform Reliability and\nDeveloper Experience"
    assert all(n.get_window_extent(renderer).x0 >= 0 for n in names)
