"""Check-ins over signed HTTP against the fake Slack: prompts, reactions, buttons, replies.

What the answers do (replacing, retracting, refusing, ignoring other messages) is tested
in-process in tests/test_flows_answers.py; here each surface is driven end to end once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from bot.db import create_db_engine, make_session_factory
from bot.services.settings import PROMPT_REACTIONS
from models import Checkin, CheckinPrompt, CheckinRound, Goal, ProcessedEvent
from tests.harness import run_command

pytestmark = pytest.mark.usefixtures("frozen_time", "roadmap")


@pytest.fixture
def db(settings):
    engine = create_db_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def prompts(running_app, slack, db):
    """Run `/roadmap checkin prompt` as the admin; return {(goal number, user): (channel, ts)}."""
    outcome = run_command(
        running_app, "checkin prompt", user_id=slack.admin, channel_id=slack.channel
    )
    assert "asked" in outcome.text, outcome.text
    db.rollback()  # end the read snapshot so the app's commits are visible
    rows = db.execute(
        select(
            Goal.number, CheckinPrompt.recipient, CheckinPrompt.channel_id, CheckinPrompt.message_ts
        ).join(Goal, Goal.id == CheckinPrompt.goal_id)
    ).all()
    return {(n, r): (c, t) for n, r, c, t in rows}


def checkins(db):
    db.rollback()  # end the read snapshot so the app's commits are visible
    return db.scalars(select(Checkin).order_by(Checkin.id)).all()


def react(running_app, slack, user, channel, ts, name="large_yellow_circle", **kwargs):
    if not kwargs.get("retry_num"):  # a retry is Slack re-sending, not the user reacting again
        slack.fake.user_react(channel, ts, user, name)
    event = {
        "type": "reaction_added",
        "user": user,
        "reaction": name,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "item_user": slack.bot_user_id,
        "event_ts": ts,
    }
    result = running_app.event(event, **kwargs)
    assert result.status == 200
    assert running_app.runtime.listener_executor.wait_idle(15)
    return event


def test_prompts_go_to_each_owner_with_reactions_and_buttons(prompts, slack, db):
    # G1 alice, G2 bob, G3 alice+bob: one message each, with a message per goal in its thread.
    assert set(prompts) == {(1, slack.alice), (2, slack.bob), (3, slack.alice), (3, slack.bob)}
    tops = db.execute(select(CheckinRound.person, CheckinRound.channel_id)).all()
    assert sorted(p for p, _ in tops) == sorted([slack.alice, slack.bob])
    (alice_dm,) = [c for p, c in tops if p == slack.alice]
    top_level = [m for m in slack.fake.messages(alice_dm) if m.get("thread_ts", m["ts"]) == m["ts"]]
    assert len(top_level) == 1  # one notification for two goals
    assert "how are your 2 goals going?" in top_level[0]["text"]
    assert "Week of 3 March" in json.dumps(top_level[0]["blocks"])
    channel, ts = prompts[(1, slack.alice)]
    assert channel.startswith("D")
    message = slack.fake.message(channel, ts)
    names = {r["name"] for r in message["reactions"]}
    assert {"large_green_circle", "large_yellow_circle", "red_circle", "no_entry"} <= names
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons][-1] == "Add note"
    assert "Complete API Gateway Redesign" in json.dumps(message["blocks"])


def test_reactions_refused_with_429_are_added_after_retry_after_not_dropped(running_app, slack, db):
    # reactions.add is Tier 3: a burst gets 429 + Retry-After, and the prompts still carry
    # every answer reaction once Slack lets them through.
    slack.fake.fail("reactions.add", status=429, retry_after=1, times=2)
    outcome = run_command(
        running_app, "checkin prompt", user_id=slack.admin, channel_id=slack.channel
    )
    assert "asked" in outcome.text, outcome.text
    db.rollback()
    posted = db.execute(select(CheckinPrompt.channel_id, CheckinPrompt.message_ts)).all()
    posted += db.execute(select(CheckinRound.channel_id, CheckinRound.message_ts)).all()
    assert len(posted) == 6  # four goal messages and two top messages
    for channel, ts in posted:
        names = {r["name"] for r in slack.fake.message(channel, ts)["reactions"]}
        assert names == set(PROMPT_REACTIONS), (channel, ts, names)


def test_prompting_twice_in_a_cycle_posts_nothing_new(prompts, running_app, slack):
    before = len(slack.fake.calls_to("chat.postMessage"))
    outcome = run_command(
        running_app, "checkin prompt", user_id=slack.admin, channel_id=slack.channel
    )
    assert "0 people asked, 2 people already asked this week" in outcome.text
    assert len(slack.fake.calls_to("chat.postMessage")) == before


def test_unowned_goals_are_listed_to_the_admins_once(prompts, running_app, slack):
    dms = [
        c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == slack.admin
    ]
    assert len(dms) == 1 and "no owner" in json.dumps(dms[0].params)
    run_command(running_app, "checkin prompt", user_id=slack.admin, channel_id=slack.channel)
    dms = [
        c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == slack.admin
    ]
    assert len(dms) == 1


def test_reaction_records_once_even_when_slack_retries(prompts, running_app, slack, db):
    channel, ts = prompts[(1, slack.alice)]
    updates_before = len(slack.fake.calls_to("chat.update"))
    react(running_app, slack, slack.alice, channel, ts, event_id="Ev0000000A01")
    (checkin,) = checkins(db)
    assert (checkin.status, checkin.source, checkin.user_id) == ("at-risk", "reaction", slack.alice)
    db.rollback()
    assert db.scalar(select(Goal.status).where(Goal.number == 1)) == "at-risk"
    # The goal's message shows the answer, and the top message who answered what.
    assert len(slack.fake.calls_to("chat.update")) == updates_before + 2
    assert "Recorded: :large_yellow_circle: at-risk" in json.dumps(slack.fake.message(channel, ts))
    assert slack.fake.calls_to("views.publish")  # the owner's Home was refreshed

    react(running_app, slack, slack.alice, channel, ts, event_id="Ev0000000A01", retry_num=1)
    assert len(checkins(db)) == 1
    assert len(slack.fake.calls_to("chat.update")) == updates_before + 2


def test_a_reaction_is_one_flow_call_committed_once(prompts, running_app, slack, db, monkeypatch):
    from sqlalchemy import event

    import handlers.checkins
    from bot.flows import checkin_answers

    calls = []

    def counted(request, ctx):
        calls.append(request)
        return checkin_answers.reaction_added(request, ctx)

    monkeypatch.setattr(handlers.checkins, "reaction_added", counted)
    commits = []
    factory = running_app.runtime.session_factory
    listener = lambda session: commits.append(session)  # noqa: E731
    event.listen(factory, "after_commit", listener)
    try:
        channel, ts = prompts[(1, slack.alice)]
        react(running_app, slack, slack.alice, channel, ts, "large_green_circle")
    finally:
        event.remove(factory, "after_commit", listener)
    assert len(calls) == 1 and len(commits) == 1
    (checkin,) = checkins(db)
    assert checkin.status == "on-track"


def test_an_unsigned_reaction_is_refused_and_records_nothing(prompts, running_app, slack, db):
    from tests.signing import event_body

    channel, ts = prompts[(1, slack.alice)]
    event = {
        "type": "reaction_added",
        "user": slack.alice,
        "reaction": "tada",
        "item": {"type": "message", "channel": channel, "ts": ts},
    }
    body = event_body(event, team_id=slack.team_id, event_id="Ev0000FORGED")
    result = running_app.post(body, "application/json", secret="not-the-signing-secret")
    assert result.status == 401
    assert running_app.runtime.listener_executor.wait_idle(15)
    assert checkins(db) == []
    assert db.get(ProcessedEvent, "Ev0000FORGED") is None


def test_event_ids_are_forgotten_once_slack_can_no_longer_retry(prompts, running_app, slack, db):
    from bot.services.installations import purge_expired

    channel, ts = prompts[(1, slack.alice)]
    react(running_app, slack, slack.alice, channel, ts, event_id="Ev0000000B01")
    db.rollback()
    received = db.get(ProcessedEvent, "Ev0000000B01").received_at
    received = received if received.tzinfo else received.replace(tzinfo=UTC)
    factory = running_app.runtime.session_factory
    purge_expired(factory, received + timedelta(hours=2))  # Slack may still retry
    db.rollback()
    assert db.get(ProcessedEvent, "Ev0000000B01") is not None
    purge_expired(factory, received + timedelta(days=2))  # the clock's daily job
    db.rollback()
    assert db.get(ProcessedEvent, "Ev0000000B01") is None
    assert len(checkins(db)) == 1  # the check-in itself stays


def test_thread_reply_becomes_the_note_and_an_edit_updates_it(prompts, running_app, slack, db):
    channel, ts = prompts[(1, slack.alice)]
    reply_ts = slack.fake.user_post(channel, slack.alice, "vendor is late", thread_ts=ts)
    event = {
        "type": "message",
        "channel": channel,
        "channel_type": "im",
        "user": slack.alice,
        "text": "vendor is late",
        "ts": reply_ts,
        "thread_ts": ts,
    }
    running_app.event(event)
    assert running_app.runtime.listener_executor.wait_idle(15)
    (checkin,) = checkins(db)
    assert checkin.note == "vendor is late" and checkin.source == "thread"
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": channel,
        "message": {**event, "text": "vendor is late; new date 10 March", "edited": {"ts": "1"}},
    }
    running_app.event(edited)
    assert running_app.runtime.listener_executor.wait_idle(15)
    (checkin,) = checkins(db)
    assert checkin.note == "vendor is late; new date 10 March"


def test_a_reply_reads_as_typed_in_the_prompt_the_note_and_the_export(
    prompts, running_app, slack, db
):
    """Slack escapes `&`, `<`, `>` and sends a mention as <@U…>: stored and shown as typed."""
    channel, ts = prompts[(1, slack.alice)]
    sent = f"R&amp;D sign-off &lt;pending&gt; from <@{slack.bob}>"
    reply_ts = slack.fake.user_post(channel, slack.alice, sent, thread_ts=ts)
    event = {
        "type": "message",
        "channel": channel,
        "channel_type": "im",
        "user": slack.alice,
        "text": sent,
        "ts": reply_ts,
        "thread_ts": ts,
    }
    running_app.event(event)
    assert running_app.runtime.listener_executor.wait_idle(15)
    (checkin,) = checkins(db)
    assert checkin.note == "R&D sign-off <pending> from @Bob Baker"
    shown = json.dumps(slack.fake.message(channel, ts)["blocks"])
    assert "R&amp;D sign-off &lt;pending&gt; from @Bob Baker" in shown
    assert "&amp;amp;" not in shown and "&amp;lt;" not in shown
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": channel,
        "message": {**event, "text": sent + " &amp; legal", "edited": {"ts": "1"}},
    }
    running_app.event(edited)
    assert running_app.runtime.listener_executor.wait_idle(15)
    (checkin,) = checkins(db)
    assert checkin.note == "R&D sign-off <pending> from @Bob Baker & legal"
    outcome = run_command(running_app, "export json", user_id=slack.alice, channel_id=slack.channel)
    assert outcome.status == 200
    (stored,) = slack.fake.files.values()
    exported = json.loads(stored["content"])
    assert [c["note"] for c in exported["checkins"]] == [
        "R&D sign-off <pending> from @Bob Baker & legal"
    ]


def button_payload(slack, user, channel, ts, value):
    return {
        "type": "block_actions",
        "team": {"id": slack.team_id, "domain": "acme"},
        "user": {"id": user, "team_id": slack.team_id},
        "api_app_id": "A0000000001",
        "trigger_id": slack.fake.trigger_id(slack.team_id, user),
        "container": {"type": "message", "channel_id": channel, "message_ts": ts},
        "channel": {"id": channel},
        "message": {"ts": ts, "text": ""},
        "response_url": slack.fake.response_url(slack.team_id, channel, user),
        "actions": [
            {
                "action_id": "goal_checkin:" + value.split()[1],
                "block_id": "checkin:" + value.split()[0],
                "value": value,
                "type": "button",
                "action_ts": "1",
            }
        ],
    }


def test_button_and_note_modal_record_check_ins(prompts, running_app, slack, db):
    channel, ts = prompts[(2, slack.bob)]
    result = running_app.interaction(button_payload(slack, slack.bob, channel, ts, "G2 blocked"))
    assert result.status == 200 and running_app.runtime.listener_executor.wait_idle(15)
    (checkin,) = checkins(db)
    assert (checkin.status, checkin.source) == ("blocked", "button")
    assert "blocked" in json.dumps(slack.fake.message(channel, ts))

    prompt_id = db.scalar(select(CheckinPrompt.id).where(CheckinPrompt.message_ts == ts))
    submission = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": slack.bob, "team_id": slack.team_id},
        "api_app_id": "A0000000001",
        "view": {
            "id": "V0000000002",
            "type": "modal",
            "callback_id": "checkin_note",
            "private_metadata": json.dumps({"ref": "G2", "prompt": prompt_id}),
            "state": {
                "values": {
                    "status": {
                        "status": {
                            "type": "static_select",
                            "selected_option": {"value": "on-track"},
                        }
                    },
                    "progress": {"progress": {"type": "plain_text_input", "value": "40"}},
                    "note": {"note": {"type": "plain_text_input", "value": "unblocked"}},
                }
            },
        },
    }
    assert running_app.interaction(submission).status == 200
    assert running_app.runtime.listener_executor.wait_idle(15)
    button, checkin = checkins(db)  # both answers are kept; the goal shows the latest
    assert button.status == "blocked"
    assert (checkin.status, checkin.progress, checkin.note, checkin.source) == (
        "on-track",
        40,
        "unblocked",
        "modal",
    )


def test_checkin_command_and_history(running_app, slack, db):
    outcome = run_command(
        running_app,
        "checkin G1 at-risk 60% waiting on vendor",
        user_id=slack.alice,
        channel_id=slack.channel,
    )
    assert "Checked in" in outcome.text
    (checkin,) = checkins(db)
    assert (checkin.status, checkin.progress, checkin.note) == ("at-risk", 60, "waiting on vendor")
    history = run_command(running_app, "history G1", user_id=slack.carol, channel_id=slack.channel)
    assert "Week of 3 March" in history.text and "waiting on vendor" in history.text


def test_away_without_a_date_lasts_until_back(running_app, slack, db):
    run_command(running_app, "away", user_id=slack.bob, channel_id=slack.channel)
    outcome = run_command(
        running_app, "checkin prompt", user_id=slack.admin, channel_id=slack.channel
    )
    assert "1 person asked about 2 goals" in outcome.text
    run_command(running_app, "back", user_id=slack.bob, channel_id=slack.channel)
    again = run_command(
        running_app, "checkin prompt", user_id=slack.admin, channel_id=slack.channel
    )
    assert "1 person asked about 2 goals, 1 person already asked this week" in again.text


def test_away_owners_are_skipped(running_app, slack, db):
    run_command(running_app, "away until 2025-03-20", user_id=slack.bob, channel_id=slack.channel)
    outcome = run_command(
        running_app, "checkin prompt", user_id=slack.admin, channel_id=slack.channel
    )
    assert "1 person asked about 2 goals" in outcome.text and "1 person away" in outcome.text


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_concurrent_identical_events_leave_one_check_in(prompts, running_app, slack, db):
    channel, ts = prompts[(1, slack.alice)]
    slack.fake.user_react(channel, ts, slack.alice, "tada")
    event = {
        "type": "reaction_added",
        "user": slack.alice,
        "reaction": "tada",
        "item": {"type": "message", "channel": channel, "ts": ts},
    }
    results = []
    barrier = threading.Barrier(4)

    def send(n):
        barrier.wait()
        results.append(running_app.event(event, event_id="Ev00000RACE", retry_num=n or None))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert running_app.runtime.listener_executor.wait_idle(15)
    assert [r.status for r in results] == [200] * 4
    assert len(checkins(db)) == 1
    # Only the first delivery ran: one processed event, one prompt update, one audit entry.
    db.rollback()
    reactions = select(func.count()).where(ProcessedEvent.event_type == "reaction_added")
    assert db.scalar(reactions) == 1
    updates = [c for c in slack.fake.calls_to("chat.update") if c.params.get("ts") == ts]
    assert len(updates) == 1


def test_two_different_answers_racing_are_both_kept(prompts, running_app, slack, db):
    channel, ts = prompts[(3, slack.alice)]
    other_channel, other_ts = prompts[(3, slack.bob)]
    barrier = threading.Barrier(2)

    def answer(user, ch, t, name):
        barrier.wait()
        react(running_app, slack, user, ch, t, name)

    threads = [
        threading.Thread(target=answer, args=(slack.alice, channel, ts, "+1")),
        threading.Thread(target=answer, args=(slack.bob, other_channel, other_ts, "warning")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert running_app.runtime.listener_executor.wait_idle(15)
    assert sorted(c.status for c in checkins(db)) == ["at-risk", "on-track"]


def test_unanswered_prompts_get_one_reminder(prompts, running_app, slack, db, frozen_time):
    from bot.kinds.checkin_prompt import send_chases
    from models import Workspace, utcnow

    factory = make_session_factory(db.get_bind())
    workspace_id = db.scalar(select(Workspace.id))
    client = running_app.runtime.web_client()
    assert send_chases(factory=factory, client=client, workspace_id=workspace_id, now=utcnow()) == 0
    channel, ts = prompts[(1, slack.alice)]
    react(running_app, slack, slack.alice, channel, ts, "+1")  # G1 answered: no reminder
    frozen_time.shift(25 * 3600)
    sent = send_chases(factory=factory, client=client, workspace_id=workspace_id, now=utcnow())
    assert sent == 2  # one per person: alice (G3 still open) and bob (G2, G3)
    reminders = [m for m in slack.fake.messages(channel) if "gentle reminder" in m["text"]]
    (alice_reminder,) = reminders
    assert "G3" in alice_reminder["text"] and "G1" not in alice_reminder["text"]
    assert "1 goal still waits" in alice_reminder["text"]
    other_channel, _ = prompts[(2, slack.bob)]
    (reminder,) = [m for m in slack.fake.messages(other_channel) if "gentle" in m["text"]]
    assert "2 goals still wait" in reminder["text"]
    assert send_chases(factory=factory, client=client, workspace_id=workspace_id, now=utcnow()) == 0


def test_a_prompt_posted_late_on_sunday_is_chased_in_the_new_week(
    running_app, slack, db, frozen_time
):
    from bot.kinds.checkin_prompt import send_chases
    from models import Workspace, utcnow

    frozen_time.move_to("2025-03-09 19:00:00+00:00")  # Sunday 20:00 in Berlin, week 10
    outcome = run_command(
        running_app, "checkin prompt", user_id=slack.admin, channel_id=slack.channel
    )
    assert "2 people asked" in outcome.text
    factory = make_session_factory(db.get_bind())
    workspace_id = db.scalar(select(Workspace.id))
    client = running_app.runtime.web_client()
    frozen_time.move_to("2025-03-10 20:00:00+00:00")  # Monday evening: week 11, 25 h later
    chased = send_chases(factory=factory, client=client, workspace_id=workspace_id, now=utcnow())
    assert chased == 2  # alice and bob: none of their goals answered in week 10
    assert send_chases(factory=factory, client=client, workspace_id=workspace_id, now=utcnow()) == 0


def test_an_answer_given_in_the_new_week_counts_for_sundays_prompt(
    running_app, slack, db, frozen_time
):
    from bot.kinds.checkin_prompt import send_chases
    from models import Workspace, utcnow

    frozen_time.move_to("2025-03-09 19:00:00+00:00")  # Sunday evening, week 10
    run_command(running_app, "checkin prompt", user_id=slack.admin, channel_id=slack.channel)
    frozen_time.move_to("2025-03-10 09:00:00+00:00")  # Monday, week 11: alice answers G1
    run_command(running_app, "checkin G1 on-track", user_id=slack.alice, channel_id=slack.channel)
    factory = make_session_factory(db.get_bind())
    workspace_id = db.scalar(select(Workspace.id))
    client = running_app.runtime.web_client()
    frozen_time.move_to("2025-03-10 20:00:00+00:00")
    chased = send_chases(factory=factory, client=client, workspace_id=workspace_id, now=utcnow())
    assert chased == 2  # alice (G3 still open) and bob; G1 was answered


def test_a_newer_prompt_supersedes_the_old_one_for_reminders(running_app, slack, db, frozen_time):
    from bot.kinds.checkin_prompt import send_chases
    from models import Workspace, utcnow

    frozen_time.move_to("2025-03-09 19:00:00+00:00")  # Sunday, week 10
    run_command(running_app, "checkin prompt", user_id=slack.admin, channel_id=slack.channel)
    frozen_time.move_to("2025-03-10 08:00:00+00:00")  # Monday morning, week 11: new prompts
    run_command(running_app, "checkin prompt", user_id=slack.admin, channel_id=slack.channel)
    factory = make_session_factory(db.get_bind())
    workspace_id = db.scalar(select(Workspace.id))
    client = running_app.runtime.web_client()
    frozen_time.move_to("2025-03-10 20:00:00+00:00")  # week 10's prompts are 25 h old
    chased = send_chases(factory=factory, client=client, workspace_id=workspace_id, now=utcnow())
    assert chased == 0  # the week-11 prompts are what people should answer now


def test_a_team_maps_its_own_emoji_to_a_status(prompts, running_app, slack, db):
    def config(text):
        return run_command(
            running_app, f"config {text}", user_id=slack.admin, channel_id=slack.channel
        ).text

    channel, ts = prompts[(1, slack.alice)]
    react(running_app, slack, slack.alice, channel, ts, "rocket")
    assert checkins(db) == []  # not an answer emoji yet
    assert ":rocket: done" in config("reactions :rocket: done")
    slack.fake.user_unreact(channel, ts, slack.alice, "rocket")  # and react again
    react(running_app, slack, slack.alice, channel, ts, "rocket")
    (checkin,) = checkins(db)
    assert checkin.status == "done"
    assert ":rocket:" not in config("reactions :rocket: off")
    assert "one of the reactions on every prompt" in config("reactions :red_circle: done")
    assert ":rocket:" not in config("reactions reset") and ":tada: done" in config("reactions")
    refused = run_command(
        running_app, "config reactions :rocket: done", user_id=slack.carol, channel_id=slack.channel
    )
    assert "Only roadmap admins" in refused.text


def test_reminders_follow_the_chase_setting(prompts, running_app, slack, db, frozen_time):
    from bot.kinds.checkin_prompt import send_chases
    from models import Workspace, utcnow

    def config(text):
        return run_command(
            running_app, f"config {text}", user_id=slack.admin, channel_id=slack.channel
        ).text

    factory = make_session_factory(db.get_bind())
    workspace_id = db.scalar(select(Workspace.id))
    client = running_app.runtime.web_client()

    def chase():
        return send_chases(factory=factory, client=client, workspace_id=workspace_id, now=utcnow())

    assert "after 24 hours" in config("chase")
    assert "Reminder for unanswered prompts*: off" in config("chase off")
    frozen_time.shift(30 * 3600)
    assert chase() == 0  # reminders are off
    assert "after 2 hours" in config("chase 2")
    assert chase() == 2  # 30 h unanswered, 2 h allowed: each person gets their one reminder
    assert chase() == 0


def test_cli_posts_the_prompts(settings, slack, monkeypatch, tmp_path, capsys, db):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", settings.slack_bot_token)
    monkeypatch.setenv("SLACK_API_URL", settings.slack_api_url)
    assert main(["checkins", "prompt", "--team", slack.team_id]) == 0
    assert "2 people asked about 4 goals" in capsys.readouterr().out
    assert main(["checkins", "prompt", "--team", slack.team_id]) == 0
    assert "0 people asked, 2 people already asked this week" in capsys.readouterr().out
    assert main(["checkins", "status", "--team", slack.team_id]) == 0
    status = capsys.readouterr().out
    assert "0 of 2 people checked in" in status and "Alice Archer, Bob Baker" in status


def test_checkins_are_exported(running_app, slack, db):
    from bot.services.roadmap_export import export_roadmap
    from models import Workspace

    run_command(
        running_app,
        "checkin G1 at-risk 40% vendor late",
        user_id=slack.alice,
        channel_id=slack.channel,
    )
    db.rollback()
    workspace_id = db.scalar(select(Workspace.id))
    data = json.loads(export_roadmap(session=db, workspace_id=workspace_id, fmt="json"))
    (entry,) = data["checkins"]
    assert (entry["goal"], entry["status"], entry["progress"], entry["note"]) == (
        "G1",
        "at-risk",
        40,
        "vendor late",
    )
    csv_text = export_roadmap(session=db, workspace_id=workspace_id, fmt="csv")
    assert "checkin,G1," in csv_text and "vendor late" in csv_text
