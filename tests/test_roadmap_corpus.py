"""Roadmaps in the shapes teams write them (tests/roadmaps/*.md): each imports with the expected
periods, goals, statuses and metrics, and its Markdown export re-imports unchanged."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.services.roadmap_document import parse_roadmap
from bot.services.roadmap_export import export_roadmap
from bot.services.roadmap_import import import_roadmap
from bot.services.workspaces import ensure_workspace
from models import Goal, Metric, Period, Schedule

CORPUS = Path(__file__).parent / "roadmaps"

# name: (periods, goals, statuses (None: no status stated), metrics, rituals)
EXPECTED: dict[str, tuple[list[str], int, dict[str | None, int], int, int]] = {
    "01-themed-quarters": (
        ["Q1 2026", "Q2 2026", "Q3 2026"], 8, {"done": 4, "not-started": 1, None: 3}, 2, 0,
    ),
    "02-checkboxes": (["Q1 2026", "Q2 2026"], 8, {"done": 3, "not-started": 5}, 0, 0),
    "03-emoji-status": (
        ["H1 2026", "H2 2026"], 8,
        {"done": 1, "on-track": 2, "at-risk": 1, "blocked": 1, "not-started": 2, None: 1}, 0, 0,
    ),
    "04-subheading-goals": (
        ["Q1 2026", "Q2 2026"], 5, {"done": 2, "on-track": 1, "not-started": 1, "at-risk": 1}, 0, 0,
    ),
    "05-okr": (["H1 2026"], 5, {None: 5}, 0, 0),
    "06-okr-nested": (["H2 2026"], 4, {None: 4}, 0, 0),
    "07-monthly-timeline": (["H1 2026", "H2 2026"], 6, {None: 6}, 0, 0),
    "08-kpi-table": (["Q1 2026", "Q2 2026"], 3, {None: 3}, 3, 0),
    "09-month-ranges": (["Jan-Mar 2026", "Apr-Jun 2026"], 4, {None: 4}, 0, 0),
    "10-bold-periods": (["Q1 2026", "Q2 2026"], 4, {None: 4}, 0, 0),
    "11-year-title": (["Q1 2026", "Q2 2026", "Q3-Q4 2026"], 5, {None: 5}, 0, 0),
    "12-goals-table": (["Q3 2026"], 3, {"on-track": 1, "not-started": 1, "done": 1}, 0, 0),
    "13-duplicate-periods": (["Q1 2026", "Q2 2026"], 4, {None: 4}, 0, 0),
    "14-rituals-and-notes": (["Q1 2026"], 3, {None: 3}, 0, 2),
    "15-notion-export": (
        ["Q3 2026", "Q4 2026"], 7,
        {"done": 2, "on-track": 1, "blocked": 1, "not-started": 2, "at-risk": 1}, 0, 2,
    ),
    "16-jira-table": (
        ["Q1 2026", "Q2 2026"], 5,
        {"done": 1, "on-track": 2, "blocked": 1, "not-started": 1}, 0, 0,
    ),
    "17-google-docs-export": (["H1 2026", "H2 2026"], 7, {"done": 1, None: 6}, 2, 0),
    "18-github-readme": (["Q1 2026", "Q2 2026"], 6, {"done": 2, "not-started": 4}, 0, 0),
}  # fmt: skip


def test_the_corpus_is_complete():
    assert sorted(p.stem for p in CORPUS.glob("*.md")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 12


@pytest.fixture
def workspace_id(session) -> int:
    workspace = ensure_workspace(session=session, team_id="T0000000001")
    session.commit()
    return workspace.id


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reads_each_shape(name):
    periods, goals, statuses, metrics, rituals = EXPECTED[name]
    roadmap = parse_roadmap((CORPUS / f"{name}.md").read_bytes())
    assert [p.label for p in roadmap.periods] == periods
    found = [g for _, _, g in roadmap.goals()]
    assert len(found) == goals
    assert Counter(g.status for g in found) == Counter(statuses)
    assert len(roadmap.metrics) == metrics
    assert len(roadmap.rituals) == rituals


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_imports_and_its_export_reimports_unchanged(session, workspace_id, name):
    periods, goals, statuses, metrics, _ = EXPECTED[name]
    text = (CORPUS / f"{name}.md").read_bytes()
    report = import_roadmap(session=session, workspace_id=workspace_id, text=text)
    session.commit()
    assert len(report.added) == goals and not report.updated
    assert report.periods == periods
    rows = session.scalars(select(Goal)).all()
    stated = Counter(status or "not-started" for status, n in statuses.items() for _ in range(n))
    assert Counter(g.status for g in rows) == stated
    assert len(session.scalars(select(Metric)).all()) == metrics

    exported = export_roadmap(session=session, workspace_id=workspace_id, fmt="md")
    again = import_roadmap(session=session, workspace_id=workspace_id, text=exported)
    session.commit()
    assert (again.added, again.updated, again.missing) == ([], [], []), exported
    assert len(again.unchanged) == goals
    assert export_roadmap(session=session, workspace_id=workspace_id, fmt="md") == exported


def test_themes_and_statuses_of_period_headings_are_kept(session, workspace_id):
    text = (CORPUS / "01-themed-quarters.md").read_bytes()
    import_roadmap(session=session, workspace_id=workspace_id, text=text)
    session.commit()
    periods = session.scalars(select(Period).order_by(Period.position)).all()
    assert [(p.label, p.theme, p.status) for p in periods] == [
        ("Q1 2026", "Production Hardening", None),
        ("Q2 2026", "High Priority - Wave 1", None),
        ("Q3 2026", "Stage 1-2", "done"),
    ]
    exported = export_roadmap(session=session, workspace_id=workspace_id, fmt="md")
    assert "## Q1 2026: Production Hardening\n" in exported
    assert "## Q3 2026: Stage 1-2 (done)\n" in exported


def test_month_lead_ins_are_due_dates_and_summaries_are_skipped():
    roadmap = parse_roadmap((CORPUS / "07-monthly-timeline.md").read_bytes())
    goals = {g.title: g for _, _, g in roadmap.goals()}
    assert goals["Ticket tagging model"].due.isoformat() == "2026-01-31"
    assert goals["Macro library cleanup"].due.isoformat() == "2026-02-28"
    assert goals["Phase 2: Agent assist pilot"].due is None  # a bold prefix, kept
    assert goals["Knowledge base search"].due.isoformat() == "2026-09-30"
    assert [str(s) for s in roadmap.skipped] == [
        "line 9: 'Total: 4 deliverables' is a summary line, not a goal; skipped"
    ]


def test_okr_objectives_are_categories_and_key_results_goals():
    roadmap = parse_roadmap((CORPUS / "05-okr.md").read_bytes())
    (period,) = roadmap.periods
    assert roadmap.title == "Infrastructure OKRs H1 2026"
    assert [c.name for c in period.categories] == [
        "Make deploys boring",
        "Know before our customers do",
    ]
    first = period.categories[0].goals
    assert first[0].title == "Deployment frequency from weekly to daily"
    assert (first[1].target.value, first[1].target.comparator) == (5.0, "<")
    nested = parse_roadmap((CORPUS / "06-okr-nested.md").read_bytes())
    assert [c.name for c in nested.periods[0].categories] == ["Grow activation", "Reduce churn"]


def test_metrics_table_is_typed_like_a_list():
    roadmap = parse_roadmap((CORPUS / "08-kpi-table.md").read_bytes())
    uptime, mttr, pages = roadmap.metrics
    assert (uptime.baseline, uptime.target, uptime.unit, uptime.comparator) == (
        99.5, 99.9, "%", ">=",
    )  # fmt: skip
    assert (mttr.baseline, mttr.target, mttr.unit, mttr.comparator) == (4, 1, "hours", "<=")
    assert (pages.name, pages.target, pages.comparator) == ("Pages per week", 10, "<=")


def test_dry_run_lists_what_was_understood_and_what_was_skipped(session, workspace_id):
    text = (CORPUS / "14-rituals-and-notes.md").read_bytes()
    report = import_roadmap(session=session, workspace_id=workspace_id, text=text, dry_run=True)
    assert report.understood[0] == (
        "Q1 2026 (line 7): 3 goals — Technical Objectives 2; Team Development 1 — 3 no status"
    )
    assert "Ritual: knowledge sharing, monthly (line 18)" in report.understood
    assert [s.line for s in report.skipped] == [20, 22]
    assert "Daily standup" in str(report.skipped[0])
    assert session.scalars(select(Schedule).where(Schedule.source == "import")).all() == []


def test_a_document_is_refused_only_without_goals(session, workspace_id):
    from bot.services.roadmap_document import RoadmapParseError

    with pytest.raises(RoadmapParseError, match="no goals found under period 'Q1 2026'"):
        parse_roadmap("# Plan\n\n## KPIs\n\n- Uptime: 99%\n\n## Q1 2026\n\nNothing yet.\n")
    # Everything short of that is a warning or a skipped line.
    roadmap = parse_roadmap("## Q1 2026 ⚙️ whatever\n\n## Random\n\n- a\n\n## Q1 2026\n- b\n")
    assert [g.title for _, _, g in roadmap.goals()] == ["b"]
