"""Count goals about people, measured from the roster: the roster's head count and the goal's
number in one reply agree, for a running period, an ended one (the size at its end), an
upcoming one, and a period that ended before the roster started (not measured, never 0)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from bot.flows.commands import CommandCall, ShowGoal, TeamCommand
from bot.flows.goals import show_goal
from tests.flows import run
from tests.test_team_metrics import ADMIN, ask, said, world  # noqa: F401 (a fixture)


@pytest.fixture
def acme(world):  # noqa: F811
    """The fake team with the sample roadmap and a fifth person, erin."""
    return world


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)


def add(factory, slack, people, day):
    return ask(factory, slack, TeamCommand("add", tuple(people)), now=at(day))


def roster(factory, slack, day) -> str:
    return said(ask(factory, slack, TeamCommand(), now=at(day)))


def head_count(text: str) -> int:
    return int(re.search(r"Team roster\* \((\d+) (?:people|person)", text).group(1))


def on_the_team(text: str) -> int:
    return int(re.search(r"Expand team to 8 engineers: (\d+) of 8 on the team", text).group(1))


def card(factory, slack, query, day) -> str:
    result = run(
        factory,
        show_goal,
        CommandCall(ShowGoal(query)),
        team_id=slack.team_id,
        user_id=slack.admin,
        now=at(day),
        users={slack.admin: ADMIN},
    )
    return said(result)


def test_running_period_counts_the_team_now(session_factory, acme):
    add(session_factory, acme, [acme.alice, acme.bob, acme.carol], "2025-07-01")
    shown = roster(session_factory, acme, "2025-08-01")
    assert head_count(shown) == on_the_team(shown) == 3
    assert "3 of 8 on the team now" in shown
    # The goal's card says the same.
    assert "From the team roster: 3 of 8 on the team now." in card(
        session_factory, acme, "expand team", "2025-08-01"
    )


def test_ended_period_counts_the_team_at_its_end(session_factory, acme):
    add(session_factory, acme, [acme.alice, acme.bob, acme.carol], "2025-07-01")
    add(session_factory, acme, [acme.admin, acme.erin], "2026-01-10")  # after it ended
    shown = roster(session_factory, acme, "2026-01-15")
    assert head_count(shown) == 5
    assert on_the_team(shown) == 3
    assert "3 of 8 on the team when Q3-Q4 2025 ended (Wed 31 Dec 2025)" in shown
    assert "3 of 8 on the team when Q3-Q4 2025 ended" in card(
        session_factory, acme, "expand team", "2026-01-15"
    )


def test_period_that_ended_before_the_roster_started_is_not_measured(session_factory, acme):
    add(session_factory, acme, [acme.alice, acme.bob, acme.carol], "2026-12-02")
    shown = roster(session_factory, acme, "2026-12-02")
    assert head_count(shown) == 3
    assert "of 8" not in shown
    assert (
        "Expand team to 8 engineers: not measured (the team roster started on Wed 2 Dec 2026, "
        "after Q3-Q4 2025 ended)" in shown
    )


def test_upcoming_period(session_factory, acme):
    add(session_factory, acme, [acme.alice, acme.bob, acme.carol], "2024-12-01")
    shown = roster(session_factory, acme, "2024-12-20")
    assert head_count(shown) == 3
    assert "Onboard 2 new senior engineers: Q1 2025 has not started" in shown
    # A size goal of a period still to come reads today's team, as the roster does.
    assert "From the team roster: 3 of 8 on the team now." in card(
        session_factory, acme, "expand team", "2024-12-20"
    )


def test_joiners_are_counted_after_the_roster_started(session_factory, acme):
    add(session_factory, acme, [acme.alice, acme.bob, acme.carol], "2025-01-06")
    add(session_factory, acme, [acme.admin, acme.erin], "2025-02-10")
    shown = roster(session_factory, acme, "2025-03-05")
    assert head_count(shown) == 5
    assert "Onboard 2 new senior engineers: 2 of 2 joined in Q1 2025 so far" in shown
    # Once Q1 has ended (the roadmap is in Q2), the Q1 goal's card reads the whole quarter.
    assert "2 of 2 joined during Q1 2025" in card(
        session_factory, acme, "onboard 2 new", "2025-05-01"
    )


def add_joined(factory, slack, people, joined, day):
    return ask(factory, slack, TeamCommand("add", tuple(people), joined=joined), now=at(day))


def test_a_real_joining_date_counts_the_joiner(session_factory, acme):
    """The roster starts in March with everyone; two of them joined in Q1, and the manager
    says when: they count for Q1's "Onboard 2 new senior engineers"; the others, added without
    a date on the roster's first day, were on the team already."""
    add(session_factory, acme, [acme.alice, acme.bob, acme.carol], "2025-03-10")
    added = add_joined(session_factory, acme, [acme.erin], date(2025, 1, 13), "2025-03-10")
    assert "(joined Mon 13 Jan 2025)" in said(added)
    senior = TeamCommand("role", (acme.admin,), role="senior", joined=date(2025, 2, 3))
    refused = ask(session_factory, acme, senior, now=at("2025-03-11"))
    assert "is not on the team roster" in said(refused)
    add(session_factory, acme, [acme.admin], "2025-03-11")
    dated = ask(session_factory, acme, senior, now=at("2025-03-11"))
    assert "is *senior* on the team, joined Mon 3 Feb 2025" in said(dated)
    shown = roster(session_factory, acme, "2025-03-12")
    assert "joined Mon 13 Jan 2025" in shown and "joined Mon 3 Feb 2025" in shown
    assert "Onboard 2 new senior engineers: 2 of 2 joined in Q1 2025 so far" in shown
    assert "2 of 2 joined during Q1 2025" in card(
        session_factory, acme, "onboard 2 new", "2025-05-01"
    )


def test_a_joining_date_in_the_future_is_refused_and_nothing_changes(session_factory, acme):
    refused = add_joined(session_factory, acme, [acme.erin], date(2025, 6, 1), "2025-05-20")
    assert "after today" in said(refused) and "joined 2025-05-20" in said(refused)
    assert "roster is empty" in roster(session_factory, acme, "2025-05-20")
