"""Schedule kinds are plug-ins: a new one is listed, planned and sent by registering it alone;
previews write nothing; every check-in prompt is a paced call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import kinds
from bot.blocks.message import Message, section
from bot.blocks.schedules import schedules_message
from bot.kinds import Kind
from bot.kinds.base import Previewing, post_one
from bot.kinds.checkin_prompt import prompt_calls
from bot.runtime import Runtime
from bot.scheduling.dispatch import run_calls
from bot.scheduling.pacing import POST_GAP, Pacer
from bot.scheduling.tick import tick
from bot.services.actors import Actor
from bot.services.dashboard import home_summary
from bot.services.goals import add_goal
from bot.services.schedules import add_schedule, list_schedules, view_of
from handlers.grammar import SCHEDULE_KINDS, ScheduleCommand, parse_command
from models import (
    CheckinPrompt,
    Delivery,
    DeliveryState,
    Goal,
    RitualOccurrence,
    Schedule,
    ScheduleKind,
    Workspace,
    utcnow,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def runtime(settings):
    runtime = Runtime.from_settings(settings)
    yield runtime
    runtime.close()


# --- a new kind is one module and one registration ------------------------------------------


def _send_pulse(sending):
    message = Message(text="How is the team?", blocks=[section(":heartbeat: How is the team?")])
    return (yield from post_one(sending, message))


PULSE = Kind(  # an example kind ("pulse" itself ships now: bot/kinds/pulse.py)
    name="mood",
    label="Team mood",
    home_label="Mood",
    send=_send_pulse,
    preview=lambda p: Message(text="How is the team?", blocks=[section("preview")]),
)


@pytest.fixture
def pulse():
    kinds.register(PULSE)  # what a line in bot.kinds.INSTALLED does for a shipped kind
    yield PULSE
    kinds.unregister(PULSE.name)


@pytest.mark.usefixtures("frozen_time")
def test_a_registered_kind_is_listed_planned_and_sent(pulse, roadmap, runtime, slack):
    assert "mood" in SCHEDULE_KINDS  # the grammar's list is the registry's
    assert parse_command("schedule add mood every monday 10:00").command == ScheduleCommand(
        "add", kind="mood", rule="every monday 10:00"
    )
    with runtime.session_factory() as session, session.begin():
        workspace = session.get(Workspace, roadmap)
        workspace.roadmap_channel_id = slack.channel
        session.execute(Schedule.__table__.delete())  # only the new kind's schedule
        view = add_schedule(
            session=session,
            workspace=workspace,
            actor=None,
            now=at("2025-01-01T00:00:00+00:00"),
            kind="mood",
            rule="every monday 10:00",
            timezone="UTC",
        )
        assert view.label == "Team mood"
        listed = list_schedules(session=session, workspace=workspace, now=at("2025-01-02T00:00"))
        assert "Team mood" in str(schedules_message(listed).to_dict())
        home = home_summary(session=session, workspace=workspace, user_id=slack.alice, now=utcnow())
        assert [r.label for r in home.rituals] == ["Mood"]
    pacer = Pacer(per_channel=0, per_workspace=0, sleep=lambda seconds: None)
    report = tick(runtime, now=at("2025-03-10T10:00:00+00:00"), pacer=pacer)
    assert report.planned == 1 and len(report.sent.sent) == 1, report.summary()
    posted = [m for m in slack.fake.messages(slack.channel) if "How is the team?" in m["text"]]
    assert len(posted) == 1


def _send_broken(sending):
    raise RuntimeError("the template is broken")
    yield  # a generator, like every kind's send


@pytest.mark.usefixtures("frozen_time")
def test_a_kind_that_breaks_is_retried_then_failed_with_its_reason(roadmap, runtime, slack):
    broken = Kind(name="broken", label="Broken ritual", send=_send_broken)
    kinds.register(broken)
    try:
        with runtime.session_factory() as session, session.begin():
            workspace = session.get(Workspace, roadmap)
            workspace.roadmap_channel_id = slack.channel
            workspace.admin_user_ids = [slack.admin]
            session.execute(Schedule.__table__.delete())
            add_schedule(
                session=session,
                workspace=workspace,
                actor=None,
                now=at("2025-01-01T00:00:00+00:00"),
                kind="broken",
                rule="every monday 10:00",
                timezone="UTC",
            )
        pacer = Pacer(per_channel=0, per_workspace=0, sleep=lambda seconds: None)
        first = tick(runtime, now=at("2025-03-10T10:00:00+00:00"), pacer=pacer)
        assert first.sent.retrying and not first.sent.failed, first.summary()
        with runtime.session_factory() as session:
            (delivery,) = session.scalars(select(Delivery))
            assert "RuntimeError: the template is broken" in delivery.error
        for minutes in range(1, 60):  # the retries' backoff passes; the last one fails it
            report = tick(
                runtime,
                now=at("2025-03-10T10:00:00+00:00") + timedelta(minutes=minutes),
                pacer=pacer,
            )
            if report.sent.failed:
                break
        assert report.sent.failed, report.summary()
        with runtime.session_factory() as session:
            (delivery,) = session.scalars(select(Delivery))
            assert delivery.state == DeliveryState.FAILED
            assert "gave up after" in delivery.error and "the template is broken" in delivery.error
    finally:
        kinds.unregister("broken")


def test_every_installed_kind_is_an_enum_member_with_a_label():
    assert [k.name for k in kinds.all_kinds()] == [k.value for k in ScheduleKind]
    for kind in kinds.all_kinds():
        assert kind.label and kinds.label(kind.name) == kind.label
        assert kind.offsets({}) and max(kind.offsets({})) >= 0


# --- previews write nothing ------------------------------------------------------------------


@pytest.mark.usefixtures("frozen_time")
def test_previews_write_nothing(roadmap, session_factory, slack):
    with session_factory() as session:
        workspace = session.get(Workspace, roadmap)
        for schedule in session.scalars(select(Schedule).where(Schedule.workspace_id == roadmap)):
            view = view_of(schedule, workspace, utcnow())
            event_at = view.next_runs[0] if view.next_runs else utcnow()
            kind = kinds.kind_of(schedule.kind)
            message = kind.preview(Previewing(session, schedule, workspace, event_at))
            assert message is not None or kind.preview_hint, schedule.kind
            if schedule.kind == ScheduleKind.KNOWLEDGE_SHARING:
                assert "Knowledge sharing" in message.text or message.blocks
            assert not (session.new or session.dirty or session.deleted), schedule.kind
        session.rollback()
        assert session.scalar(select(func.count()).select_from(RitualOccurrence)) == 0


# --- check-in prompts are paced --------------------------------------------------------------


class SharedClock:
    """One clock for the pacer and the fake Slack's rate limits; it moves when the pacer
    sleeps, so forty posts a second apart take no real time."""

    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _forty_goals_in_channel_mode(session_factory, workspace_id, slack) -> int:
    """40 more goals owned by alice; prompts go to the roadmap channel. Returns how many
    (goal, owner) pairs are open: each owner's message in the channel has one message per
    goal of theirs in its thread."""
    with session_factory() as session, session.begin():
        workspace = session.get(Workspace, workspace_id)
        workspace.roadmap_channel_id = slack.channel
        workspace.settings = {**(workspace.settings or {}), "checkins": "channel"}
        admin = Actor(slack.admin, is_slack_admin=True)
        for number in range(40):
            add_goal(
                session=session,
                workspace=workspace,
                actor=admin,
                now=utcnow(),
                title=f"Paced goal {number}",
                owners=[slack.alice],
            )
    with session_factory() as session:
        goals = session.scalars(select(Goal).where(Goal.workspace_id == workspace_id)).all()
        return sum(len(g.owners) for g in goals if g.status != "done" and not g.archived)


def _assert_each_prompted_once(session_factory, slack, expected: int) -> None:
    with session_factory() as session:
        prompts = session.scalars(select(CheckinPrompt)).all()
    assert len(prompts) == expected >= 40
    assert all(p.message_ts and p.channel_id == slack.channel for p in prompts)
    assert len({(p.goal_id, p.recipient) for p in prompts}) == expected  # once per owner
    posted = {m["ts"] for m in slack.fake.messages(slack.channel)}
    assert {p.message_ts for p in prompts} <= posted  # none lost
    assert slack.fake.rate_limited_count == 0  # no 429 at all, so none reached anyone


@pytest.mark.usefixtures("frozen_time")
def test_forty_prompts_to_one_channel_are_paced(roadmap, session_factory, slack):
    expected = _forty_goals_in_channel_mode(session_factory, roadmap, slack)
    clock = SharedClock()
    slack.fake.clock = clock
    slack.fake.rate_limit("chat.postMessage", per_channel_per_second=1)
    from slack_sdk import WebClient

    client = WebClient(token=slack.bot_token, base_url=slack.fake.api_url)
    started = clock.now
    run = run_calls(
        prompt_calls(factory=session_factory, client=client, workspace_id=roadmap, now=utcnow()),
        Pacer(per_workspace=0, clock=clock, sleep=clock.sleep),
    )
    assert run.goals == expected and run.asked == 2 and not run.failed, run.summary()
    _assert_each_prompted_once(session_factory, slack, expected)
    assert clock.now - started >= (expected - 1) * POST_GAP  # a second apart, not a burst


@pytest.mark.usefixtures("frozen_time")
def test_the_clock_paces_prompts_through_the_dispatcher(roadmap, runtime, session_factory, slack):
    expected = _forty_goals_in_channel_mode(session_factory, roadmap, slack)
    with session_factory() as session, session.begin():
        session.execute(Schedule.__table__.delete())
        add_schedule(
            session=session,
            workspace=session.get(Workspace, roadmap),
            actor=None,
            now=utcnow(),
            kind=ScheduleKind.CHECKIN_PROMPT,
            rule="every day 00:00",
            timezone="UTC",
        )
    # Real time, scaled down: the fake allows 50 posts a second per channel, the pacer
    # leaves 1/45 s between them.
    slack.fake.rate_limit("chat.postMessage", per_channel_per_second=50)
    report = tick(
        runtime,
        now=at("2025-03-06T00:00:00+00:00"),
        pacer=Pacer(per_channel=1 / 45, per_workspace=0),
    )
    assert len(report.sent.sent) == 1, report.summary()
    _assert_each_prompted_once(session_factory, slack, expected)
