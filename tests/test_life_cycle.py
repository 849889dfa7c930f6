"""The roadmap's life cycle: upcoming, running, between periods, ended; what each feature does
in each state, through the flows, the clock (`tick --now`), the CLI and signed HTTP."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.cli import main
from bot.scheduling.tick import tick
from bot.services.periods import (
    RoadmapState,
    closing_period,
    lifecycle,
    resolve_period,
)
from bot.services.errors import NotFound
from bot.services.roadmap_import import import_roadmap
from bot.services.workspaces import ensure_workspace
from models import Delivery, Period, Schedule, Workspace
from tests.conftest import SAMPLE_ROADMAP
from tests.harness import run_command
from tests.test_cli_workspace import token_env  # noqa: F401 (a fixture)
from tests.test_scheduling import no_pacing


class P:
    """A period as the pure functions see it."""

    def __init__(self, label: str, start: date, end: date):
        self.label, self.start_date, self.end_date = label, start, end

    def __repr__(self) -> str:
        return self.label


SAMPLE = [
    P("Q1 2025", date(2025, 1, 1), date(2025, 3, 31)),
    P("Q2 2025", date(2025, 4, 1), date(2025, 6, 30)),
    P("Q3-Q4 2025", date(2025, 7, 1), date(2025, 12, 31)),
]


# -- the one answer -----------------------------------------------------------------------------


def test_the_roadmaps_state_on_each_day():
    assert lifecycle([], date(2025, 1, 1)).state == RoadmapState.EMPTY
    before = lifecycle(SAMPLE, date(2024, 12, 2))
    assert before.state == RoadmapState.UPCOMING and before.following.label == "Q1 2025"
    running = lifecycle(SAMPLE, date(2025, 5, 5))
    assert running.state == RoadmapState.RUNNING and running.current.label == "Q2 2025"
    assert not running.ending_soon()
    ending = lifecycle(SAMPLE, date(2025, 12, 20))
    assert ending.running and ending.ending_soon() and ending.last_day == date(2025, 12, 31)
    ended = lifecycle(SAMPLE, date(2026, 12, 2))
    assert ended.state == RoadmapState.ENDED and ended.previous.label == "Q3-Q4 2025"
    gap = [SAMPLE[0], P("Q3 2025", date(2025, 7, 1), date(2025, 9, 30))]
    between = lifecycle(gap, date(2025, 5, 1))
    assert between.state == RoadmapState.BETWEEN
    assert (between.previous.label, between.following.label) == ("Q1 2025", "Q3 2025")


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(st.tuples(days, st.integers(0, 200)), max_size=5), days)
def test_the_state_agrees_with_the_periods(spans, today):
    periods = [P(f"P{i}", start, start + timedelta(days=n)) for i, (start, n) in enumerate(spans)]
    life = lifecycle(periods, today)
    containing = [p for p in periods if p.start_date <= today <= p.end_date]
    assert life.running == bool(containing)
    if life.state == RoadmapState.ENDED:
        assert periods and all(p.end_date < today for p in periods)
    if life.state == RoadmapState.UPCOMING:
        assert all(p.start_date > today for p in periods)
    if life.state == RoadmapState.BETWEEN:
        assert not containing and life.previous and life.following
    closing = closing_period(periods, today)
    if closing is not None:
        assert closing.end_date - timedelta(days=14) <= today <= closing.end_date + timedelta(35)


def test_a_closing_ritual_is_about_the_period_ending_near_it():
    assert closing_period(SAMPLE, date(2025, 3, 28)).label == "Q1 2025"  # last friday of Q1
    assert closing_period(SAMPLE, date(2025, 4, 7)).label == "Q1 2025"  # first monday of Q2
    assert closing_period(SAMPLE, date(2025, 9, 26)) is None  # mid Q3-Q4: nothing closes
    assert closing_period(SAMPLE, date(2026, 12, 25)) is None  # a year after the end


def test_this_and_next_quarter_are_calendar_quarters():
    assert resolve_period(SAMPLE, "this quarter", date(2025, 11, 3)).label == "Q3-Q4 2025"
    assert resolve_period(SAMPLE, "next quarter", date(2025, 2, 3)).label == "Q2 2025"
    with pytest.raises(NotFound) as refused:
        resolve_period(SAMPLE, "this quarter", date(2026, 11, 3))
    assert "no goals in Q4 2026" in str(refused.value)
    assert "The roadmap ended on 31 Dec 2025" in str(refused.value)
    with pytest.raises(NotFound) as refused:
        resolve_period(SAMPLE, "next quarter", date(2025, 12, 1))
    assert "no goals in Q1 2026" in str(refused.value)


# -- the sample (2025), imported now and ticked through a month -----------------------------------

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def bot_posts(slack) -> list[dict]:
    return [c.params for c in slack.fake.calls_to("chat.postMessage")]


def test_an_ended_roadmap_goes_quiet_and_the_admins_hear_once(
    token_env, running_app, slack, session, capsys
):
    assert main(["import", str(SAMPLE_ROADMAP)]) == 0  # lands in the token's team
    answer = run_command(
        running_app, "config channel #eng-roadmap", user_id=slack.admin, channel_id=slack.channel
    )
    assert "something went wrong" not in answer.text
    workspace = session.scalar(select(Workspace).where(Workspace.team_id == slack.team_id))
    session.refresh(workspace)
    assert workspace.roadmap_channel_id == slack.channel
    kinds = set(session.scalars(select(Schedule.kind)))
    assert {"checkin_prompt", "weekly_digest", "quarterly_digest", "retrospective"} <= kinds
    runtime = running_app.runtime
    for step in range(31 * 4):
        when = NOW + timedelta(hours=6 * step)
        if step in (0, 60):
            assert main(["tick", "--now", when.isoformat()]) == 0
        else:
            tick(runtime, now=when, pacer=no_pacing())
    session.rollback()  # end the test's read transaction: see what the ticks wrote
    planned = session.execute(select(Schedule.kind, Delivery.state).join(Schedule)).all()
    quiet = {"checkin_prompt", "weekly_digest", "retrospective", "quarterly_digest"}
    assert ("knowledge_sharing", "sent") in planned  # the clock did run
    assert not [kind for kind, _state in planned if kind in quiet]
    posts = bot_posts(slack)
    notices = [p for p in posts if "roadmap ended" in p.get("text", "")]
    assert len(notices) == 1 and notices[0]["channel"] == slack.admin
    assert "The roadmap ended on 31 Dec 2025. Import the next one?" == notices[0]["text"]
    assert "Import the next roadmap" in json.dumps(notices[0]["blocks"])
    others = [p for p in posts if p not in notices]
    assert not [p for p in others if "2025" in json.dumps(p)]  # nothing about 2025
    listed = run_command(running_app, "list", user_id=slack.alice, channel_id=slack.channel)
    assert "The roadmap ended on 31 Dec 2025; showing Q3-Q4 2025" in listed.text
    quarter = run_command(
        running_app, "list this quarter", user_id=slack.alice, channel_id=slack.channel
    )
    assert "no goals in Q4 2026" in quarter.text


def test_config_channel_by_typed_name_and_unknown_names(running_app, slack, session):
    fresh = slack.fake.add_channel(slack.team_id, name="eng", members=[slack.admin])
    answer = run_command(
        running_app, "config channel #nope", user_id=slack.admin, channel_id=slack.channel
    )
    assert "I can't find a channel called #nope" in answer.text
    run_command(
        running_app,
        'schedule add reminder "every monday 09:00" #eng Update your goals',
        user_id=slack.admin,
        channel_id=slack.channel,
    )
    stored = session.scalar(select(Schedule).where(Schedule.kind == "reminder"))
    assert stored.channel_id == fresh["id"]  # the id, never "##eng"


# -- the same roadmap in a future year, ticked through its first quarter --------------------------


def home_button(running_app, slack, user, action_id, value):
    payload = {
        "type": "block_actions",
        "team": {"id": slack.team_id, "domain": "acme"},
        "user": {"id": user, "team_id": slack.team_id},
        "api_app_id": "A0000000001",
        "trigger_id": slack.fake.trigger_id(slack.team_id, user),
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "home"},
        "actions": [{"action_id": action_id, "value": value, "type": "button"}],
    }
    assert running_app.interaction(payload).status == 200
    assert running_app.runtime.listener_executor.wait_idle(15)


def test_a_future_roadmap_closes_its_first_quarter_once_off_the_holidays(
    running_app, slack, session
):
    text = SAMPLE_ROADMAP.read_text(encoding="utf-8").replace("2025", "2027")
    with session.begin():
        workspace = ensure_workspace(session=session, team_id=slack.team_id, name="Acme")
        import_roadmap(session=session, workspace_id=workspace.id, text=text)
    run_command(
        running_app, "config timezone Europe/Berlin", user_id=slack.admin, channel_id=slack.channel
    )
    run_command(
        running_app, "config channel #eng-roadmap", user_id=slack.admin, channel_id=slack.channel
    )
    running_app.event({"type": "app_home_opened", "user": slack.admin, "tab": "home"})
    assert running_app.runtime.listener_executor.wait_idle(15)
    home = json.dumps(slack.fake.home_view(slack.admin))
    assert "Set up the roadmap" in home and "Use DE holidays" in home  # from Europe/Berlin
    home_button(running_app, slack, slack.admin, "setup_holidays:DE", "DE")
    session.expire_all()
    assert {s.holiday_policy for s in session.scalars(select(Schedule))} == {"next_working_day"}
    runtime = running_app.runtime
    end = datetime(2027, 4, 15, tzinfo=UTC)
    step, when = 0, NOW
    while when < end:
        tick(runtime, now=when, pacer=no_pacing())
        step += 1
        when = NOW + timedelta(hours=6 * step)
    session.rollback()  # end the test's read transaction: see what the ticks wrote
    sent = session.execute(
        select(Schedule.kind, Delivery.occurrence_key, Delivery.due_at)
        .join(Schedule)
        .where(Delivery.state == "sent")
        .order_by(Delivery.due_at)
    ).all()
    retro = [(key, due) for kind, key, due in sent if kind == "retrospective"]
    # The last Friday of Q1 2027 is Good Friday, then Easter Monday: the retrospective moves
    # to Tuesday 30 March 14:00 in Berlin, announced a week ahead.
    assert [key for key, _ in retro] == ["2027-03-30T12:00Z-7d"]
    quarterly = [key for kind, key, _ in sent if kind == "quarterly_digest"]
    assert quarterly == ["2027-04-05T08:00Z"]  # the first Monday of Q2, about Q1, once
    weekly = [due for kind, _, due in sent if kind == "weekly_digest"]
    prompts = [due for kind, _, due in sent if kind == "checkin_prompt"]
    assert weekly and prompts
    assert min(weekly + prompts) >= datetime(2027, 1, 1, tzinfo=UTC)  # not while upcoming
    channel = [m for m in slack.fake.messages(slack.channel) if m.get("bot_id")]
    assert any("Q1 2027" in json.dumps(m) for m in channel)
    assert not [p for p in bot_posts(slack) if "roadmap ended" in p.get("text", "")]
