"""Knowledge-sharing and retrospective reminders against the fake Slack: frozen-time ticks post
the reminders; a few of their buttons and modals over signed HTTP change occurrences and goals.
The rules behind each button are tested in-process in tests/test_flows_rituals.py."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.blocks.rituals import OccurrenceRef
from bot.db import create_db_engine, make_session_factory
from bot.flows import rituals as flows
from bot.flows.outcome import Update
from bot.flows.rituals import OccurrenceButton, Reminder
from bot.runtime import Runtime
from bot.scheduling.pacing import Pacer
from bot.scheduling.tick import tick
from handlers.common import members_lookup
from models import (
    Goal,
    Member,
    Period,
    RetroItem,
    RitualOccurrence,
    Schedule,
    Workspace,
)
from tests.flows import run

pytestmark = pytest.mark.usefixtures("frozen_time", "roadmap")


def no_pacing() -> Pacer:
    """A pacer that never waits. A new one per tick: a 429's hold is kept in real time, and a
    frozen-time test jumps ahead without it passing."""
    return Pacer(per_channel=0, per_workspace=0, sleep=lambda seconds: None)


# The sample roadmap's schedules, in Europe/Berlin: knowledge sharing on the first Thursday
# of the month at 15:00 (3 April 2025 15:00 CEST = 13:00Z, reminded a week before, on
# 27 March), the retrospective on the last Friday of the quarter at 14:00 (28 March,
# reminded on 21 March 14:00 CET = 13:00Z).
SHARING_WEEK_BEFORE = "2025-03-27T13:00:30+00:00"
SHARING_MAY_WEEK_BEFORE = "2025-04-24T13:00:30+00:00"  # for 1 May
RETRO_WEEK_BEFORE = "2025-03-21T13:00:30+00:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def db(settings):
    engine = create_db_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def runtime(settings):
    runtime = Runtime.from_settings(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def team(db, slack, roadmap):
    """Rituals only, in Berlin time, posted in the roadmap channel; alice presented in March,
    and the rotation is alice, bob, carol."""
    workspace = db.get(Workspace, roadmap)
    workspace.timezone = "Europe/Berlin"
    workspace.roadmap_channel_id = slack.channel
    for schedule in db.scalars(select(Schedule).where(Schedule.workspace_id == roadmap)):
        schedule.timezone = "Europe/Berlin"
        schedule.enabled = schedule.kind in ("knowledge_sharing", "retrospective")
        options = dict(schedule.options or {})
        if schedule.kind == "knowledge_sharing":
            options["presenters"] = [slack.alice, slack.bob, slack.carol]
            db.add(
                RitualOccurrence(
                    workspace_id=roadmap,
                    schedule_id=schedule.id,
                    kind="knowledge_sharing",
                    occurrence_date=date(2025, 3, 6),
                    presenter_user_id=slack.alice,
                    state="held",
                )
            )
        schedule.options = options
    db.commit()
    return roadmap


def bot_posts(slack) -> list[dict]:
    return [m for m in slack.fake.messages(slack.channel) if m.get("bot_id")]


def text_of(message: dict) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def post_at(runtime, slack, when: str) -> dict:
    """Tick at `when` (as if the clock had ticked a minute before); the one message posted."""
    with runtime.session_factory() as session, session.begin():
        for schedule in session.scalars(select(Schedule)):
            schedule.planned_until = at(when) - timedelta(minutes=1)
            schedule.next_due_at = None
    before = {m["ts"] for m in bot_posts(slack)}
    report = tick(runtime, now=at(when), pacer=no_pacing())
    assert len(report.sent.sent) == 1, report.summary()
    (message,) = [m for m in bot_posts(slack) if m["ts"] not in before]
    return message


def element(message: dict, action_id: str) -> tuple[dict, dict]:
    """The block and element of `message` with this action id (or action id prefix)."""
    for block in message["blocks"]:
        found = block.get("elements", []) + ([block["accessory"]] if "accessory" in block else [])
        for e in found:
            if e.get("action_id", "").startswith(action_id):
                return block, e
    raise AssertionError(f"no {action_id} in {text_of(message)}")


def click(app, slack, user: str, message: dict, action_id: str, **extra) -> dict:
    """Press a button (or pick in a select) on a message in the channel; the message after."""
    block, e = element(message, action_id)
    action = {
        "action_id": e["action_id"],
        "block_id": block["block_id"],
        "type": e["type"],
        "action_ts": "1",
        **({"value": e["value"]} if "value" in e else {}),
        **extra,
    }
    payload = {
        "type": "block_actions",
        "team": {"id": slack.team_id, "domain": "acme"},
        "user": {"id": user, "team_id": slack.team_id},
        "api_app_id": "A0000000001",
        "trigger_id": slack.fake.trigger_id(slack.team_id, user),
        "container": {"type": "message", "channel_id": slack.channel, "message_ts": message["ts"]},
        "channel": {"id": slack.channel},
        "message": {"ts": message["ts"], "text": message.get("text", "")},
        "response_url": slack.fake.response_url(slack.team_id, slack.channel, user),
        "actions": [action],
    }
    assert app.interaction(payload).status == 200
    assert app.runtime.listener_executor.wait_idle(15)
    return slack.fake.message(slack.channel, message["ts"])


def submit(app, slack, user: str, callback_id: str, values: dict) -> None:
    """Submit the modal last opened for `user` with these plain values."""
    (opened,) = [
        v for v in slack.fake.views if v.get("user") == user and v.get("callback_id") == callback_id
    ][-1:]
    state = {}
    for field, value in values.items():
        if isinstance(value, dict):
            state[field] = {field: value}
        else:
            state[field] = {field: {"type": "plain_text_input", "value": value}}
    body = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": user, "team_id": slack.team_id},
        "api_app_id": "A0000000001",
        "view": {
            "id": opened.get("id", "V0000000001"),
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": opened["private_metadata"],
            "state": {"values": state},
        },
    }
    result = app.interaction(body)
    assert result.status == 200, result.text
    assert app.runtime.listener_executor.wait_idle(15)
    assert not result.body or "errors" not in result.json(), result.text


def ephemeral_texts(slack, user: str) -> str:
    return "\n".join(json.dumps(e) for e in slack.fake.ephemerals if e.get("user") == user)


def fresh(db) -> None:
    """End the read snapshot and forget loaded rows, so the app's commits are visible."""
    db.rollback()
    db.expire_all()


def occurrences(db) -> dict[date, RitualOccurrence]:
    fresh(db)
    return {o.occurrence_date: o for o in db.scalars(select(RitualOccurrence))}


def dms_to(slack, user: str) -> list[dict]:
    channel = slack.fake.dm_channel(slack.team_id, slack.bot_user_id, user)
    return slack.fake.messages(channel) if channel else []


# --- knowledge sharing -----------------------------------------------------------------------


def test_the_week_before_reminder_names_the_next_presenter(team, runtime, slack, db):
    message = post_at(runtime, slack, SHARING_WEEK_BEFORE)
    assert "In 7 days: knowledge-sharing session" in message["text"]
    assert "Thu 3 Apr 15:00 (Europe/Berlin)" in message["text"]
    assert f"<@{slack.bob}>" in text_of(message)  # alice presented in March
    assert "topic to be announced" in text_of(message)
    april = occurrences(db)[date(2025, 4, 3)]
    assert (april.presenter_user_id, april.state) == (slack.bob, "planned")
    assert tick(runtime, now=at(SHARING_WEEK_BEFORE), pacer=no_pacing()).sent.sent == []


def test_a_reminder_sent_late_says_when_the_session_really_is(team, runtime, slack, db):
    """The clock was down for six days: the week-before reminder goes out on the eve (the
    session is still ahead) and says so, not "in 7 days"."""
    with runtime.session_factory() as session, session.begin():
        for schedule in session.scalars(select(Schedule)):
            schedule.planned_until = at(SHARING_WEEK_BEFORE) - timedelta(minutes=1)
            schedule.next_due_at = None
    late = at(SHARING_WEEK_BEFORE) + timedelta(days=6)
    report = tick(runtime, now=late, pacer=no_pacing())
    texts = [m["text"] for m in bot_posts(slack)]
    assert report.sent.sent, report.summary()
    assert any("Tomorrow: knowledge-sharing session" in t for t in texts), texts
    assert not any("In 7 days" in t for t in texts), texts


def test_people_away_are_skipped_by_the_rotation(team, runtime, slack, db):
    db.add(Member(workspace_id=team, user_id=slack.bob, away_until=date(2025, 4, 10)))
    db.commit()
    message = post_at(runtime, slack, SHARING_WEEK_BEFORE)
    assert f"<@{slack.carol}>" in text_of(message)
    assert occurrences(db)[date(2025, 4, 3)].presenter_user_id == slack.carol


def test_volunteer_and_topic_over_http(team, runtime, running_app, slack, db):
    """The reminder's buttons and its modal over signed HTTP (the rules: test_flows_rituals)."""
    message = post_at(runtime, slack, SHARING_WEEK_BEFORE)

    message = click(running_app, slack, slack.carol, message, "ks_volunteer")
    april = occurrences(db)[date(2025, 4, 3)]
    assert april.presenter_user_id == slack.carol
    assert f"<@{slack.carol}> volunteered to present instead of <@{slack.bob}>" in text_of(message)
    assert "off the hook" in json.dumps(dms_to(slack, slack.bob))

    click(running_app, slack, slack.carol, message, "ks_topic")
    submit(running_app, slack, slack.carol, "ks_topic", {"topic": "Postgres <!channel> tricks"})
    assert occurrences(db)[date(2025, 4, 3)].topic == "Postgres <!channel> tricks"
    message = slack.fake.message(slack.channel, message["ts"])
    assert "Postgres &lt;!channel&gt; tricks" in text_of(message)

    # bob neither presents nor administers: he is told why, privately, and nothing changes.
    click(running_app, slack, slack.bob, message, "ks_skip")
    assert occurrences(db)[date(2025, 4, 3)].state == "planned"
    assert "can skip" in ephemeral_texts(slack, slack.bob)


def test_skipping_moves_the_rotation_on(team, runtime, session_factory, slack, db):
    message = post_at(runtime, slack, SHARING_WEEK_BEFORE)
    block, _ = element(message, "ks_skip")
    reminder = Reminder(slack.channel, message["ts"])
    request = OccurrenceButton(OccurrenceRef.parse(block["block_id"]), reminder)
    result = run(session_factory, flows.skip, request, team_id=slack.team_id, user_id=slack.bob)
    assert occurrences(db)[date(2025, 4, 3)].state == "skipped"
    (update,) = result.effects.of_type(Update)
    message = update.message.to_dict()
    assert "Skipped this month" in text_of(message)
    buttons = [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["ks_volunteer"]  # a skipped occurrence can still find a volunteer
    may = post_at(runtime, slack, SHARING_MAY_WEEK_BEFORE)
    assert f"<@{slack.carol}>" in text_of(may)  # after bob, whose April session was skipped


def test_the_schedule_preview_shows_the_next_occurrence_and_writes_nothing(
    team, running_app, slack, db
):
    from tests.harness import run_command

    db.execute(RitualOccurrence.__table__.delete())  # no March session yet: the rotation starts
    db.commit()
    schedule_id = db.scalar(select(Schedule.id).where(Schedule.kind == "knowledge_sharing"))
    outcome = run_command(
        running_app, f"schedule test {schedule_id}", user_id=slack.admin, channel_id=slack.channel
    )
    assert "Preview of schedule" in outcome.text
    assert "Today: knowledge-sharing session" in outcome.text  # 6 March, the next one
    assert f"<@{slack.alice}>" in outcome.text  # the next presenter in turn
    # A preview is only a picture: no row is made for it, so it has no buttons to press.
    assert "I'll present" not in outcome.text
    assert occurrences(db) == {}


def _rotate_through_channel(db, channel: str) -> Schedule:
    schedule = db.scalar(select(Schedule).where(Schedule.kind == "knowledge_sharing"))
    options = {k: v for k, v in schedule.options.items() if k != "presenters"}
    schedule.options = {**options, "presenters_channel": channel}
    db.commit()
    return schedule


def test_a_channel_roster_is_remembered_from_clicks(team, runtime, session_factory, slack, db):
    schedule = _rotate_through_channel(db, slack.channel)
    # The clock asks Slack for the channel's members: the first one in turn presents.
    message = post_at(runtime, slack, SHARING_WEEK_BEFORE)
    assert "No presenter yet" not in text_of(message)
    assert any(f"<@{u}>" in text_of(message) for u in (slack.alice, slack.bob, slack.admin))
    # A click reads them afresh through the listener's lookup (conversations.members).
    block, _ = element(message, "ks_volunteer")
    request = OccurrenceButton(
        OccurrenceRef.parse(block["block_id"]),
        Reminder(slack.channel, message["ts"]),
        members=members_lookup(runtime.web_client(), slack.bot_user_id),
    )
    run(session_factory, flows.volunteer, request, team_id=slack.team_id, user_id=slack.carol)
    fresh(db)
    roster = db.get(Schedule, schedule.id).options["presenters_channel_members"]
    assert roster == [slack.alice, slack.bob, slack.carol, slack.admin]  # not the bot
    may = post_at(runtime, slack, SHARING_MAY_WEEK_BEFORE)
    assert f"<@{slack.admin}>" in text_of(may)  # the one after carol


def test_the_clock_asks_slack_for_the_members_when_it_can(team, runtime, slack, db):
    from bot.kinds.knowledge_sharing import knowledge_sharing_message

    schedule = _rotate_through_channel(db, slack.channel)
    message = knowledge_sharing_message(
        db,
        schedule,
        at("2025-04-03T13:00:00+00:00"),
        ZoneInfo("Europe/Berlin"),
        7,
        client=runtime.web_client(),
    )
    assert f"<@{slack.bob}>" in json.dumps(message.to_dict())
    assert occurrences(db)[date(2025, 4, 3)].presenter_user_id == slack.bob


# --- retrospectives --------------------------------------------------------------------------


def _set_goal(db, workspace_id: int, number: int, status: str, progress: int) -> None:
    goal = db.scalar(select(Goal).where(Goal.workspace_id == workspace_id, Goal.number == number))
    goal.status, goal.progress = status, progress
    db.commit()


def goals_in(db, label: str) -> list[Goal]:
    fresh(db)
    return list(
        db.scalars(
            select(Goal).join(Period, Period.id == Goal.period_id).where(Period.label == label)
        )
    )


def test_the_retrospective_reminder_lists_the_outcomes(team, runtime, slack, db):
    _set_goal(db, team, 1, "done", 100)
    _set_goal(db, team, 2, "at-risk", 40)
    message = post_at(runtime, slack, RETRO_WEEK_BEFORE)
    body = text_of(message)
    assert "Retrospective" in message["text"] and "Q1 2025" in message["text"]
    assert "Fri 28 Mar 14:00 (Europe/Berlin)" in body
    done, not_done = body.index("*Done*"), body.index("*Not done*")
    assert done < body.index("Complete API Gateway Redesign") < not_done
    assert body.index("Begin Database Migration to PostgreSQL") > not_done
    assert "1 of 13 goals done" in body and "40%" in body
    assert "*Metrics*" in body and "System uptime" in body
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {e["text"]["text"] for e in buttons} >= {
        "Went well",
        "To improve",
        "Action",
        "Carry over unfinished goals to Q2 2025",
    }


def test_items_actions_and_carry_over_http(team, runtime, running_app, slack, db):
    """The retrospective's buttons and modal over signed HTTP (the rules: test_flows_rituals)."""
    _set_goal(db, team, 1, "done", 100)
    message = post_at(runtime, slack, RETRO_WEEK_BEFORE)

    for user, kind, text in (
        (slack.carol, "to_improve", "Too many <!here> pings"),
        (slack.bob, "action", "Write the on-call runbook"),
    ):
        click(running_app, slack, user, message, f"retro_add:{kind}")
        submit(
            running_app,
            slack,
            user,
            "retro_item",
            {
                "retro_kind": {"type": "static_select", "selected_option": {"value": kind}},
                "retro_text": text,
            },
        )
    fresh(db)
    items = db.scalars(select(RetroItem).order_by(RetroItem.id)).all()
    assert [(i.kind, i.user_id) for i in items] == [
        ("to_improve", slack.carol),
        ("action", slack.bob),
    ]
    message = slack.fake.message(slack.channel, message["ts"])
    body = text_of(message)
    assert "Too many &lt;!here&gt; pings" in body and "Write the on-call runbook" in body

    click(running_app, slack, slack.carol, message, "retro_promote")
    assert "can make this action a goal" in ephemeral_texts(slack, slack.carol)
    message = click(running_app, slack, slack.bob, message, "retro_promote")
    (goal,) = [g for g in goals_in(db, "Q2 2025") if g.title == "Write the on-call runbook"]
    assert [o.owner for o in goal.owners] == [slack.bob]
    assert f"→ *{goal.ref}*" in text_of(message)

    q2_before = len(goals_in(db, "Q2 2025"))
    message = click(running_app, slack, slack.admin, message, "retro_carry")
    assert "Carried 12 unfinished goals" in ephemeral_texts(slack, slack.admin)
    assert len(goals_in(db, "Q2 2025")) == q2_before + 12
    assert "carried over" in text_of(message)


# --- the rename of ritual_sessions (revision 0004) -------------------------------------------


def test_revision_0004_keeps_the_occurrences_both_ways(tmp_path):
    from alembic import command
    from sqlalchemy import text

    from bot.db import alembic_config
    from tests.test_database import _insert_workspace_row

    url = f"sqlite:///{tmp_path / 'rename.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0003")
    engine = create_db_engine(url)
    stamp = "2025-01-01 00:00:00"
    with engine.begin() as connection:
        _insert_workspace_row(connection, stamp)
        connection.execute(
            text(
                "INSERT INTO schedules (id, workspace_id, kind, rule, options, holiday_policy,"
                " enabled, consecutive_failures, source, created_at, updated_at) VALUES"
                " (1, 1, 'knowledge_sharing', 'monthly', '{}', 'none', 1, 0, 'user', :at, :at)"
            ),
            {"at": stamp},
        )
        connection.execute(
            text(
                "INSERT INTO ritual_sessions (id, workspace_id, schedule_id, kind, session_date,"
                " presenter_user_id, state, created_at, updated_at) VALUES"
                " (7, 1, 1, 'knowledge_sharing', '2025-04-03', 'U1', 'held', :at, :at)"
            ),
            {"at": stamp},
        )
    engine.dispose()
    command.upgrade(config, "head")
    engine = create_db_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, occurrence_date, presenter_user_id, state FROM ritual_occurrences")
        ).all()
    assert [tuple(r) for r in rows] == [(7, "2025-04-03", "U1", "held")]
    engine.dispose()
    command.downgrade(config, "0003")
    engine = create_db_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, session_date FROM ritual_sessions")).all()
    assert [tuple(r) for r in rows] == [(7, "2025-04-03")]
    engine.dispose()
