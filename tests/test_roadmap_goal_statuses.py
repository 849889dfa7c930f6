"""A goal's status as teams write it inside the line ("⛔ blocked on legal review",
"— 🔄 In progress"): read as the status and its note, never left in the title; imported into
the goal's status note; re-imports and exports unchanged."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.services.roadmap_document import parse_roadmap
from bot.services.roadmap_document.items import split_goal_item
from bot.services.roadmap_export import export_roadmap
from bot.services.roadmap_import import import_roadmap
from bot.services.workspaces import ensure_workspace
from models import Goal


@pytest.mark.parametrize(
    ("line", "title", "status", "note"),
    [
        ("Migrate billing ⛔ blocked on legal review", "Migrate billing", "blocked",
         "blocked on legal review"),
        ("Migrate billing — ⛔ Blocked: waiting for the contract", "Migrate billing", "blocked",
         "Blocked: waiting for the contract"),
        ("Search revamp — 🔄 In progress", "Search revamp", "on-track", None),
        ("Search revamp 🔄 In progress", "Search revamp", "on-track", None),
        ("Search revamp - ✅ Done", "Search revamp", "done", None),
        ("Alert on incidents first ⚠️", "Alert on incidents first", "at-risk", None),
        ("Alert on incidents first ⚠️ vendor late", "Alert on incidents first", "at-risk",
         "vendor late"),
        ("Search revamp — ⚠️ At risk: vendor late", "Search revamp", "at-risk",
         "At risk: vendor late"),
        ("Search revamp — Blocked on infra", "Search revamp", "blocked", "Blocked on infra"),
        ("Search revamp — delayed until Q4", "Search revamp", "off-track", "delayed until Q4"),
        ("Search revamp — **Blocked:** legal review", "Search revamp", "blocked",
         "Blocked: legal review"),
        ("Search revamp (blocked on legal)", "Search revamp", "blocked", "blocked on legal"),
        ("Search revamp [on hold: budget]", "Search revamp", "blocked", "on hold: budget"),
        ("Search revamp — ⛔ waiting on legal", "Search revamp", "blocked", "waiting on legal"),
        ("⛔ Search revamp blocked on legal", "Search revamp", "blocked", "blocked on legal"),
        ("⚠️ Payments at risk: vendor late", "Payments", "at-risk", "at risk: vendor late"),
        ("Search revamp — Status: blocked on legal", "Search revamp", "blocked",
         "blocked on legal"),
        ("Search revamp | Status: In progress | Owner: @alice", "Search revamp", "on-track",
         None),
    ],
)  # fmt: skip
def test_a_status_inside_the_line_leaves_the_title(line, title, status, note):
    item = split_goal_item(line, 2026)
    assert (item.title, item.status, item.note) == (title, status, note)


def test_annotations_around_a_status_clause_are_still_read():
    item = split_goal_item("Search revamp — ⛔ waiting on legal (@bob, due 2026-04-01)", 2026)
    assert (item.title, item.status, item.note) == ("Search revamp", "blocked", "waiting on legal")
    assert (item.owners, item.due.isoformat()) == (["@bob"], "2026-04-01")
    item = split_goal_item("Search revamp (@alice) — 🔄 In progress, 60%", 2026)
    assert (item.title, item.owners, item.status, item.progress) == (
        "Search revamp", ["@alice"], "on-track", 60,
    )  # fmt: skip
    item = split_goal_item("Payments (Kenji Sato, blocked on legal, ETA unknown)", 2026)
    assert (item.title, item.owners, item.status, item.note) == (
        "Payments", ["Kenji Sato"], "blocked", "blocked on legal, ETA unknown",
    )  # fmt: skip


@pytest.mark.parametrize(
    "line",
    [
        "Onboarding — complete redesign",  # a status word without a reason is title text
        "Auth - done right",
        "Unblock the deploy pipeline",
        "Remove blockers for the mobile team",
        "⚠️ Reduce risk by 20%",  # "risk" is not "at risk"
        "⛔ Put tickets on hold",
        "Phase 2 - Stage 1-2",
    ],
)
def test_title_words_that_look_like_a_status_stay_in_the_title(line):
    item = split_goal_item(line, 2026)
    assert item.title == line.lstrip("⚠️⛔ ") and item.note is None


def test_a_status_cell_of_a_goals_table_gives_its_note():
    roadmap = parse_roadmap(
        "## Q1 2026\n\n| Goal | Status |\n|---|---|\n| Billing | ⛔ Blocked on legal |\n"
        "| Search | At risk |\n"
    )
    goals = [(g.title, g.status, g.note) for _, _, g in roadmap.goals()]
    assert goals == [("Billing", "blocked", "Blocked on legal"), ("Search", "at-risk", None)]


DOCUMENT = """# Platform 2026

## Q1 2026

- Migrate billing ⛔ blocked on legal review
- Search revamp — 🔄 In progress
- Audit logging
"""


@pytest.fixture
def workspace_id(session) -> int:
    workspace = ensure_workspace(session=session, team_id="T0000000001")
    session.commit()
    return workspace.id


def _goals(session) -> dict[str, tuple[str, str | None]]:
    return {g.title: (g.status, g.status_note) for g in session.scalars(select(Goal))}


def test_the_note_is_imported_and_a_reimport_or_export_keeps_it(session, workspace_id):
    import_roadmap(session=session, workspace_id=workspace_id, text=DOCUMENT)
    session.commit()
    assert _goals(session) == {
        "Migrate billing": ("blocked", "blocked on legal review"),
        "Search revamp": ("on-track", None),
        "Audit logging": ("not-started", None),
    }
    again = import_roadmap(session=session, workspace_id=workspace_id, text=DOCUMENT)
    assert (again.added, again.updated) == ([], [])
    exported = export_roadmap(session=session, workspace_id=workspace_id, fmt="md")
    assert "- Migrate billing (status blocked)\n" in exported
    from_export = import_roadmap(session=session, workspace_id=workspace_id, text=exported)
    session.commit()
    assert (from_export.added, from_export.updated, from_export.missing) == ([], [], [])
    assert _goals(session)["Migrate billing"] == ("blocked", "blocked on legal review")


def test_a_new_status_without_a_note_clears_the_old_note(session, workspace_id):
    import_roadmap(session=session, workspace_id=workspace_id, text=DOCUMENT)
    session.commit()
    edited = DOCUMENT.replace("⛔ blocked on legal review", "⛔ blocked on the vendor")
    report = import_roadmap(session=session, workspace_id=workspace_id, text=edited)
    assert [c.detail for c in report.updated] == ["note “blocked on the vendor”"]
    done = DOCUMENT.replace("⛔ blocked on legal review", "✅")
    report = import_roadmap(session=session, workspace_id=workspace_id, text=done)
    session.commit()
    assert [c.detail for c in report.updated] == ["status blocked → done"]
    assert _goals(session)["Migrate billing"] == ("done", None)


OKR = """# Infra OKRs H1 2026

## Objective 1: Make deploys boring ✅

- KR1: Deploy daily
- KR2: Change failure rate below 5% 🔄

## Search ✅

- KR1: Index rebuild
- Old search removed

- **O2: Grow activation — Done**
  - KR1: Raise activation to 40%
  - KR2: Ship the checklist ⚠️
"""


def test_key_results_keep_their_own_status_not_their_objectives():
    roadmap = parse_roadmap(OKR)
    (period,) = roadmap.periods
    assert {c.name: [(g.title, g.status) for g in c.goals] for c in period.categories} == {
        "Make deploys boring": [
            ("Deploy daily", None),
            ("Change failure rate below 5%", "on-track"),
        ],
        # A heading's mark is still the default of plain goals, not of key results.
        "Search": [("Index rebuild", None), ("Old search removed", "done")],
        "Grow activation": [("Raise activation to 40%", None), ("Ship the checklist", "at-risk")],
    }


def test_an_objective_marked_done_imports_its_key_results_as_they_are(session, workspace_id):
    report = import_roadmap(session=session, workspace_id=workspace_id, text=OKR)
    session.commit()
    assert len(report.added) == 6
    statuses = {g.title: g.status for g in session.scalars(select(Goal))}
    assert statuses["Deploy daily"] == "not-started"
    assert statuses["Raise activation to 40%"] == "not-started"
    assert statuses["Old search removed"] == "done"


def test_fields_after_bars_and_an_eta_are_annotations():
    item = split_goal_item("Search revamp | Owner: Kenji Sato | Due: 2026-04-01", 2026)
    assert (item.title, item.owners, item.due.isoformat()) == (
        "Search revamp", ["Kenji Sato"], "2026-04-01",
    )  # fmt: skip
    assert split_goal_item("Search revamp — ETA 2026-03-15").due.isoformat() == "2026-03-15"
    assert split_goal_item("Search revamp | Phase 2").title == "Search revamp | Phase 2"
