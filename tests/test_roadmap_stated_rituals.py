"""A rituals section as teams write it ("Retrospective every 2 weeks on Tuesday") becomes the
schedule it says, read with the same rule grammar as `/roadmap schedule add`."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.services.roadmap_document import parse_roadmap
from bot.services.roadmap_import import import_roadmap
from bot.services.schedule_rules import parse_rule
from bot.services.schedules import list_schedules, next_runs
from bot.services.workspaces import ensure_workspace
from models import Schedule, Workspace


def _rituals(lines: list[str]) -> list[tuple[str, str, str | None]]:
    body = "\n".join(f"- {line}" for line in lines)
    roadmap = parse_roadmap(f"# Team 2026\n\n## Q1 2026\n\n- Ship it\n\n## Rituals\n\n{body}\n")
    return [(r.kind, r.cadence, r.rule) for r in roadmap.rituals]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Retrospective every 2 weeks on Tuesday",
         ("retrospective", "biweekly", "every 2 weeks on Tuesday at 14:00")),
        ("Retro: biweekly on Tue at 3pm",
         ("retrospective", "biweekly", "every 2 weeks on Tuesday at 15:00")),
        ("Tech talks every other Thursday",
         ("knowledge_sharing", "biweekly", "every 2 weeks on Thursday at 15:00")),
        ("Knowledge sharing, fortnightly on Wednesdays 16:30",
         ("knowledge_sharing", "biweekly", "every 2 weeks on Wednesday at 16:30")),
        ("Lunch & learn every second Friday (45 min, on Zoom)",
         ("knowledge_sharing", "biweekly", "every 2 weeks on Friday at 15:00")),
        ("Retrospectives every two weeks on Friday",
         ("retrospective", "biweekly", "every 2 weeks on Friday at 14:00")),
        # No day: the ritual's usual day.
        ("Retros fortnightly", ("retrospective", "biweekly", "every 2 weeks on friday 14:00")),
        ("Weekly knowledge sharing", ("knowledge_sharing", "weekly", "every thursday 15:00")),
        ("Retrospective every 3 weeks on Friday",
         ("retrospective", "every 3 weeks", "every 3 weeks on Friday at 14:00")),
        ("Knowledge sharing on the first Tuesday of the month at 16:00",
         ("knowledge_sharing", "monthly", "first Tuesday of the month at 16:00")),
        # As before: the cadence's usual session.
        ("Monthly knowledge sharing sessions",
         ("knowledge_sharing", "monthly", "first thursday of the month 15:00")),
        ("Quarterly retrospectives",
         ("retrospective", "quarterly", "last friday of the quarter 14:00")),
        # A rule that contradicts the cadence word is not guessed at.
        ("Monthly knowledge sharing on Tuesdays",
         ("knowledge_sharing", "monthly", "first thursday of the month 15:00")),
    ],
)  # fmt: skip
def test_a_ritual_line_becomes_its_rule(line, expected):
    assert _rituals([line]) == [expected]
    # Every rule proposed is one `/roadmap schedule add` takes.
    parse_rule(expected[2])


def test_lines_that_are_not_rituals_the_bot_runs_are_skipped_with_the_reason():
    roadmap = parse_roadmap(
        "## Q1 2026\n\n- Ship it\n\n## Rituals\n\n- Daily standup at 9:30\n- Sprint demo every"
        " other Friday\n"
    )
    assert roadmap.rituals == []
    assert [s.line for s in roadmap.skipped] == [7, 8]
    assert "is not a ritual I run" in roadmap.skipped[0].message
    assert "every 2 weeks" in roadmap.skipped[0].message


def test_goals_still_ask_only_for_monthly_or_quarterly_rituals():
    roadmap = parse_roadmap("## Q1 2026\n\n- Hold fortnightly retros\n- Weekly tech talks\n")
    assert roadmap.rituals == []


@pytest.fixture
def workspace(session) -> Workspace:
    workspace = ensure_workspace(session=session, team_id="T0000000001")
    session.commit()
    return workspace


DOCUMENT = """# Team 2026

## Q1 2026

- Ship it

## Rituals

- Retrospective every 2 weeks on Tuesday
- Monthly knowledge sharing sessions
"""


def test_a_fortnightly_ritual_imports_as_a_schedule_counted_from_the_import_week(
    session, workspace
):
    now = datetime(2026, 1, 8, 12, tzinfo=UTC)  # a Thursday
    report = import_roadmap(
        session=session, workspace_id=workspace.id, text=DOCUMENT, now=now, dry_run=True
    )
    assert "Ritual: retrospective, every 2 weeks on Tuesday at 14:00 (line 9)" in report.understood
    assert "Ritual: knowledge sharing, monthly (line 10)" in report.understood
    report = import_roadmap(session=session, workspace_id=workspace.id, text=DOCUMENT, now=now)
    session.commit()
    assert report.schedules_proposed == [
        "retrospective: every 2 weeks on Tuesday at 14:00",
        "knowledge_sharing: first thursday of the month 15:00",
    ]
    retro = session.scalar(select(Schedule).where(Schedule.kind == "retrospective"))
    assert (retro.source, retro.options["cadence"], retro.options["anchor"]) == (
        "import", "biweekly", "2026-01-08",
    )  # fmt: skip
    (view,) = [v for v in list_schedules(session=session, workspace=workspace, now=now)
               if v.kind == "retrospective"]  # fmt: skip
    # The week of the import is the first: Tuesday the 6th has passed, so the rule gives the
    # 20th, then every other Tuesday.
    days = [run.date() for run in next_runs(retro, workspace, now)]
    assert days == [date(2026, 1, 20), date(2026, 2, 3), date(2026, 2, 17)]
    # The list shows what the clock posts: a retrospective closes a period, so only the first
    # of those Tuesdays from 14 days before Q1's end (bot.services.schedules.in_season).
    assert [run.date() for run in view.next_runs] == [date(2026, 3, 17)]
    # A second import proposes nothing new.
    again = import_roadmap(session=session, workspace_id=workspace.id, text=DOCUMENT, now=now)
    assert again.schedules_proposed == []
