"""Property-based tests (hypothesis) for bot.services.roadmap_document."""

from __future__ import annotations

import string
from datetime import date

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.services.roadmap_document import (
    STATUSES,
    ParsedCategory,
    ParsedGoal,
    ParsedMetric,
    ParsedPeriod,
    ParsedRoadmap,
    RoadmapParseError,
    normalize_title,
    parse_period_label,
    parse_roadmap,
    render_markdown,
)
from bot.services.roadmap_document.marks import objective_name
from bot.services.roadmap_document.metrics import type_metric_value
from bot.services.roadmap_document.parser import parse_document
from bot.services.roadmap_document.periods import heading_period, match_period
from bot.services.roadmap_document.sections import RITUALS_HEADING

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _only_parse_errors(source: str | bytes) -> None:
    """The unguarded parser must not fail with anything but RoadmapParseError."""
    for parse in (parse_document, parse_roadmap):
        try:
            roadmap = parse(source)
        except RoadmapParseError as error:
            assert error.line is None or error.line >= 1
            assert str(error)
        else:
            assert any(True for _ in roadmap.goals())
            render_markdown(roadmap)


# -- (1) arbitrary input never raises anything but RoadmapParseError ---------------------------


@SETTINGS
@given(st.text())
def test_arbitrary_text_raises_only_parse_errors(text: str) -> None:
    _only_parse_errors(text)


@SETTINGS
@given(st.binary())
def test_arbitrary_bytes_raise_only_parse_errors(data: bytes) -> None:
    _only_parse_errors(data)


MARKDOWN_PIECES = st.sampled_from(
    [
        "# ", "## ", "### ", "#### ", "- ", "* ", "1. ", "  - ", "> ", "[x] ", "[ ] ", "\n",
        "\r\n", "\t", "Q1 2025", "Q3", "Q3-Q4 2025", "H1 2026", "2026", "2026 Q2", "Goals",
        "Success Metrics", "Technical Metrics", "Team Metrics", "KPIs", "Risks", ": ", "99.9%",
        " → ", "\u00e2\u2020\u2019", "<200ms", ">4.5/5", "Daily", "Monthly",
        "(@alice, due 2025-03-15)",
        "<@U0123ABCD|bob>", "[at risk]", " — 60%", "(20%)", "(progress 101%)", "due 2025-02-30",
        "by 2025-13-01", "Reduce latency by 30%", "Onboard 2 engineers", "retrospectives",
        "knowledge sharing", "===", "---", "```", "**", "`", "\\", "&amp;", "<b>", "\ufeff",
        "9" * 30, "Q4-Q1 2025", "FY2026", "(", ")", "[", "]",
    ]
)  # fmt: skip


@SETTINGS
@given(st.lists(st.one_of(MARKDOWN_PIECES, st.text(max_size=8)), max_size=40))
def test_markdown_like_text_raises_only_parse_errors(pieces: list[str]) -> None:
    text = "".join(pieces)
    _only_parse_errors(text)
    _only_parse_errors(text.encode("utf-8"))
    _only_parse_errors(text.encode("utf-8", errors="replace")[::-1])


# -- (2) generated roadmaps survive render -> parse --------------------------------------------

TITLE_ALPHABET = (
    string.ascii_letters + string.digits + " ()&<>:;,.!?'\"-_*#[]/@%`~+=|\\{}$^" + "éü→—"
)
WORDS = st.text(string.ascii_letters, min_size=2, max_size=10)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _is_plain_heading(text: str) -> bool:
    """A heading the parser will read as a category/title (not a period or metrics section)."""
    lowered = text.casefold()
    return (
        bool(text)
        and match_period(text) is None
        and heading_period(text) is None
        and objective_name(text) is None
        and RITUALS_HEADING.fullmatch(text) is None
        and not any(
            word in lowered for word in ("metric", "kpi", "measure", "indicator", "criteria")
        )
    )


# Words teams put around a status inside a line: a title made of them must still read back.
TRICKY_WORDS = st.sampled_from(
    ["blocked", "on", "by", "until", "In progress", "at risk:", "Done", "waiting", "—", "-",
     "\\-", "|", "⛔", "🔄", "⚠️", "✅", "(blocked", "on legal)", "@alice", "@bob", "#12",
     "**Done**", "2.1", "1.", "KR1:", "Unassigned", "review", "closed", "60%", "Ship", "search"]
)  # fmt: skip
goal_titles = st.one_of(
    st.text(TITLE_ALPHABET, min_size=1, max_size=40).map(_clean).filter(bool),
    st.lists(TRICKY_WORDS, min_size=1, max_size=6).map(" ".join),
)
slack_ids = st.text(string.ascii_uppercase + string.digits, min_size=8, max_size=8).map(
    lambda tail: "U" + tail
)
handles = st.builds(
    lambda first, rest: f"@{first}{rest}",
    st.sampled_from(string.ascii_lowercase),
    st.text(string.ascii_lowercase + string.digits + "._-", max_size=10),
)
names = st.sampled_from(["Lena Fischer", "ada@example.com", "María José García-Ruiz"])
owner_lists = st.lists(st.one_of(slack_ids, handles, names), max_size=3, unique=True)
dues = st.none() | st.dates(date(2000, 1, 1), date(2099, 12, 31))
progresses = st.none() | st.integers(0, 100)
statuses = st.none() | st.sampled_from(STATUSES)
heading_names = (
    st.lists(WORDS, min_size=1, max_size=3)
    .map(" ".join)
    .flatmap(lambda words: st.sampled_from([words, f"{words} & Co", f"{words}: {words}"]))
    .filter(_is_plain_heading)
)


@st.composite
def goals(draw: st.DrawFn) -> ParsedGoal:
    return ParsedGoal(
        draw(goal_titles), 0, draw(owner_lists), draw(statuses), draw(dues), draw(progresses)
    )


@st.composite
def period_labels(draw: st.DrawFn) -> str:
    year = draw(st.integers(1990, 2150))
    kind = draw(st.sampled_from(["quarter", "quarters", "half", "year"]))
    if kind == "quarter":
        return f"Q{draw(st.integers(1, 4))} {year}"
    if kind == "quarters":
        first = draw(st.integers(1, 3))
        return f"Q{first}-Q{draw(st.integers(first + 1, 4))} {year}"
    if kind == "half":
        return f"H{draw(st.integers(1, 2))} {year}"
    return str(year)


def _goal_key(goal: ParsedGoal) -> str:
    return normalize_title(goal.title) or goal.title


categories = st.builds(
    lambda name, goal_list: ParsedCategory(name, 0, goal_list),
    heading_names,
    st.lists(goals(), min_size=1, max_size=4, unique_by=_goal_key),
)


@st.composite
def periods(draw: st.DrawFn, label: str) -> ParsedPeriod:
    resolved = parse_period_label(label, None)
    assert resolved is not None
    canonical, start, end = resolved
    category_list = draw(st.lists(categories, min_size=1, max_size=3, unique_by=lambda c: c.name))
    return ParsedPeriod(canonical, start, end, 0, category_list)


METRIC_TEXTS = st.one_of(
    st.sampled_from(
        ["99.9% → 99.99%", "<200ms average", ">85%", "Daily", "<1 hour", ">4.5/5",
         "50% of projects", "Monthly", "at least 3 per week", "lots", ""]
    ),
    st.text(TITLE_ALPHABET, max_size=20).map(_clean),
)  # fmt: skip


@st.composite
def metrics(draw: st.DrawFn) -> ParsedMetric:
    name = draw(st.text(TITLE_ALPHABET.replace("—", ""), min_size=1, max_size=25).map(_clean))
    assume(name)
    text = draw(METRIC_TEXTS)
    value = type_metric_value(text)
    return ParsedMetric(
        name, "", [], draw(st.sampled_from(["technical", "team"])), text, value.baseline,
        value.target, value.comparator, value.unit, value.cadence, value.qualifier, value.typed,
    )  # fmt: skip


@st.composite
def roadmaps(draw: st.DrawFn) -> ParsedRoadmap:
    labels = draw(st.lists(period_labels(), min_size=1, max_size=3, unique=True))
    period_list = [draw(periods(label)) for label in labels]
    assume(any(category.goals for period in period_list for category in period.categories))
    title = draw(st.none() | heading_names)
    subtitle = draw(st.none() | heading_names) if title else None
    metric_list = draw(st.lists(metrics(), max_size=4, unique_by=lambda m: m.name.casefold()))
    return ParsedRoadmap(title, subtitle, None, period_list, metric_list, [], [])


def _goal_view(roadmap: ParsedRoadmap) -> list[object]:
    return [
        (
            period.label, period.start, period.end,
            [
                (category.name, [(g.title, g.owners, g.status, g.due, g.progress) for g in
                                 category.goals])
                for category in period.categories
            ],
        )
        for period in roadmap.periods
    ]  # fmt: skip


def _metric_view(roadmap: ParsedRoadmap) -> list[object]:
    return [
        (m.name, m.kind, m.text, m.baseline, m.target, m.comparator, m.unit, m.cadence,
         m.qualifier, m.typed)
        for m in roadmap.metrics
    ]  # fmt: skip


def _full_view(roadmap: ParsedRoadmap) -> list[object]:
    """Everything but line numbers and warnings."""
    targets = [goal.target for _, _, goal in roadmap.goals()]
    keys = [(m.key, m.aliases) for m in roadmap.metrics]
    rituals = [(r.kind, r.cadence, r.text) for r in roadmap.rituals]
    return [_goal_view(roadmap), _metric_view(roadmap), targets, keys, rituals, roadmap.title]


@settings(SETTINGS, max_examples=150)  # the slowest property: keep the suite well under 10 s
@given(roadmaps())
def test_generated_roadmaps_survive_render_and_parse(roadmap: ParsedRoadmap) -> None:
    rendered = render_markdown(roadmap)
    parsed = parse_roadmap(rendered)
    assert _goal_view(parsed) == _goal_view(roadmap), rendered
    assert _metric_view(parsed) == _metric_view(roadmap), rendered
    assert (parsed.title, parsed.subtitle) == (roadmap.title, roadmap.subtitle), rendered
    again = parse_roadmap(render_markdown(parsed))
    assert _full_view(again) == _full_view(parsed)


# -- (3) normalize_title and period labels -----------------------------------------------------


@SETTINGS
@given(st.text())
def test_normalize_title_is_idempotent(title: str) -> None:
    once = normalize_title(title)
    assert normalize_title(once) == once
    assert once == once.strip()
    assert "  " not in once


@SETTINGS
@given(goal_titles)
def test_normalize_title_ignores_case_and_spacing(title: str) -> None:
    assert normalize_title(f"  {title.upper()}  ") == normalize_title(title.upper())
    assert normalize_title(title.replace(" ", "\t ")) == normalize_title(title)


@SETTINGS
@given(period_labels(), st.sampled_from(["", " Goals", " Objectives", " Roadmap"]))
def test_period_labels_are_canonical(label: str, suffix: str) -> None:
    resolved = parse_period_label(label + suffix, None)
    assert resolved is not None
    canonical, start, end = resolved
    assert parse_period_label(canonical, None) == resolved
    assert start <= end and start.year == end.year
