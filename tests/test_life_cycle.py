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
from bot.services.errors import NotFound
from bot.services.periods import (
    RoadmapState,
    closing_period,
    lifecycle,
    resolve_period,
)
from bot.services.roadmap_import import import_roadmap
from bot.services.workspaces import ensure_workspace
from models import Delivery, Goal, Schedule, Workspace
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
    assert "The roadmap ended on Wed 31 Dec 2025" in str(refused.value)
    with pytest.raises(NotFound) as refused:
        resolve_period(SAMPLE, "next quarter", date(2025, 12, 1))
    assert "no goals in Q1 2026" in str(refused.value)


# -- the sample (2025), imported now and ticked through a month -----------------------------------

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def bot_posts(slack) -> list[dict]:
    return [c.params for c in slack.fake.calls_to("chat.postMessage")]


@pytest.mark.usefixtures("token_env")
def test_an_ended_roadmap_goes_quiet_and_the_admins_hear_once(running_app, slack, session):
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
    assert ("team_metrics", "sent") in planned  # the clock did run
    assert not any(kind == "knowledge_sharing" for kind, _ in planned)  # it went quiet too
    assert not [kind for kind, _state in planned if kind in quiet]
    posts = bot_posts(slack)
    notices = [p for p in posts if "roadmap ended" in p.get("text", "")]
    assert len(notices) == 1 and notices[0]["channel"] == slack.admin
    assert notices[0]["text"] == "The roadmap ended on Wed 31 Dec 2025. Import the next one?"
    assert "Import the next roadmap" in json.dumps(notices[0]["blocks"])
    others = [p for p in posts if p not in notices]
    assert not [p for p in others if "2025" in json.dumps(p)]  # nothing about 2025
    listed = run_command(running_app, "list", user_id=slack.alice, channel_id=slack.channel)
    assert "The roadmap ended on Wed 31 Dec 2025; showing Q3-Q4 2025" in listed.text
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


# -- a new year's roadmap, moving the console's work, the setup checklist, the clock's log -------


def test_next_years_roadmap_keeps_last_years_goals(session):
    with session.begin():
        workspace = ensure_workspace(session=session, team_id="T0NEWYEAR01", name="Acme")
        import_roadmap(session=session, workspace_id=workspace.id, text=SAMPLE_ROADMAP.read_bytes())
        text = SAMPLE_ROADMAP.read_text(encoding="utf-8").replace("2025", "2026")
        text = text.replace("- Launch Machine Learning Pipeline\n", "")
        report = import_roadmap(
            session=session, workspace_id=workspace.id, text=text, archive_missing=True
        )
    assert len(report.kept) == 36 and not report.missing and not report.archived
    assert "36 kept from earlier periods" in report.summary()
    assert not session.scalar(select(Goal).where(Goal.archived.is_(True)))
    session.rollback()
    # Dropping a goal from a period the document does describe is still archived.
    with session.begin():
        again = import_roadmap(
            session=session,
            workspace_id=workspace.id,
            text=text.replace("- Expand team to 8 engineers\n", ""),
            archive_missing=True,
        )
    assert [c.title for c in again.archived] == ["Expand team to 8 engineers"]
    assert all(c.period.endswith("2026") for c in again.archived)


def test_workspace_move_brings_the_console_roadmap_into_slack(
    settings, session, monkeypatch, capsys
):
    from bot.services.workspaces import LOCAL_TEAM_ID

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with session.begin():
        local = ensure_workspace(session=session, team_id=LOCAL_TEAM_ID, name="Local")
        local.timezone = "Europe/Berlin"
        import_roadmap(session=session, workspace_id=local.id, text=SAMPLE_ROADMAP.read_bytes())
        taken = ensure_workspace(session=session, team_id="T0TAKEN0001")
        import_roadmap(session=session, workspace_id=taken.id, text=SAMPLE_ROADMAP.read_bytes())
    assert main(["workspace", "move", "--to", "T0TAKEN0001"]) == 2
    assert "already has a roadmap" in capsys.readouterr().err
    assert main(["workspace", "move", "--from", LOCAL_TEAM_ID, "--to", "T0123ABCD"]) == 0
    assert "Moved" in capsys.readouterr().out
    session.rollback()
    target = session.scalar(select(Workspace).where(Workspace.team_id == "T0123ABCD"))
    assert target.timezone == "Europe/Berlin"
    goals = session.scalars(select(Goal).where(Goal.workspace_id == target.id)).all()
    assert len(goals) == 36
    kinds = sorted(session.scalars(select(Schedule.kind).where(Schedule.workspace_id == target.id)))
    assert len(kinds) == len(set(kinds))  # the target's defaults gave way, none twice
    assert session.scalar(select(Workspace).where(Workspace.team_id == LOCAL_TEAM_ID)) is None
    assert main(["workspace", "move", "--to", "T0123ABCD"]) == 2  # nothing left to move


def test_the_setup_checklist_is_done_in_place(session_factory, slack):
    from bot.flows.home import OpenHome, open_home
    from bot.flows.outcome import JoinChannel, PublishHome
    from bot.flows.setup import (
        SetupAdmins,
        SetupChannel,
        SetupTimezone,
        set_admins,
        set_channel,
        set_timezone,
    )
    from tests.flows import run

    users = {
        slack.admin: {"name": "dana", "tz": "America/New_York", "is_admin": True},
        slack.alice: {"name": "alice", "tz": "Europe/Berlin"},
    }

    def press(flow, request, user=slack.admin):
        return run(
            session_factory,
            flow,
            request,
            team_id=slack.team_id,
            user_id=user,
            now=NOW,
            users=users,
        )

    def home_text(result) -> str:
        (home,) = result.effects.of_type(PublishHome)
        return json.dumps(home.view.to_dict())

    first = press(open_home, OpenHome(slack.admin))
    text = home_text(first)
    assert "Set up the roadmap" in text and "0 of 5 done" in text
    # Looking the admin up changed nothing: the checklist offers their zone, explicitly.
    assert "*Time zone*: UTC (yours is America/New_York)" in text
    assert "Use America/New_York" in text
    assert "Use US holidays" not in text  # no country from UTC yet
    assert "*Time zone*: America/New_York." in home_text(
        press(set_timezone, SetupTimezone("America/New_York"))
    )
    assert "Use US holidays" in home_text(press(open_home, OpenHome(slack.admin)))
    alice = home_text(press(open_home, OpenHome(slack.alice), user=slack.alice))
    assert "Set up the roadmap" not in alice  # admins only
    picked = press(set_channel, SetupChannel(slack.channel))
    assert picked.effects.of_type(JoinChannel)[0].channel == slack.channel
    assert f"<#{slack.channel}>" in home_text(picked)
    assert (
        "Only roadmap admins"
        in press(set_channel, SetupChannel("C0OTHER001"), user=slack.alice).text
    )
    press(set_timezone, SetupTimezone("Europe/Berlin"))
    assert "Use DE holidays" in home_text(press(open_home, OpenHome(slack.admin)))
    done = press(set_admins, SetupAdmins((slack.admin, slack.alice)))
    assert f"<@{slack.alice}>" in home_text(done)


def test_a_private_channel_picked_on_home_is_explained(running_app, slack):
    secret = slack.fake.add_channel(
        slack.team_id, name="secret", members=[slack.admin], is_private=True
    )
    payload = {
        "type": "block_actions",
        "team": {"id": slack.team_id, "domain": "acme"},
        "user": {"id": slack.admin, "team_id": slack.team_id},
        "api_app_id": "A0000000001",
        "trigger_id": slack.fake.trigger_id(slack.team_id, slack.admin),
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "home"},
        "actions": [
            {
                "action_id": "setup_channel",
                "type": "conversations_select",
                "selected_conversation": secret["id"],
            }
        ],
    }
    assert running_app.interaction(payload).status == 200
    assert running_app.runtime.listener_executor.wait_idle(15)
    told = [p for p in bot_posts(slack) if "private" in p.get("text", "")]
    assert told and told[0]["channel"] == slack.admin
    public = slack.fake.add_channel(slack.team_id, name="roadmap", members=[slack.admin])
    payload["actions"][0]["selected_conversation"] = public["id"]
    payload["trigger_id"] = slack.fake.trigger_id(slack.team_id, slack.admin)
    assert running_app.interaction(payload).status == 200
    assert running_app.runtime.listener_executor.wait_idle(15)
    assert slack.bot_user_id in slack.fake.members(public["id"])  # the bot joined it


def test_idle_ticks_log_at_debug_and_the_console_workspace_is_left_alone(
    settings, slack, session, caplog
):
    import logging

    from bot.runtime import Runtime
    from bot.scheduling.clock import run_tick
    from bot.scheduling.pacing import Pacer
    from bot.services.workspaces import LOCAL_TEAM_ID

    with session.begin():
        local = ensure_workspace(session=session, team_id=LOCAL_TEAM_ID, name="Local")
        local.roadmap_channel_id = "C0LOCAL0001"
        text = SAMPLE_ROADMAP.read_text(encoding="utf-8").replace("2025", "2027")
        import_roadmap(session=session, workspace_id=local.id, text=text)
    runtime = Runtime.from_settings(settings)  # a bot token is configured
    try:
        import threading

        with caplog.at_level(logging.DEBUG, logger="bot.scheduling.clock"):
            run_tick(runtime, Pacer(per_channel=0, per_workspace=0), threading.Event())
        (record,) = [r for r in caplog.records if "Tick at" in r.getMessage()]
        assert record.levelno == logging.DEBUG
        report = tick(runtime, now=datetime(2027, 1, 4, 9, 30, tzinfo=UTC), pacer=no_pacing())
        assert report.idle and report.planned == 0  # the console's schedules are not planned
    finally:
        runtime.close()


def ask_as(session_factory, slack, text, *, user, now, channels=None):
    from bot.flows.commands import CommandCall
    from handlers import grammar as g
    from tests.flows import run

    parsed = g.parse_command(text)
    users = {slack.admin: {"name": "dana", "tz": "Europe/Berlin", "is_admin": True}}
    return run(
        session_factory,
        g.COMMANDS[parsed.name].flow,
        CommandCall(parsed.command, parsed.share, trigger_id="T-TRIGGER"),
        team_id=slack.team_id,
        user_id=user,
        now=now,
        users=users,
        channel_id=slack.channel,
        channels=channels,
    )


def test_manual_posts_and_lists_follow_the_life_cycle(session_factory, slack):
    from bot.flows.outcome import JoinChannel

    with session_factory() as session, session.begin():
        workspace = ensure_workspace(session=session, team_id=slack.team_id, name="Acme")
        workspace.timezone = "Europe/Berlin"
        import_roadmap(session=session, workspace_id=workspace.id, text=SAMPLE_ROADMAP.read_bytes())
    admin = slack.admin
    refused = ask_as(session_factory, slack, "checkin prompt", user=admin, now=NOW)
    assert "The roadmap ended on Wed 31 Dec 2025. No check-in prompts" in refused.text
    refused = ask_as(session_factory, slack, "digest weekly", user=admin, now=NOW)
    assert "No weekly digest while no period is under way" in refused.text
    early = ask_as(
        session_factory, slack, "list", user=admin, now=datetime(2024, 12, 2, tzinfo=UTC)
    )
    assert "The roadmap starts on Wed 1 Jan 2025; showing Q1 2025" in early.text
    named = ask_as(
        session_factory,
        slack,
        "config channel #eng-roadmap",
        user=admin,
        now=NOW,
        channels={"eng-roadmap": slack.channel},
    )
    assert [e.channel for e in named.effects.of_type(JoinChannel)] == [slack.channel]
    ask_as(session_factory, slack, "config holidays DE", user=admin, now=NOW)
    ask_as(session_factory, slack, "schedule holidays 1 move", user=admin, now=NOW)
    listed = ask_as(
        session_factory,
        slack,
        "schedule next",
        user=admin,
        now=datetime(2027, 3, 10, tzinfo=UTC),
    )
    shown = json.dumps([m.to_dict() for m in listed.effects.replies])
    assert "Mon 29 Mar (Easter Monday) moves to Tue 30 Mar" in shown
