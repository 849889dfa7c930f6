"""Roadmaps as tools export them (tests/roadmaps/15-18): a Notion page, a Jira table, a Google
Docs export and a GitHub README. Each reads as its team meant it; the corpus test imports
each and re-imports its export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.services.roadmap_document import ParsedRoadmap, parse_roadmap

CORPUS = Path(__file__).parent / "roadmaps"


def _read(name: str) -> ParsedRoadmap:
    return parse_roadmap((CORPUS / f"{name}.md").read_bytes())


def _goals(roadmap: ParsedRoadmap) -> dict[str, tuple]:
    return {g.title: (g.status, g.owners, g.due, g.note) for _, _, g in roadmap.goals()}


def test_a_github_readme_gives_owners_after_the_title_and_keeps_issue_numbers():
    roadmap = _read("18-github-readme")
    assert [(p.label, p.theme) for p in roadmap.periods] == [
        ("Q1 2026", "v1.0"),
        ("Q2 2026", "v1.1"),
    ]
    assert _goals(roadmap) == {
        "Retry with exponential backoff (#112)": ("done", ["@alice"], None, None),
        "Dead-letter queue (#118)": ("done", ["@bob"], None, None),
        "Windows support (#97)": ("not-started", ["@carol"], None, None),
        "Priority queues (#130)": ("not-started", ["@alice", "@bob"], None, None),
        "Web dashboard (#141)": ("not-started", [], None, None),
        "Redis Streams backend (#152, help wanted)": ("not-started", [], None, None),
    }


def test_the_section_holding_the_periods_is_not_reported_as_a_skipped_note():
    roadmap = _read("18-github-readme")
    assert [str(s) for s in roadmap.skipped] == [
        "line 28: section 'Contributing' is not a period, metrics or rituals section;"
        " read as a note and skipped"
    ]


def test_a_google_docs_export_with_numbered_headings_reads_its_periods_and_sections():
    roadmap = _read("17-google-docs-export")
    assert roadmap.title == "Data Platform Roadmap 2026"
    assert [(p.label, [c.name for c in p.categories]) for p in roadmap.periods] == [
        ("H1 2026", ["Ingestion", "Warehouse"]),
        ("H2 2026", ["Self-serve"]),
    ]
    goals = _goals(roadmap)
    # Google Docs escapes the dash before a bold status: "late data \- **Done**".
    assert goals["Backfill tooling for late data"] == ("done", [], None, None)
    assert goals["Streaming ingestion for click events"][1] == ["Lena Fischer"]
    assert [(m.name, m.baseline, m.target, m.unit) for m in roadmap.metrics] == [
        ("Freshness (p95)", 6, 1, "hours"),
        ("Failed pipeline runs per week", 12, 3, None),
    ]


def test_version_numbers_in_headings_are_not_taken_for_section_numbers():
    roadmap = parse_roadmap("# Tool\n\n## 1.0 (Q1 2026)\n\n- a\n\n## 1.1 (Q2 2026)\n\n- b\n")
    assert [(p.label, p.theme) for p in roadmap.periods] == [
        ("Q1 2026", "1.0"),
        ("Q2 2026", "1.1"),
    ]


def test_an_owner_nobody_matched_yet_exports_so_it_reads_back():
    from bot.services.roadmap_document import render_markdown

    roadmap = parse_roadmap(
        "## Q1 2026\n\n- Search (owner: Lena Fischer)\n"
        "- Billing (ada@example.com, due 2026-03-01)\n"
    )
    again = parse_roadmap(render_markdown(roadmap))
    assert [(g.title, g.owners) for _, _, g in again.goals()] == [
        ("Search", ["Lena Fischer"]),
        ("Billing", ["ada@example.com"]),
    ]


def test_a_jira_table_reads_its_columns_by_their_names_in_any_order():
    roadmap = _read("16-jira-table")
    assert [(p.label, len(p.categories[0].goals)) for p in roadmap.periods] == [
        ("Q1 2026", 2),
        ("Q2 2026", 3),
    ]
    goals = _goals(roadmap)
    assert goals["Apple Pay in checkout"] == ("done", ["Kenji Sato"], date(2026, 3, 15), None)
    assert goals["Refunds API v2"][0] == "on-track"  # "In Review"
    assert goals["SEPA direct debit"] == (
        "blocked", ["Kenji Sato"], date(2026, 6, 30), "Waiting on the bank's onboarding",
    )  # fmt: skip
    assert goals["Fraud scoring model"][:2] == ("not-started", [])  # "Unassigned" is nobody
    assert roadmap.warnings == []  # a period named on every row is not "a period again"


def test_a_notion_page_reads_status_clauses_links_and_rituals_and_skips_its_toggle():
    roadmap = _read("15-notion-export")
    assert [(p.label, p.theme) for p in roadmap.periods] == [
        ("Q3 2026", "Reliability"),
        ("Q4 2026", "Scale"),
    ]
    goals = _goals(roadmap)
    assert goals["Multi-region failover"] == ("done", ["Priya Nair"], date(2026, 8, 31), None)
    assert goals["Search revamp"] == ("on-track", [], None, None)
    assert goals["Migrate billing to the new ledger"] == (
        "blocked", [], None, "blocked on legal review",
    )  # fmt: skip
    assert goals["Rate limits per tenant"] == ("at-risk", [], None, "At risk: vendor late")
    assert [(r.kind, r.rule) for r in roadmap.rituals] == [
        ("retrospective", "every 2 weeks on Tuesday at 14:00"),
        ("knowledge_sharing", "every 2 weeks on Thursday at 16:00"),
    ]
    assert [str(s) for s in roadmap.skipped] == [
        "line 21: list items inside the toggle 'Why these?' are read as a note and skipped;"
        " move them out of the toggle to import them"
    ]


def test_list_items_in_a_quote_or_callout_are_notes():
    roadmap = parse_roadmap(
        "## Q1 2026\n\n- Ship it\n\n> 💡 **Reminder**\n> - update statuses weekly\n\n- Next\n"
    )
    assert [g.title for _, _, g in roadmap.goals()] == ["Ship it", "Next"]
    assert [s.line for s in roadmap.skipped] == [6]
