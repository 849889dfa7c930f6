"""Team metrics reach people at their own hour: the pulse DM at 11:00 in each roster member's
zone (Los Angeles, Berlin, Tokyo, New York), exactly once, whatever the clocks do; and the
innovation question inside each person's check-in message. Through the clock's tick (time
passed in) and signed HTTP button clicks against the fake Slack."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from bot.scheduling.local_time import ask_due_people
from bot.scheduling.pacing import Pacer
from bot.scheduling.tick import tick, writer_sessions
from models import (
    Delivery,
    Goal,
    GoalOwner,
    InnovationAnswer,
    Metric,
    MetricReading,
    PulseAnswer,
    PulseMarker,
    PulseRound,
    Schedule,
    Workspace,
)
from tests.harness import run_command
from tests.test_team_http import button


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def no_pacing() -> Pacer:
    return Pacer(per_channel=0, per_workspace=0, sleep=lambda seconds: None)


@pytest.fixture
def team(frozen_time, roadmap, running_app, slack):
    """kenji (Tokyo), alice (Berlin), bob (New York) and lena (Los Angeles) on the roster;
    carol (UTC) is not on it."""
    fake = slack.fake
    slack.kenji = fake.add_user(slack.team_id, name="kenji", tz="Asia/Tokyo")["id"]
    slack.lena = fake.add_user(slack.team_id, name="lena", tz="America/Los_Angeles")["id"]
    factory = running_app.runtime.session_factory
    with factory() as session, session.begin():
        session.get(Workspace, roadmap).roadmap_channel_id = slack.channel
    roster = [slack.kenji, slack.alice, slack.bob, slack.lena]
    added = run_command(
        running_app,
        "team add " + " ".join(f"<@{p}>" for p in roster),
        user_id=slack.admin,
        channel_id=slack.channel,
    )
    assert "The team has 4 people." in added.text
    return slack, factory


def dms(slack, user, needle) -> list[dict]:
    channel = slack.fake.dm_channel(slack.team_id, slack.bot_user_id, user)
    messages = slack.fake.messages(channel) if channel else []
    return [
        m for m in messages if needle in m["text"] and (m.get("thread_ts") or m["ts"]) == m["ts"]
    ]


def click(app, slack, user, message, channel, action_id):
    """Press the button `action_id` of `message` as `user`; returns the private replies."""
    for block in message["blocks"]:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                payload = button(slack, user, channel, message["ts"], action_id, element["value"])
                assert app.interaction(payload).status == 200
                assert app.runtime.listener_executor.wait_idle(15)
                return slack.fake.responses(payload["response_url"])
    raise AssertionError(f"no {action_id} button")


def pulse_dm(slack, user):
    (message,) = dms(slack, user, "Team pulse:")
    return message, slack.fake.dm_channel(slack.team_id, slack.bot_user_id, user)


def test_the_pulse_reaches_each_person_at_11_their_time_once(team, running_app, frozen_time):
    slack, factory = team
    people = {"kenji": slack.kenji, "alice": slack.alice, "bob": slack.bob, "lena": slack.lena}
    runtime = running_app.runtime
    # Monday 7 April 2025, the first Monday, 11:00 local: Tokyo 02:00 UTC, Berlin 09:00,
    # New York 15:00, Los Angeles 18:00. The workspace's zone is UTC (its occurrence: 11:00).
    expected = [
        ("2025-04-07T01:59:00+00:00", set()),
        ("2025-04-07T02:00:30+00:00", {"kenji"}),
        ("2025-04-07T02:00:30+00:00", {"kenji"}),  # the same tick again, or a second clock
        ("2025-04-07T09:00:30+00:00", {"kenji", "alice"}),
        ("2025-04-07T11:00:30+00:00", {"kenji", "alice"}),  # the schedule's own occurrence
        ("2025-04-07T15:00:30+00:00", {"kenji", "alice", "bob"}),
        ("2025-04-07T18:00:30+00:00", {"kenji", "alice", "bob", "lena"}),
        ("2025-04-07T18:00:30+00:00", {"kenji", "alice", "bob", "lena"}),
    ]
    for instant, asked in expected:
        frozen_time.move_to(instant)
        tick(runtime, now=at(instant), pacer=no_pacing())
        counts = {name: len(dms(slack, user, "Team pulse:")) for name, user in people.items()}
        assert counts == {name: int(name in asked) for name in people}, instant
    with factory() as session:
        (pulse_round,) = session.scalars(select(PulseRound)).all()
        note = session.scalar(select(Delivery.error).join(Schedule).where(Schedule.kind == "pulse"))
        asked_at = dict(session.execute(select(PulseMarker.user_id, PulseMarker.asked_at)).all())
    assert pulse_round.occurrence_key == "2025-04-07"  # one round for every zone
    assert note == (
        "Pulse survey: 0 people asked now, 2 earlier, 2 later (each at the survey's time in "
        "their own zone)."
    )
    assert asked_at[slack.lena] == at("2025-04-07T18:00:30+00:00")
    # Open 3 days from the last person asked: Los Angeles has as long as Tokyo.
    assert pulse_round.closes_at == at("2025-04-10T18:00:30+00:00")

    def answer(user, score, instant):
        frozen_time.move_to(instant)
        message, channel = pulse_dm(slack, user)
        return click(running_app, slack, user, message, channel, f"pulse_score:{score}")

    def daily_refresh(instant):
        frozen_time.move_to(instant)
        tick(runtime, now=at(instant), pacer=no_pacing())

    answer(slack.kenji, 3, "2025-04-07T19:00:00+00:00")
    daily_refresh("2025-04-08T06:00:30+00:00")
    answer(slack.alice, 4, "2025-04-08T09:00:00+00:00")

    def chased():
        return {n for n, u in people.items() if dms(slack, u, "The team pulse closes")}

    # One reminder each, a day after their own DM, at 11:00 their time (not at the daily
    # refresh's 06:00 UTC, which is 02:00 in New York): bob and lena, who had not answered.
    assert chased() == set()
    for instant, expected in (
        ("2025-04-08T15:00:00+00:00", set()),  # 10:59:30 in New York
        ("2025-04-08T15:00:30+00:00", {"bob"}),  # 11:00:30 in New York
        ("2025-04-08T18:00:30+00:00", {"bob", "lena"}),  # 11:00:30 in Los Angeles
        ("2025-04-08T18:00:30+00:00", {"bob", "lena"}),  # a re-run tick
    ):
        daily_refresh(instant)
        assert chased() == expected, instant
    daily_refresh("2025-04-09T06:00:30+00:00")
    assert all(len(dms(slack, people[n], "The team pulse closes")) == 1 for n in chased())
    # "Soon" said when, in their own terms: the round closes 10 Apr 18:00:30 UTC.
    (bobs,) = dms(slack, slack.bob, "The team pulse closes")
    (lenas,) = dms(slack, slack.lena, "The team pulse closes")
    assert "closes Thursday at 14:00 (your time)" in bobs["text"]
    assert "closes Thursday at 11:00 (your time)" in lenas["text"]
    # Past Tokyo's 3 days, within her own: lena's answer counts.
    lena = answer(slack.lena, 5, "2025-04-10T17:00:00+00:00")
    assert not any("not recorded" in json.dumps(r) for r in lena)
    late = answer(slack.bob, 1, "2025-04-10T18:01:00+00:00")
    assert "has closed" in json.dumps(late)

    daily_refresh("2025-04-11T06:00:30+00:00")  # the round closes
    # Every DM the bot sent them, answered questions (now a thank-you) included.
    sent = {name: len(dms(slack, user, "")) for name, user in people.items()}
    assert sent == {"kenji": 1, "alice": 1, "bob": 2, "lena": 2}
    with factory() as session:
        reading = session.scalar(select(MetricReading).where(MetricReading.source == "pulse"))
        markers = session.scalar(select(func.count(PulseMarker.id)))
        answers = session.scalars(select(PulseAnswer.score).order_by(PulseAnswer.score)).all()
    assert (reading.value, reading.note, reading.user_id) == (4.0, "4/5 from 3 of 4", None)
    assert markers == 0 and answers == [3, 4, 5]  # who answered is gone; scores have no name
    posted = [m["text"] for m in slack.fake.messages(slack.channel)]
    assert "Team pulse: 4/5 from 3 of 4" in posted


def test_a_pulse_dm_slack_refused_is_sent_at_the_next_tick(team, running_app, frozen_time):
    slack, _factory = team
    runtime = running_app.runtime
    for instant in ("2025-04-07T01:59:00+00:00", "2025-04-07T02:00:30+00:00"):
        frozen_time.move_to(instant)
        if instant.startswith("2025-04-07T02"):
            slack.fake.fail("chat.postMessage", "fatal_error")  # kenji's DM, once
        tick(runtime, now=at(instant), pacer=no_pacing())
    assert dms(slack, slack.kenji, "Team pulse:") == []
    frozen_time.move_to("2025-04-07T02:05:30+00:00")
    tick(runtime, now=at("2025-04-07T02:05:30+00:00"), pacer=no_pacing())
    tick(runtime, now=at("2025-04-07T02:10:30+00:00"), pacer=no_pacing())
    assert len(dms(slack, slack.kenji, "Team pulse:")) == 1


def _own(factory, roadmap, goals: dict[int, str]) -> None:
    with factory() as session, session.begin():
        for number, person in goals.items():
            goal = session.scalar(
                select(Goal).where(Goal.workspace_id == roadmap, Goal.number == number)
            )
            goal.owners = [GoalOwner(workspace_id=roadmap, owner=person, position=0)]


def checkin(slack, user) -> tuple[dict, str]:
    (message,) = dms(slack, user, "Check-in")
    channel = slack.fake.dm_channel(slack.team_id, slack.bot_user_id, user)
    return slack.fake.message(channel, message["ts"]), channel


def innovation_text(message) -> str:
    blocks = [b for b in message["blocks"] if "innovation" in json.dumps(b)]
    return json.dumps(blocks)


def test_the_innovation_question_is_in_each_check_in(team, running_app, frozen_time, roadmap):
    slack, factory = team
    runtime = running_app.runtime
    # G1 alice, G2 bob, G3 alice and bob (the fixture); kenji, lena and carol get one each.
    _own(factory, roadmap, {4: slack.kenji, 5: slack.lena, 6: slack.carol})
    # Monday 10 March 2025, 10:00 local: Tokyo 01:00 UTC, Berlin 09:00, UTC 10:00, New York
    # 14:00, Los Angeles 17:00 (daylight saving time began the day before).
    for instant in (
        "2025-03-10T01:00:30+00:00",
        "2025-03-10T09:00:30+00:00",
        "2025-03-10T10:00:30+00:00",
        "2025-03-10T14:00:30+00:00",
        "2025-03-10T17:00:30+00:00",
        "2025-03-10T17:00:30+00:00",
    ):
        frozen_time.move_to(instant)
        tick(runtime, now=at(instant), pacer=no_pacing())
    for user in (slack.kenji, slack.alice, slack.bob, slack.lena):
        message, _ = checkin(slack, user)
        # On Monday the week has just begun: the question is about the week that ended.
        assert "much of your time went to innovation last week?" in innovation_text(message)
        assert "this week" not in innovation_text(message)
        assert not dms(slack, user, "innovation last week")[1:]  # no separate DM any more
    carol, _ = checkin(slack, slack.carol)  # not on the roster: no question
    assert "innovation" not in json.dumps(carol["blocks"])

    frozen_time.move_to("2025-03-11T08:00:00+00:00")
    for user, percent in (
        (slack.kenji, 20),
        (slack.kenji, 30),
        (slack.alice, 10),
        (slack.lena, 20),
    ):
        message, channel = checkin(slack, user)
        click(running_app, slack, user, message, channel, f"innovation:{percent}")
    kenji, channel = checkin(slack, slack.kenji)
    shown = innovation_text(kenji)
    assert "*30%* noted" in shown and "*20%*" not in shown  # a second press replaced the first
    chosen = [
        e["value"] for b in kenji["blocks"] for e in b.get("elements") or [] if e.get("style")
    ]
    assert chosen == ["30"]
    with factory() as session:  # the week worked, not the one the check-in opens
        weeks = set(session.scalars(select(InnovationAnswer.week_start)))
    assert weeks == {date(2025, 3, 3)}
    # Someone else pressing kenji's buttons is refused privately; nothing changes.
    refused = click(running_app, slack, slack.carol, kenji, channel, "innovation:50")
    assert "someone else's check-in" in json.dumps(refused)
    with factory() as session:
        reading = session.scalars(
            select(MetricReading).where(MetricReading.source == "checkins")
        ).all()[-1]
    assert reading.value == 20  # (30 + 10 + 20) / 3
    assert reading.note == "mean of 3 answers over 1 week in Q1 2025"
    assert (
        "Innovation projects"
        in run_command(
            running_app, "metric innovation", user_id=slack.admin, channel_id=slack.channel
        ).text
    )

    # Without an innovation metric the check-in asks nothing more.
    with factory() as session, session.begin():
        for metric in session.scalars(select(Metric)):
            metric.archived = metric.archived or "innovation" in metric.name.lower()
    frozen_time.move_to("2025-03-17T01:00:30+00:00")
    tick(runtime, now=at("2025-03-17T01:00:30+00:00"), pacer=no_pacing())
    newest = dms(slack, slack.kenji, "Check-in")[-1]
    assert "Week of 17 March" in json.dumps(newest["blocks"])
    assert "innovation" not in json.dumps(newest["blocks"])


def test_in_the_roadmap_channel_the_answer_is_private(team, running_app, frozen_time, roadmap):
    """With check-ins in the roadmap channel, the message shows only that kenji answered;
    the percentage is told to him alone."""
    slack, factory = team
    _own(factory, roadmap, {4: slack.kenji})
    slack.fake.join(slack.channel, slack.kenji)
    run_command(
        running_app, "config checkins channel", user_id=slack.admin, channel_id=slack.channel
    )
    frozen_time.move_to("2025-03-10T01:00:30+00:00")
    tick(running_app.runtime, now=at("2025-03-10T01:00:30+00:00"), pacer=no_pacing())
    (top,) = [m for m in slack.fake.messages(slack.channel) if "Check-in" in m["text"]]
    assert "innovation last week?" in innovation_text(top)
    click(running_app, slack, slack.kenji, top, slack.channel, "innovation:20")
    shown = slack.fake.message(slack.channel, top["ts"])
    assert "Answered, thanks" in innovation_text(shown) and "20%*" not in innovation_text(shown)
    told = [e for e in slack.fake.ephemerals if e.get("user") == slack.kenji]
    assert "*20%* noted (only you can see this)" in json.dumps(told)


def test_a_full_check_in_message_with_the_question_stays_within_slack_limits():
    """40 goals with long titles, notes and targets, every one answered with a note, and the
    innovation question answered: Slack's 50 blocks and 3,000 characters a section hold."""
    from datetime import date

    from bot.blocks.checkins import round_message
    from bot.services.checkin_prompts import RoundItem, RoundView
    from bot.services.checkins import Answer
    from bot.services.goals import GoalView
    from bot.services.innovation import InnovationAsk

    long = "Migrate the <billing> & invoicing service " * 12
    goals = [
        GoalView(
            ref=f"G{n}",
            title=long[:500],
            period="Q1 2025",
            category="Technical Objectives",
            status="at-risk",
            progress=40,
            owners=("U1",),
            due=date(2025, 3, 31),
            archived=False,
            status_note="waiting on the vendor " * 20,
            target="latency ≤ 200 ms " * 10,
        )
        for n in range(1, 41)
    ]
    items = [RoundItem(g, Answer("at-risk", 40, "slipping " * 30, "U1", "modal")) for g in goals]
    for private, channel in ((True, "D1"), (False, "C1")):
        view = RoundView(1, "U1", "2025-W10", channel, "1.0", items, InnovationAsk(30))
        message = round_message(view).to_dict()  # slack_sdk checks the limits it knows
        assert len(message["blocks"]) <= 50
        assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in message["blocks"])
        question = json.dumps(message["blocks"][-2:])
        assert "innovation:30" in question and ("*30%* noted" in question) == private


def test_the_local_time_pass_asks_side_by_side_not_one_after_another(
    team, running_app, frozen_time, roadmap
):
    """The clock's pass runs its kinds and workspaces on the dispatcher: the pulse and the
    check-in due at alice's same hour are both under way at once (one after the other, the
    first would wait at the barrier alone and fail), and each still reaches her once."""
    slack, factory = team
    runtime = running_app.runtime
    with factory() as session, session.begin():
        pulse = session.scalar(select(Schedule).where(Schedule.kind == "pulse"))
        pulse.rule = "first monday of the month 10:00"  # the check-in's hour
    both_started = threading.Barrier(2, timeout=10)
    first_posts = iter(range(2))

    def client_for(workspace):
        client = runtime.client_for(workspace, wait_on_rate_limit=False)
        call_slack = client.api_call

        def api_call(method, **kwargs):
            if method == "chat.postMessage" and next(first_posts, None) is not None:
                both_started.wait()  # the other kind's first post must arrive meanwhile
            return call_slack(method, **kwargs)

        client.api_call = api_call
        return client

    instant = "2025-03-03T09:00:30+00:00"  # the first Monday of March, 10:00 in Berlin
    frozen_time.move_to(instant)
    asked = ask_due_people(
        factory=writer_sessions(runtime), client_for=client_for, now=at(instant), pacer=no_pacing()
    )
    assert not both_started.broken
    # alice by each kind; kenji's pulse too (10:00 in Tokyo is hours ago, within the late
    # limit: nobody ticked then), his check-in not (the roster's goals are not his).
    assert asked == 3
    assert len(dms(slack, slack.alice, "Team pulse:")) == 1
    assert len(dms(slack, slack.alice, "Check-in")) == 1
    assert len(dms(slack, slack.kenji, "Team pulse:")) == 1
    assert not dms(slack, slack.bob, "Check-in")  # 10:00 in New York is later


def test_a_stopping_clock_starts_no_more_local_time_asks(team, running_app, frozen_time):
    """Once the clock is told to stop, the pass starts nobody new (the next clock asks them)."""
    slack, _factory = team
    runtime = running_app.runtime
    stopping = threading.Event()
    stopping.set()
    instant = "2025-03-03T09:00:30+00:00"
    frozen_time.move_to(instant)
    asked = ask_due_people(
        factory=writer_sessions(runtime),
        client_for=lambda workspace: runtime.client_for(workspace, wait_on_rate_limit=False),
        now=at(instant),
        pacer=no_pacing(),
        stopping=stopping,
    )
    assert asked == 0 and not dms(slack, slack.alice, "Check-in")
    assert ask_due_people(  # not stopping: she is asked
        factory=writer_sessions(runtime),
        client_for=lambda workspace: runtime.client_for(workspace, wait_on_rate_limit=False),
        now=at(instant),
        pacer=no_pacing(),
    )
    assert len(dms(slack, slack.alice, "Check-in")) == 1
