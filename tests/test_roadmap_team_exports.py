"""Roadmaps as tools export them (tests/roadmaps/15-18): a Notion page, a Jira table, a Google
Docs export and a GitHub README. Each reads as its team meant it; the corpus test imports
each and re-imports its export."""

from __future__ import annotations

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
