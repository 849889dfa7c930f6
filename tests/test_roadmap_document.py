"""Example-based tests for bot.services.roadmap_document (parser and renderer)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.services.roadmap_document import (
    GoalTarget,
    ParsedCategory,
    ParsedGoal,
    ParsedMetric,
    ParsedPeriod,
    ParsedRoadmap,
    ParseWarning,
    RoadmapParseError,
    normalize_title,
    parse_period_label,
    parse_roadmap,
    render_markdown,
)

SAMPLE = Path(__file__).parent.parent / "examples" / "backend-engineering-2025.md"
SHARED_SAMPLE = Path("/work/shared/roadmaps/backend-engineering-2025.md")
REPO_ROOT = Path(__file__).parent.parent
MOJIBAKE_ARROW = "\u00e2\u2020\u2019"  # "→" encoded as UTF-8, decoded as cp1252
MOJIBAKE_EM_DASH = "\u00e2\u20ac\u201d"


@pytest.fixture(scope="module")
def sample_bytes() -> bytes:
    if not SAMPLE.exists():
        SAMPLE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED_SAMPLE, SAMPLE)
    return SAMPLE.read_bytes()


@pytest.fixture(scope="module")
def sample(sample_bytes: bytes) -> ParsedRoadmap:
    return parse_roadmap(sample_bytes)


def shape(roadmap: ParsedRoadmap) -> tuple[object, ...]:
    """Everything a round trip must keep: structure, goals, metrics (no lines, no warnings)."""
    periods = tuple(
        (
            period.label,
            period.start,
            period.end,
            tuple(
                (
                    category.name,
                    tuple(
                        (g.title, tuple(g.owners), g.status, g.due, g.progress, g.target)
                        for g in category.goals
                    ),
                )
                for category in period.categories
            ),
        )
        for period in roadmap.periods
    )
    metrics = tuple(
        (
            m.name, m.key, tuple(m.aliases), m.kind, m.text, m.baseline, m.target,
            m.comparator, m.unit, m.cadence, m.qualifier, m.typed,
        )
        for m in roadmap.metrics
    )  # fmt: skip
    rituals = tuple((r.kind, r.cadence, r.text) for r in roadmap.rituals)
    return periods, metrics, rituals


def goals_of(source: str | bytes) -> list[ParsedGoal]:
    return [goal for _, _, goal in parse_roadmap(source).goals()]


def only_goal(item: str) -> ParsedGoal:
    (goal,) = goals_of(f"## Q1 2025\n\n- {item}\n")
    return goal


def warning_texts(roadmap: ParsedRoadmap) -> list[str]:
    return [str(w) for w in roadmap.warnings]


# -- the sample document ---------------------------------------------------------------------


def test_sample_file_is_the_shared_document(sample_bytes: bytes) -> None:
    if SHARED_SAMPLE.exists():
        assert sample_bytes == SHARED_SAMPLE.read_bytes()
    assert MOJIBAKE_ARROW.encode() in sample_bytes  # the mojibake the parser must repair


def test_sample_title_subtitle_year(sample: ParsedRoadmap) -> None:
    assert sample.title == "Team Roadmap - Backend Engineering Team"
    assert sample.subtitle == "Strategic Plan: 2025"
    assert sample.year == 2025
    assert sample.warnings == []


def test_sample_periods_and_categories(sample: ParsedRoadmap) -> None:
    assert [(p.label, p.start, p.end) for p in sample.periods] == [
        ("Q1 2025", date(2025, 1, 1), date(2025, 3, 31)),
        ("Q2 2025", date(2025, 4, 1), date(2025, 6, 30)),
        ("Q3-Q4 2025", date(2025, 7, 1), date(2025, 12, 31)),
    ]
    assert [p.line for p in sample.periods] == [4, 25, 44]
    for period in sample.periods:
        assert [c.name for c in period.categories] == [
            "Technical Objectives",
            "Team Development",
            "Process Improvements",
        ]
    counts = [sum(len(c.goals) for c in p.categories) for p in sample.periods]
    assert counts == [13, 11, 12]
    assert len(list(sample.goals())) == 36


def test_sample_goal_fields(sample: ParsedRoadmap) -> None:
    first = sample.periods[0].categories[0].goals[0]
    assert first == ParsedGoal("Complete API Gateway Redesign", 7, [], None, None, None, None)
    for _, _, goal in sample.goals():
        assert goal.owners == [] and goal.status is None and goal.due is None
        assert goal.progress is None


def test_sample_uptime_milestones_per_period(sample: ParsedRoadmap) -> None:
    uptime = {
        period.label: goal.target
        for period, _, goal in sample.goals()
        if goal.target is not None and goal.target.metric == "uptime"
    }
    assert uptime == {
        "Q1 2025": GoalTarget(99.9, ">=", "%", "absolute", "uptime"),
        "Q2 2025": GoalTarget(99.95, ">=", "%", "absolute", "uptime"),
        "Q3-Q4 2025": GoalTarget(99.99, ">=", "%", "absolute", "uptime"),
    }


def test_sample_goal_targets(sample: ParsedRoadmap) -> None:
    targets = {goal.title: goal.target for _, _, goal in sample.goals() if goal.target}
    assert targets == {
        "Achieve 99.9% uptime SLA": GoalTarget(99.9, ">=", "%", "absolute", "uptime"),
        "Achieve 99.95% uptime SLA": GoalTarget(99.95, ">=", "%", "absolute", "uptime"),
        "Achieve 99.99% uptime SLA": GoalTarget(99.99, ">=", "%", "absolute", "uptime"),
        "Reduce average API response time by 30%": GoalTarget(
            30, "<=", "%", "relative", "api-response-time"
        ),
        "Reduce system latency by 40%": GoalTarget(40, "<=", "%", "relative", "api-response-time"),
        "Reduce infrastructure costs by 20%": GoalTarget(20, "<=", "%", "relative", None),
        "Onboard 2 new senior engineers": GoalTarget(2, ">=", "engineers", "count", None),
        "Expand team to 8 engineers": GoalTarget(8, ">=", "engineers", "count", None),
        "Create innovation time allocation (20%)": GoalTarget(
            20, ">=", "%", "absolute", "innovation-projects"
        ),
    }


SAMPLE_METRICS = [
    # name, key, kind, text, baseline, target, comparator, unit, cadence, qualifier
    ("System uptime", "uptime", "technical", "99.9% → 99.99%", 99.9, 99.99, ">=", "%", None, None),
    ("API response time", "api-response-time", "technical", "<200ms average", None, 200, "<",
     "ms", None, "average"),
    ("Code coverage", "code-coverage", "technical", ">85%", None, 85, ">", "%", None, None),
    ("Deployment frequency", "deployment-frequency", "technical", "Daily", None, None, None, None,
     "daily", None),
    ("Mean time to recovery", "mean-time-to-recovery", "technical", "<1 hour", None, 1, "<",
     "hours", None, None),
    ("Employee satisfaction", "employee-satisfaction", "team", ">4.5/5", None, 4.5, ">", "/5",
     None, None),
    ("Knowledge sharing sessions", "knowledge-sharing-sessions", "team", "Monthly", None, None,
     None, None, "monthly", None),
    ("Cross-team collaboration", "cross-team-collaboration", "team", "50% of projects", None, 50,
     ">=", "%", None, "of projects"),
    ("Career development", "career-development", "team", "100% of team members", None, 100, ">=",
     "%", None, "of team members"),
    ("Innovation projects", "innovation-projects", "team", "20% of time allocation", None, 20, ">=",
     "%", None, "of time allocation"),
]  # fmt: skip


def test_sample_metrics_typed(sample: ParsedRoadmap) -> None:
    got = [
        (m.name, m.key, m.kind, m.text, m.baseline, m.target, m.comparator, m.unit, m.cadence,
         m.qualifier)
        for m in sample.metrics
    ]  # fmt: skip
    assert got == SAMPLE_METRICS
    assert all(m.typed for m in sample.metrics)
    assert [m.line for m in sample.metrics] == [67, 68, 69, 70, 71, 74, 75, 76, 77, 78]


def test_sample_metric_aliases(sample: ParsedRoadmap) -> None:
    aliases = {m.key: set(m.aliases) for m in sample.metrics}
    assert {"uptime"} <= aliases["uptime"]
    assert {"latency", "response", "api"} <= aliases["api-response-time"]
    assert {"coverage"} <= aliases["code-coverage"]
    assert {"deploys", "deployment"} <= aliases["deployment-frequency"]
    assert {"mttr", "recovery"} <= aliases["mean-time-to-recovery"]
    assert {"satisfaction"} <= aliases["employee-satisfaction"]
    assert {"knowledge", "sharing"} <= aliases["knowledge-sharing-sessions"]
    assert "team" not in set().union(*aliases.values())
    assert all(alias == alias.casefold() for values in aliases.values() for alias in values)


def test_sample_rituals(sample: ParsedRoadmap) -> None:
    assert [(r.kind, r.cadence, r.line) for r in sample.rituals] == [
        ("knowledge_sharing", "monthly", 16),
        ("retrospective", "quarterly", 36),
    ]


def test_sample_has_no_mojibake_anywhere(sample: ParsedRoadmap) -> None:
    assert "â" not in repr(sample)
    assert "â" not in render_markdown(sample)
    assert sample.metrics[0].text == "99.9% → 99.99%"


def test_sample_text_and_bytes_parse_alike(sample_bytes: bytes, sample: ParsedRoadmap) -> None:
    assert parse_roadmap(sample_bytes.decode("utf-8")) == sample


def test_sample_render_round_trip(sample: ParsedRoadmap) -> None:
    rendered = render_markdown(sample)
    again = parse_roadmap(rendered)
    assert shape(again) == shape(sample)
    assert render_markdown(again) == rendered
    assert rendered.startswith("# Team Roadmap - Backend Engineering Team\n# Strategic Plan: 2025")
    assert "## Q3-Q4 2025 Goals\n\n### Technical Objectives\n- Begin Event-Driven" in rendered
    assert "- System uptime: 99.9% → 99.99%\n" in rendered
    assert "### Team Metrics\n- Employee satisfaction: >4.5/5\n" in rendered


def test_module_is_pure() -> None:
    code = (
        "import sys, bot.services.roadmap_document\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('slack_sdk', 'slack_bolt',"
        " 'sqlalchemy')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)


# -- structure variations ----------------------------------------------------------------------


def test_headings_at_any_depth() -> None:
    roadmap = parse_roadmap(
        "# Roadmap\n\n### Q1 2025 Objectives\n\n##### Platform\n- a\n\n### Q2 2025\n#### Ops\n- b\n"
    )
    assert [(p.label, [c.name for c in p.categories]) for p in roadmap.periods] == [
        ("Q1 2025", ["Platform"]),
        ("Q2 2025", ["Ops"]),
    ]


def test_periods_as_top_level_headings_without_title() -> None:
    roadmap = parse_roadmap("# Q1 2025 Goals\n## Tech\n- a\n# Q2 2025 Goals\n## Tech\n- b\n")
    assert roadmap.title is None
    assert [p.label for p in roadmap.periods] == ["Q1 2025", "Q2 2025"]


def test_setext_headings() -> None:
    roadmap = parse_roadmap("Roadmap\n=======\n\nQ1 2025 Goals\n-------------\n\n- a\n")
    assert roadmap.title == "Roadmap"
    assert [(p.label, p.line) for p in roadmap.periods] == [("Q1 2025", 4)]


@pytest.mark.parametrize("bullet", ["-", "*", "+", "1.", "1)"])
def test_bullet_styles(bullet: str) -> None:
    assert [g.title for g in goals_of(f"## Q1 2025\n{bullet} first\n{bullet} second\n")] == [
        "first",
        "second",
    ]


def test_nested_items_are_separate_goals_of_the_same_category() -> None:
    roadmap = parse_roadmap(
        "## Q1 2025\n### Tech\n- parent\n  - child\n    1. grandchild\n- - deep\n"
    )
    category = roadmap.periods[0].categories[0]
    assert [(g.title, g.line) for g in category.goals] == [
        ("parent", 3),
        ("child", 4),
        ("grandchild", 5),
        ("deep", 6),
    ]


def test_list_directly_under_period_goes_to_general() -> None:
    roadmap = parse_roadmap("## Q1 2025\n- loose\n### Tech\n- grouped\n")
    assert [(c.name, [g.title for g in c.goals]) for c in roadmap.periods[0].categories] == [
        ("General", ["loose"]),
        ("Tech", ["grouped"]),
    ]


def test_markup_is_removed_from_titles() -> None:
    goal = only_goal("**Complete** the `api-gateway` [redesign](https://example.com) *now*")
    assert goal.title == "Complete the api-gateway redesign now"


def test_multiline_item_is_joined() -> None:
    (goal,) = goals_of("## Q1 2025\n- Migrate the\n  billing   service\n")
    assert goal.title == "Migrate the billing service"


@pytest.mark.parametrize(
    ("item", "status", "progress"),
    [
        ("[ ] Ship it", "not-started", None),
        ("[x] Ship it", "done", 100),
        ("[X] Ship it", "done", 100),
    ],
)
def test_checkboxes(item: str, status: str | None, progress: int | None) -> None:
    goal = only_goal(item)
    assert (goal.title, goal.status, goal.progress) == ("Ship it", status, progress)


@pytest.mark.parametrize(
    ("item", "owners", "status", "due", "progress"),
    [
        ("Ship it (@alice, due 2025-03-15)", ["@alice"], None, date(2025, 3, 15), None),
        ("Ship it (@alice @bob)", ["@alice", "@bob"], None, None, None),
        ("Ship it (owner: @alice; due: 15 Mar 2025)", ["@alice"], None, date(2025, 3, 15), None),
        ("Ship it (due: 2025-03-15)", [], None, date(2025, 3, 15), None),
        ("Ship it (by 2025-03-15)", [], None, date(2025, 3, 15), None),
        ("Ship it due 2025-03-15", [], None, date(2025, 3, 15), None),
        ("Ship it, by 2025-03-15", [], None, date(2025, 3, 15), None),
        ("Ship it <@U0123ABCD>", ["U0123ABCD"], None, None, None),
        ("Ship it <@U0123ABCD|alice> <@W0AB|bob>", ["U0123ABCD", "W0AB"], None, None, None),
        ("Ship it (<@U0123ABCD|alice>, @bob, @alice)", ["U0123ABCD", "@bob", "@alice"], None,
         None, None),
        ("Ship it (@alice) (@alice)", ["@alice"], None, None, None),
        ("Ship it [at risk]", [], "at-risk", None, None),
        ("Ship it [blocked]", [], "blocked", None, None),
        ("Ship it [on track]", [], "on-track", None, None),
        ("Ship it [done]", [], "done", None, None),
        ("Ship it [off-track]", [], "off-track", None, None),
        ("Ship it [not started]", [], "not-started", None, None),
        ("Ship it (status: At Risk)", [], "at-risk", None, None),
        ("Ship it — 60%", [], None, None, 60),
        ("Ship it (progress 60%)", [], None, None, 60),
        ("Ship it (60% done)", [], None, None, 60),
        ("Ship it (@alice, 60%)", ["@alice"], None, None, 60),
        ("Ship it (@alice, due 2025-03-15) [blocked] — 40%", ["@alice"], "blocked",
         date(2025, 3, 15), 40),
        ("Ship it (@alice, <@U0123ABCD>, due 2025-03-15, status at-risk, progress 60%)",
         ["@alice", "U0123ABCD"], "at-risk", date(2025, 3, 15), 60),
        ("[x] Ship it (progress 50%)", [], "done", None, 50),
    ],
)  # fmt: skip
def test_trailing_annotations(
    item: str, owners: list[str], status: str | None, due: date | None, progress: int | None
) -> None:
    goal = only_goal(item)
    assert (goal.title, goal.owners, goal.status, goal.due, goal.progress) == (
        "Ship it",
        owners,
        status,
        due,
        progress,
    )


@pytest.mark.parametrize(
    "title",
    [
        "Create innovation time allocation (20%)",
        "Migrate billing (phase one)",
        "Support (@mentions) in the parser",
        "Pair with @bob on the migration",
        "Review [RFC] drafts",
        "Fix (due soon)",
    ],
)
def test_parentheses_that_are_not_annotations_stay_in_title(title: str) -> None:
    goal = only_goal(title)
    assert (goal.title, goal.owners, goal.progress, goal.due) == (title, [], None, None)


def test_unreadable_due_date_is_kept_and_warned() -> None:
    roadmap = parse_roadmap("## Q1 2025\n- Ship it (due 2025-02-30)\n")
    assert next(roadmap.goals())[2].title == "Ship it (due 2025-02-30)"
    assert warning_texts(roadmap) == [
        "line 2: could not read the due date in '(due 2025-02-30)'; kept in the title"
    ]


# -- robustness --------------------------------------------------------------------------------

PLAIN = "# Roadmap\n\n## Q1 2025 Goals\n\n### Tech\n- Ship API\n- Add cache\n"


def test_crlf_and_lone_cr() -> None:
    expected = parse_roadmap(PLAIN)
    assert parse_roadmap(PLAIN.replace("\n", "\r\n")) == expected
    assert parse_roadmap(PLAIN.replace("\n", "\r")) == expected


def test_bom_in_text_and_bytes() -> None:
    expected = parse_roadmap(PLAIN)
    assert parse_roadmap("\ufeff" + PLAIN) == expected
    assert parse_roadmap(b"\xef\xbb\xbf" + PLAIN.encode()) == expected
    assert parse_roadmap(("\ufeff" + PLAIN).encode("utf-16")) == expected


def test_tabs_and_trailing_spaces() -> None:
    roadmap = parse_roadmap("#\tRoadmap  \n\n##\tQ1 2025\tGoals \n\n-\tShip\t\tthe API   \n")
    assert roadmap.title == "Roadmap"
    assert [g.title for _, _, g in roadmap.goals()] == ["Ship the API"]


def test_blank_lines_do_not_change_anything() -> None:
    spaced = PLAIN.replace("\n", "\n\n\n")
    assert shape(parse_roadmap(spaced)) == shape(parse_roadmap(PLAIN))


def test_duplicate_goal_kept_once_with_warning() -> None:
    roadmap = parse_roadmap("## Q1 2025\n### Tech\n- Ship API\n- Ship  API \n- ship api.\n")
    assert [g.title for _, _, g in roadmap.goals()] == ["Ship API"]
    assert [str(s) for s in roadmap.skipped] == [
        "line 4: duplicate goal 'Ship API' (first at line 3); skipped",
        "line 5: duplicate goal 'ship api.' (first at line 3); skipped",
    ]


def test_same_goal_in_two_categories_is_not_a_duplicate() -> None:
    roadmap = parse_roadmap("## Q1 2025\n### A\n- Ship API\n### B\n- Ship API\n")
    assert len(list(roadmap.goals())) == 2 and roadmap.warnings == []


def test_mojibake_is_repaired() -> None:
    text = (
        f"## Q1 2025\n- Move A {MOJIBAKE_ARROW} B\n- Plan {MOJIBAKE_EM_DASH} then act\n"
        '- Team \u00e2\u20ac" tooling\n- caf\u00c3\u00a9 menu\n'
    )
    assert [g.title for g in goals_of(text)] == [
        "Move A → B",
        "Plan — then act",
        "Team — tooling",
        "café menu",
    ]


def test_bytes_latin1_fallback_and_invalid_utf8() -> None:
    assert [g.title for g in goals_of(b"## Q1 2025\n- caf\xe9 cr\xe8me\n")] == ["café crème"]
    mixed = "## Q1 2025\n- caf\u00e9 ok\n".encode() + b"- bad \xff byte\n"
    assert [g.title for g in goals_of(mixed)] == ["café ok", "bad \ufffd byte"]


# -- periods -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "default_year", "expected"),
    [
        ("Q1 2025", None, ("Q1 2025", date(2025, 1, 1), date(2025, 3, 31))),
        ("Q1 2025 Goals", None, ("Q1 2025", date(2025, 1, 1), date(2025, 3, 31))),
        ("Q2 2024 Objectives", None, ("Q2 2024", date(2024, 4, 1), date(2024, 6, 30))),
        ("Q3-Q4 2025", None, ("Q3-Q4 2025", date(2025, 7, 1), date(2025, 12, 31))),
        ("Q3 \u2013 Q4 2025 Roadmap", None, ("Q3-Q4 2025", date(2025, 7, 1), date(2025, 12, 31))),
        ("Q3 2025 - Q4 2025", None, ("Q3-Q4 2025", date(2025, 7, 1), date(2025, 12, 31))),
        ("H1 2026", None, ("H1 2026", date(2026, 1, 1), date(2026, 6, 30))),
        ("H2 2026", None, ("H2 2026", date(2026, 7, 1), date(2026, 12, 31))),
        ("2026 Q2", None, ("Q2 2026", date(2026, 4, 1), date(2026, 6, 30))),
        ("2026-Q4", None, ("Q4 2026", date(2026, 10, 1), date(2026, 12, 31))),
        ("Q2 FY2026", None, ("Q2 2026", date(2026, 4, 1), date(2026, 6, 30))),
        ("Goals for Q1, 2027", None, ("Q1 2027", date(2027, 1, 1), date(2027, 3, 31))),
        ("Q1 2024", None, ("Q1 2024", date(2024, 1, 1), date(2024, 3, 31))),
        ("Q3", 2025, ("Q3 2025", date(2025, 7, 1), date(2025, 9, 30))),
        ("**Q4** goals", 2025, ("Q4 2025", date(2025, 10, 1), date(2025, 12, 31))),
        ("2026", None, ("2026", date(2026, 1, 1), date(2026, 12, 31))),
        ("2026 Goals", None, ("2026", date(2026, 1, 1), date(2026, 12, 31))),
        ("Q3", None, None),
        ("Q4-Q1 2025", None, None),
        ("Q4 2025 - Q1 2026", None, None),
        ("Q5 2025", None, None),
        ("Strategic Plan: 2025", None, None),
        ("Technical Objectives", 2025, None),
        ("Risks", 2025, None),
    ],
)
def test_parse_period_label(
    label: str, default_year: int | None, expected: tuple[str, date, date] | None
) -> None:
    if label.startswith("**"):
        label = label.replace("**", "")
    assert parse_period_label(label, default_year) == expected


def test_h1_and_year_first_periods_in_a_document() -> None:
    roadmap = parse_roadmap(
        "# Plan\n## H1 2026\n- a\n## 2026 Q2\n- b\n## H2 2026 Objectives\n- c\n"
    )
    assert [(p.label, p.start, p.end) for p in roadmap.periods] == [
        ("H1 2026", date(2026, 1, 1), date(2026, 6, 30)),
        ("Q2 2026", date(2026, 4, 1), date(2026, 6, 30)),
        ("H2 2026", date(2026, 7, 1), date(2026, 12, 31)),
    ]
    assert roadmap.year == 2026


def test_bare_quarter_takes_the_document_year() -> None:
    roadmap = parse_roadmap("# Roadmap\n# Strategic Plan: 2025\n\n## Q3\n- a\n## Q4 Goals\n- b\n")
    assert [(p.label, p.end) for p in roadmap.periods] == [
        ("Q3 2025", date(2025, 9, 30)),
        ("Q4 2025", date(2025, 12, 31)),
    ]


def test_bare_quarter_takes_the_year_of_an_enclosing_year_heading() -> None:
    roadmap = parse_roadmap("# Roadmap\n## 2026\n### Q1\n- a\n### Q2\n- b\n")
    assert roadmap.title == "Roadmap"
    assert [p.label for p in roadmap.periods] == ["Q1 2026", "Q2 2026"]


def test_year_heading_with_goals_is_a_whole_year_period() -> None:
    roadmap = parse_roadmap("# Roadmap\n## 2026\n### Platform\n- a\n")
    assert [(p.label, p.start, p.end) for p in roadmap.periods] == [
        ("2026", date(2026, 1, 1), date(2026, 12, 31))
    ]


def test_bare_quarter_without_any_year_is_an_error_at_its_line() -> None:
    with pytest.raises(RoadmapParseError) as caught:
        parse_roadmap("# Roadmap\n\nSome intro.\n\n## Q3\n- a\n")
    assert caught.value.line == 5
    assert str(caught.value).startswith("line 5: period 'Q3' has no year")


def test_repeated_period_is_merged_with_warning() -> None:
    roadmap = parse_roadmap("## Q1 2025\n### A\n- a\n## Q1 2025 Goals\n### A\n- b\n### B\n- c\n")
    assert [(c.name, [g.title for g in c.goals]) for c in roadmap.periods[0].categories] == [
        ("A", ["a", "b"]),
        ("B", ["c"]),
    ]
    assert warning_texts(roadmap) == [
        "line 4: period 'Q1 2025' appears again (first at line 1); merged"
    ]


def test_invalid_period_heading_is_warned() -> None:
    roadmap = parse_roadmap("## Q4-Q1 2025\n- a\n## Q1 2025\n- b\n")
    assert [g.title for _, _, g in roadmap.goals()] == ["b"]
    assert warning_texts(roadmap) == [
        "line 1: heading 'Q4-Q1 2025' looks like a period but the period ends before it starts;"
        " ignored"
    ]


# -- warnings and errors -----------------------------------------------------------------------


def test_unknown_section_and_orphan_items_are_skipped_with_their_lines() -> None:
    text = "# Roadmap\n- stray\n\n## Q1 2025\n### Tech\n- a\n\n## Risks\n- vendor lock-in\n"
    roadmap = parse_roadmap(text)
    assert [g.title for _, _, g in roadmap.goals()] == ["a"]
    assert roadmap.warnings == []
    assert roadmap.skipped == [
        ParseWarning(2, "list item outside any roadmap period; skipped"),
        ParseWarning(
            8,
            "section 'Risks' is not a period, metrics or rituals section; read as a note and"
            " skipped",
        ),
    ]


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("", 1),
        ("   \n\n", 1),
        (b"", 1),
        ("\n\nJust some prose.\n", 3),
        ("# Roadmap\n\nIntro.\n\n## Overview\n- a\n", 5),
        ("# Roadmap\n\n- a\n- b\n", 3),
        ("# Roadmap\n# Plan 2025\n", 1),
    ],
)
def test_no_period_is_an_error_with_line(source: str | bytes, line: int) -> None:
    with pytest.raises(RoadmapParseError) as caught:
        parse_roadmap(source)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.line == line
    assert error.message == "no roadmap period found: expected a heading such as 'Q1 2025 Goals'"
    assert str(error) == f"line {line}: {error.message}"


def test_period_without_goals_is_an_error_at_the_period() -> None:
    with pytest.raises(RoadmapParseError) as caught:
        parse_roadmap("# Roadmap\n\n## Q1 2025 Goals\n\nNothing planned yet.\n")
    assert caught.value.line == 3
    assert "no goals found under period 'Q1 2025'" in caught.value.message


@pytest.mark.parametrize("source", [None, 42, ["## Q1 2025", "- a"]])
def test_wrong_input_types_raise_only_the_parse_error(source: object) -> None:
    with pytest.raises(RoadmapParseError):
        parse_roadmap(source)  # type: ignore[arg-type]


# -- metrics -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("99.9% → 99.99%", (99.9, 99.99, ">=", "%", None, None)),
        ("99.9% -> 99.99%", (99.9, 99.99, ">=", "%", None, None)),
        ("99.9% => 99.99%", (99.9, 99.99, ">=", "%", None, None)),
        ("400ms to 200ms", (400, 200, "<=", "ms", None, None)),
        ("3.5/5 → 4.5/5", (3.5, 4.5, ">=", "/5", None, None)),
        ("<200ms average", (None, 200, "<", "ms", None, "average")),
        (">85%", (None, 85, ">", "%", None, None)),
        ("<1 hour", (None, 1, "<", "hours", None, None)),
        ("< 2 h", (None, 2, "<", "hours", None, None)),
        ("under 30 mins", (None, 30, "<", "minutes", None, None)),
        ("at most 5 s", (None, 5, "<=", "seconds", None, None)),
        ("≤ 2 days", (None, 2, "<=", "days", None, None)),
        ("≥ 90%", (None, 90, ">=", "%", None, None)),
        (">= 90%", (None, 90, ">=", "%", None, None)),
        ("at least 4 per month", (None, 4, ">=", None, None, "per month")),
        ("above 4.5 out of 5", (None, 4.5, ">", "/5", None, None)),
        (">4.5/5", (None, 4.5, ">", "/5", None, None)),
        ("50% of projects", (None, 50, ">=", "%", None, "of projects")),
        ("20% of time allocation", (None, 20, ">=", "%", None, "of time allocation")),
        ("Daily", (None, None, None, None, "daily", None)),
        ("weekly", (None, None, None, None, "weekly", None)),
        ("Monthly", (None, None, None, None, "monthly", None)),
        ("Quarterly", (None, None, None, None, "quarterly", None)),
    ],
)
def test_metric_values_are_typed(text: str, expected: tuple[object, ...]) -> None:
    roadmap = parse_roadmap(
        f"## Q1 2025\n- a\n## Success Metrics\n### Technical Metrics\n- M: {text}\n"
    )
    (metric,) = roadmap.metrics
    got = (metric.baseline, metric.target, metric.comparator, metric.unit, metric.cadence,
           metric.qualifier)  # fmt: skip
    assert got == expected
    assert metric.typed and metric.text == text and roadmap.warnings == []


def test_untyped_metric_is_kept_with_warning() -> None:
    roadmap = parse_roadmap("## Q1 2025\n- a\n## KPIs\n### Team Metrics\n- Morale: pretty good\n")
    (metric,) = roadmap.metrics
    assert (metric.name, metric.text, metric.typed, metric.kind) == (
        "Morale", "pretty good", False, "team"
    )  # fmt: skip
    assert warning_texts(roadmap) == [
        "line 5: could not read a target from metric 'Morale' ('pretty good'); kept as text"
    ]


def test_metric_kind_defaults_to_technical_with_warning() -> None:
    roadmap = parse_roadmap("## Q1 2025\n- a\n\n# Metrics\n- Uptime: >99%\n")
    assert [(m.kind, m.line) for m in roadmap.metrics] == [("technical", 5)]
    assert warning_texts(roadmap) == [
        "line 5: metric 'Uptime' is not under a 'Technical Metrics' or 'Team Metrics' heading;"
        " assumed technical"
    ]


def test_metric_keys_are_unique_slugs() -> None:
    text = (
        "## Q1 2025\n- a\n## Technical Metrics\n- API Latency (p95): <200ms\n- API latency: <1s\n"
    )
    roadmap = parse_roadmap(text)
    assert [m.key for m in roadmap.metrics] == ["api-latency-p95", "api-latency"]
    roadmap = parse_roadmap("## Q1 2025\n- a\n## Technical Metrics\n- Uptime: >99%\n- Uptime: <5\n")
    assert [m.key for m in roadmap.metrics] == ["uptime", "uptime-2"]


def test_metrics_heading_inside_a_period_and_team_subheading() -> None:
    text = (
        "## Q1 2025\n### Tech\n- a\n### Success Metrics\n#### Team\n- Morale: >4/5\n### Ops\n- b\n"
    )
    roadmap = parse_roadmap(text)
    assert [c.name for c in roadmap.periods[0].categories] == ["Tech", "Ops"]
    assert [(m.name, m.kind) for m in roadmap.metrics] == [("Morale", "team")]


# -- goal targets ------------------------------------------------------------------------------

METRICS_DOC = (
    "\n## Success Metrics\n### Technical Metrics\n- System uptime: 99.9% → 99.99%\n"
    "- API response time: <200ms average\n- Mean time to recovery: <1 hour\n"
    "- Deployment frequency: Daily\n### Team Metrics\n- Innovation projects: 20% of time\n"
)


@pytest.mark.parametrize(
    ("title", "target"),
    [
        ("Achieve 99.9% uptime SLA", GoalTarget(99.9, ">=", "%", "absolute", "uptime")),
        ("Keep availability above 99.5%", GoalTarget(99.5, ">", "%", "absolute", "uptime")),
        ("Reduce average API response time by 30%",
         GoalTarget(30, "<=", "%", "relative", "api-response-time")),
        ("Reduce system latency by 40%",
         GoalTarget(40, "<=", "%", "relative", "api-response-time")),
        ("Cut latency to 150ms", GoalTarget(150, "<=", "ms", "absolute", "api-response-time")),
        ("Bring MTTR under 30 minutes",
         GoalTarget(30, "<", "minutes", "absolute", "mean-time-to-recovery")),
        ("Increase deploys by 2x", GoalTarget(2, ">=", "x", "relative", "deployment-frequency")),
        ("Reduce infrastructure costs by 20%", GoalTarget(20, "<=", "%", "relative", None)),
        ("Reduce infrastructure costs 15%", GoalTarget(15, "<=", "%", "relative", None)),
        ("Onboard 2 new senior engineers", GoalTarget(2, ">=", "engineers", "count", None)),
        ("Expand team to 8 engineers", GoalTarget(8, ">=", "engineers", "count", None)),
        ("Hire 1 designer", GoalTarget(1, ">=", "designer", "count", None)),
        ("Create innovation time allocation (20%)",
         GoalTarget(20, ">=", "%", "absolute", "innovation-projects")),
        ("Complete API Gateway Redesign", None),
        ("Launch Phase 2 rollout", None),
        ("Upgrade to Python 3.12", None),
        ("Plan the 2026 budget", None),
        ("Implement OAuth2 and CI/CD", None),
    ],
)  # fmt: skip
def test_goal_targets(title: str, target: GoalTarget | None) -> None:
    roadmap = parse_roadmap(f"## Q1 2025\n- {title}\n{METRICS_DOC}")
    assert next(roadmap.goals())[2].target == target


# -- rituals -----------------------------------------------------------------------------------


def test_rituals_from_goals_and_metrics_are_deduplicated() -> None:
    text = (
        "## Q1 2025\n- Conduct monthly technical knowledge sharing sessions\n"
        "- Run a retrospective every quarter\n- Hold weekly retros\n"
        "## Q2 2025\n- Conduct quarterly team retrospectives\n"
        "## Team Metrics\n- Knowledge sharing sessions: Monthly\n- Lunch and learn: Quarterly\n"
    )
    rituals = parse_roadmap(text).rituals
    assert [(r.kind, r.cadence, r.text, r.line) for r in rituals] == [
        ("knowledge_sharing", "monthly", "Conduct monthly technical knowledge sharing sessions", 2),
        ("retrospective", "quarterly", "Run a retrospective every quarter", 3),
        ("knowledge_sharing", "quarterly", "Lunch and learn: Quarterly", 9),
    ]


# -- normalize_title ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("  Complete API   Gateway Redesign. ", "complete api gateway redesign"),
        ("**Ship it!**", "ship it"),
        ("“Quoted”", "quoted"),
        ("Straße\tplan", "strasse plan"),
        ("(20%)", "20"),
        ("...", ""),
    ],
)
def test_normalize_title(title: str, expected: str) -> None:
    assert normalize_title(title) == expected


# -- rendering ---------------------------------------------------------------------------------


def _roadmap(*goals: ParsedGoal, metrics: list[ParsedMetric] | None = None) -> ParsedRoadmap:
    category = ParsedCategory("Tech & Ops", 0, list(goals))
    period = ParsedPeriod("Q1 2025", date(2025, 1, 1), date(2025, 3, 31), 0, [category])
    return ParsedRoadmap("Roadmap", None, 2025, [period], metrics or [], [], [])


def test_render_annotations_in_one_unambiguous_group() -> None:
    goal = ParsedGoal(
        "Complete API Gateway Redesign", 0, ["@alice", "U0123ABCD"], "at-risk",
        date(2025, 3, 15), 60,
    )  # fmt: skip
    rendered = render_markdown(_roadmap(goal))
    assert (
        "- Complete API Gateway Redesign (@alice, <@U0123ABCD>, due 2025-03-15, status at-risk,"
        " progress 60%)\n" in rendered
    )
    assert rendered.startswith("# Roadmap\n\n## Q1 2025 Goals\n\n### Tech & Ops\n")


def test_render_done_goal_as_checkbox() -> None:
    rendered = render_markdown(_roadmap(ParsedGoal("Ship it", 0, ["@bo"], "done", None, 100)))
    assert "- [x] Ship it (@bo)\n" in rendered
    rendered = render_markdown(_roadmap(ParsedGoal("Ship it", 0, [], "done", None, None)))
    assert "- Ship it (status done)\n" in rendered


def test_render_keeps_title_parentheses_unambiguous() -> None:
    goals = [
        ParsedGoal("Create innovation time allocation (20%)", 0, [], None, None, 30),
        ParsedGoal("Support (@mentions)", 1),
        ParsedGoal("Ship by 2025-03-15", 2),
        ParsedGoal("1. Not a list", 3),
        ParsedGoal("# Not a heading", 4),
        ParsedGoal("[x] literally", 5),
        ParsedGoal("A &amp; B <b>not html</b> *not em* \\ slash", 6),
        ParsedGoal("Tail — 5%", 7),
        ParsedGoal("Call <@U0123ABCD>", 8),
        ParsedGoal("Trailing dash -", 9, ["@a"]),
    ]
    roadmap = _roadmap(*goals)
    rendered = render_markdown(roadmap)
    assert "- Create innovation time allocation (20%) (progress 30%)\n" in rendered
    parsed = [
        (g.title, g.owners, g.status, g.due, g.progress)
        for _, _, g in parse_roadmap(rendered).goals()
    ]
    assert parsed == [(g.title, g.owners, g.status, g.due, g.progress) for g in goals]


def test_render_metrics_round_trip_and_keep_order_of_kinds() -> None:
    text = (
        "## Q1 2025\n- a\n## Success Metrics\n### Team Metrics\n- Morale: >4/5\n"
        "### Technical Metrics\n- Uptime: 99% → 99.9%\n- Weird: a: b\n"
        "### Team Metrics\n- Hiring \\: pace: 2 per month\n"
    )
    roadmap = parse_roadmap(text)
    rendered = render_markdown(roadmap)
    assert shape(parse_roadmap(rendered)) == shape(roadmap)
    assert [m.name for m in roadmap.metrics] == ["Morale", "Uptime", "Weird", "Hiring : pace"]


def test_bold_paragraphs_act_as_sub_headings() -> None:
    text = (
        "# Roadmap\n## Q1 2025\n**Technical Objectives**\n- a\n\n__Team:__\n- b\n"
        "## Success Metrics\n**Technical Metrics**\n- Uptime: >99%\n\n**Team Metrics:**\n"
        "- Morale: >4/5\n"
    )
    roadmap = parse_roadmap(text)
    assert [(c.name, c.line) for c in roadmap.periods[0].categories] == [
        ("Technical Objectives", 3),
        ("Team", 6),
    ]
    assert [(m.name, m.kind) for m in roadmap.metrics] == [
        ("Uptime", "technical"),
        ("Morale", "team"),
    ]
    assert roadmap.warnings == []


@pytest.mark.parametrize(
    ("group", "owners", "status", "due"),
    [
        ("Kenji Sato, due 2026-12-18", ["Kenji Sato"], None, date(2026, 12, 18)),
        ("@omar, done 2026-10-15", ["@omar"], "done", None),
        ("owner: @omar", ["@omar"], None, None),
        ("owner: Kenji Sato", ["Kenji Sato"], None, None),
        ("ada@example.com", ["ada@example.com"], None, None),
        ("ada@example.com, status at-risk", ["ada@example.com"], "at-risk", None),
    ],
)
def test_owners_are_named_as_teams_write_them(group, owners, status, due):
    from bot.services.roadmap_document.items import parse_annotation_group

    annotation = parse_annotation_group(group, 2026)
    assert (annotation.owners, annotation.status, annotation.due) == (owners, status, due)


@pytest.mark.parametrize("group", ["Phase Two", "Kenji Sato", "20%", "see notes"])
def test_words_that_may_be_title_stay_title(group):
    from bot.services.roadmap_document.items import parse_annotation_group

    assert parse_annotation_group(group, 2026) is None
