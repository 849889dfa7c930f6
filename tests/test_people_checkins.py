"""Owners are people, asked once a week at their own local time: end to end through the CLI
(import, tick) and signed HTTP (reactions, commands) against the fake Slack, with members in
Tokyo, Berlin, UTC and New York."""

from __future__ import annotations

import json

import pytest
import time_machine
from sqlalchemy import select

from bot.db import create_db_engine, make_session_factory
from models import Checkin, CheckinPrompt, CheckinRound, Delivery, Goal, GoalOwner
from tests.harness import run_command

DOCUMENT = """# Platform roadmap 2025

## Q1 2025 Goals

### Platform
- Ship the API gateway (@alice)
- Publish the API docs (@alice)
- Move billing to PostgreSQL (owner: Bob Baker)
- Write the on-call handbook (carol@example.com)
- Halve the build time (@kenji)
- Tidy the wiki (@zed)
"""


@pytest.fixture
def world(slack, settings, monkeypatch, tmp_path):
    """kenji (Tokyo) joins alice (Berlin), bob (New York), carol (UTC) and dana (admin)."""
    kenji = slack.fake.add_user(
        slack.team_id, name="kenji", real_name="Kenji Sato", tz="Asia/Tokyo"
    )
    slack.kenji = kenji["id"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", settings.slack_bot_token)
    monkeypatch.setenv("SLACK_API_URL", settings.slack_api_url)
    (tmp_path / "roadmap.md").write_text(DOCUMENT)
    engine = create_db_engine(settings.database_url)
    factory = make_session_factory(engine)
    yield slack, factory
    engine.dispose()


def cli(*argv: str) -> None:
    from bot.cli import main

    assert main(list(argv)) == 0


def owners(factory) -> dict[int, list[str]]:
    with factory() as session:
        rows = session.execute(
            select(Goal.number, GoalOwner.owner)
            .join(GoalOwner, GoalOwner.goal_id == Goal.id)
            .order_by(Goal.number, GoalOwner.position)
        ).all()
    found: dict[int, list[str]] = {}
    for number, owner in rows:
        found.setdefault(number, []).append(owner)
    return found


def top_level(slack, user: str) -> list[dict]:
    channel = slack.fake.dm_channel(slack.team_id, slack.bot_user_id, user)
    if channel is None:
        return []
    return [m for m in slack.fake.messages(channel) if m.get("thread_ts", m["ts"]) == m["ts"]]


def react(app, slack, user, channel, ts, name):
    slack.fake.user_react(channel, ts, user, name)
    event = {
        "type": "reaction_added",
        "user": user,
        "reaction": name,
        "item": {"type": "message", "channel": channel, "ts": ts},
    }
    assert app.event(event).status == 200
    assert app.runtime.listener_executor.wait_idle(15)


def test_imported_owners_are_asked_once_at_their_local_ten(world, running_app, capsys):
    slack, factory = world
    cli("import", "roadmap.md", "--team", slack.team_id)
    out = capsys.readouterr().out
    assert "Owners not found in the workspace (1)" in out and "@zed (G6)" in out
    assert owners(factory) == {
        1: [slack.alice],
        2: [slack.alice],
        3: [slack.bob],  # "Bob Baker", his real name
        4: [slack.carol],  # carol@example.com
        5: [slack.kenji],
        6: ["@zed"],  # kept, visibly, for the admin to fix
    }

    people = {"kenji": slack.kenji, "alice": slack.alice, "carol": slack.carol, "bob": slack.bob}
    # Monday 10 March 2025, 10:00 local: Tokyo 01:00 UTC, Berlin 09:00, UTC 10:00, New York
    # 14:00 (daylight saving time began the day before).
    expected = [
        ("2025-03-09T23:00:00+00:00", set()),
        ("2025-03-10T01:30:00+00:00", {"kenji"}),
        ("2025-03-10T08:30:00+00:00", {"kenji"}),
        ("2025-03-10T09:30:00+00:00", {"kenji", "alice"}),
        ("2025-03-10T10:30:00+00:00", {"kenji", "alice", "carol"}),
        ("2025-03-10T14:30:00+00:00", {"kenji", "alice", "carol", "bob"}),
        ("2025-03-10T16:00:00+00:00", {"kenji", "alice", "carol", "bob"}),
    ]
    for instant, asked in expected:
        with time_machine.travel(instant, tick=False):
            cli("tick", "--now", instant)
        counts = {name: len(top_level(slack, user)) for name, user in people.items()}
        assert counts == {name: int(name in asked) for name in people}, instant
    (alice_top,) = top_level(slack, slack.alice)
    assert "how are your 2 goals going?" in alice_top["text"]
    assert "Week of 10 March" in json.dumps(alice_top["blocks"])
    # Nobody is asked twice, by the command either.
    with time_machine.travel("2025-03-10T16:30:00+00:00", tick=True):
        cli("checkins", "prompt", "--team", slack.team_id)
    assert "0 people asked, 4 people already asked this week" in capsys.readouterr().out
    assert all(len(top_level(slack, user)) == 1 for user in people.values())

    with factory() as session:
        rounds = {r.person: r for r in session.scalars(select(CheckinRound))}
        prompts = {(p.goal_id, p.recipient): p for p in session.scalars(select(CheckinPrompt))}
        goal_ids = {g.number: g.id for g in session.scalars(select(Goal))}
    with time_machine.travel("2025-03-10T17:00:00+00:00", tick=True):
        # A reaction on a goal's own message answers that goal.
        kenji_goal = prompts[(goal_ids[5], slack.kenji)]
        react(
            running_app,
            slack,
            slack.kenji,
            kenji_goal.channel_id,
            kenji_goal.message_ts,
            "red_circle",
        )
        # A 🟢 on the top message answers every goal in it.
        top = rounds[slack.alice]
        react(running_app, slack, slack.alice, top.channel_id, top.message_ts, "large_green_circle")
        with factory() as session:
            answers = session.execute(
                select(Goal.number, Checkin.status, Checkin.user_id)
                .join(Goal, Goal.id == Checkin.goal_id)
                .order_by(Goal.number)
            ).all()
        assert answers == [
            (1, "on-track", slack.alice),
            (2, "on-track", slack.alice),
            (5, "off-track", slack.kenji),
        ]
        shown = json.dumps(slack.fake.message(top.channel_id, top.message_ts)["blocks"])
        assert "Answered:" in shown and "G1* :large_green_circle: on-track" in shown

        # Two answers in one week are both in the history.
        bob = dict(user_id=slack.bob, channel_id=slack.channel)
        run_command(running_app, "checkin G3 at-risk 50% vendor is late", **bob)
        run_command(running_app, "checkin G3 off-track the vendor left", **bob)
        history = run_command(running_app, "history G3", **bob).text
        assert history.count("Week of 10 March") == 2
        assert "at-risk" in history and "off-track" in history
        assert history.index("vendor is late") < history.index("the vendor left")

        # `me` is the person asking.
        outcome = run_command(
            running_app, "assign G1 me", user_id=slack.admin, channel_id=slack.channel
        )
        assert "owners updated" in outcome.text
        assert owners(factory)[1] == [slack.admin]


def test_goals_with_no_owner_reach_each_admin_at_their_own_ten(world, running_app):
    """Admins in Tokyo, Berlin and Los Angeles hear of the unowned goals at 10:00 their time
    (like the rounds), not all at once when the first round of the week starts."""
    slack, factory = world
    with open("unowned.md", "w") as document:  # in the fixture's own directory
        document.write(DOCUMENT + "- Retire the old CI\n")
    slack.lena = slack.fake.add_user(slack.team_id, name="lena", tz="America/Los_Angeles")["id"]
    admins = {"kenji": slack.kenji, "alice": slack.alice, "lena": slack.lena}
    with time_machine.travel("2025-03-07T12:00:00+00:00", tick=True):  # the Friday before
        cli("import", "unowned.md", "--team", slack.team_id)
        for user in admins.values():  # each admin has used the bot: their zone is known
            run_command(running_app, "list", user_id=user, channel_id=slack.channel)
        named = " ".join(f"<@{user}>" for user in admins.values())
        configured = run_command(
            running_app, f"config admins {named}", user_id=slack.admin, channel_id=slack.channel
        )
    assert all(f"<@{user}>" in configured.text for user in admins.values()), configured.text

    def unowned_dms(user: str) -> list[dict]:
        channel = slack.fake.dm_channel(slack.team_id, slack.bot_user_id, user)
        messages = slack.fake.messages(channel) if channel else []
        return [m for m in messages if "no owner" in m["text"] and not m.get("thread_ts")]

    # Monday 10 March 2025, 10:00 local: Tokyo 01:00 UTC, Berlin 09:00, the workspace's (UTC)
    # 10:00, Los Angeles 17:00 (daylight saving time began the day before).
    expected = [
        ("2025-03-10T00:30:00+00:00", set()),
        ("2025-03-10T01:30:00+00:00", {"kenji"}),
        ("2025-03-10T08:30:00+00:00", {"kenji"}),
        ("2025-03-10T09:30:00+00:00", {"kenji", "alice"}),
        ("2025-03-10T10:30:00+00:00", {"kenji", "alice"}),  # the schedule's own occurrence
        ("2025-03-10T16:30:00+00:00", {"kenji", "alice"}),
        ("2025-03-10T17:30:00+00:00", {"kenji", "alice", "lena"}),
        ("2025-03-10T18:30:00+00:00", {"kenji", "alice", "lena"}),  # once a week each
    ]
    for instant, heard in expected:
        with time_machine.travel(instant, tick=False):
            cli("tick", "--now", instant)
        counts = {name: len(unowned_dms(user)) for name, user in admins.items()}
        assert counts == {name: int(name in heard) for name in admins}, instant
    (message,) = unowned_dms(slack.lena)
    assert "Retire the old CI" in json.dumps(message["blocks"])
    assert "Week of 10 March" in json.dumps(message["blocks"])
    with factory() as session:  # the schedule's own occurrence, 10:00 UTC, said so
        notes = session.scalars(select(Delivery.error).where(Delivery.state == "sent")).all()
    said = "1 goal without an owner (listed to each admin at their own local time)"
    assert any(said in (note or "") for note in notes), notes


def test_revision_0006_resolves_text_owners_that_match_one_member(tmp_path, caplog):
    from alembic import command
    from sqlalchemy import text

    from bot.db import alembic_config

    url = f"sqlite:///{tmp_path / 'owners.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0004")
    engine = create_db_engine(url)
    at = {"at": "2025-01-01 00:00:00"}
    rows = [
        "INSERT INTO workspaces (id, team_id, timezone, admin_user_ids, settings, created_at,"
        " updated_at) VALUES (1, 'T1', 'UTC', '[]', '{}', :at, :at)",
        "INSERT INTO roadmaps (id, workspace_id, name, created_at, updated_at)"
        " VALUES (1, 1, 'R', :at, :at)",
        "INSERT INTO periods (id, workspace_id, roadmap_id, label, start_date, end_date, position)"
        " VALUES (1, 1, 1, 'Q1 2025', '2025-01-01', '2025-03-31', 0)",
        "INSERT INTO categories (id, workspace_id, roadmap_id, name, position)"
        " VALUES (1, 1, 1, 'Tech', 0)",
        "INSERT INTO members (id, workspace_id, user_id, name, is_slack_admin, created_at,"
        " updated_at) VALUES (1, 1, 'U0ALICE', 'Alice Archer', 0, :at, :at)",
        *(
            "INSERT INTO goals (id, workspace_id, number, roadmap_id, period_id, category_id,"
            f" title, normalized_title, status, progress, archived, position, created_at,"
            f" updated_at) VALUES ({n}, 1, {n}, 1, 1, 1, 'Goal {n}', 'goal {n}', 'not-started',"
            f" 0, 0, {n}, :at, :at)"
            for n in (1, 2)
        ),
        "INSERT INTO goal_owners (id, workspace_id, goal_id, owner, position)"
        " VALUES (1, 1, 1, '@alice archer', 0)",
        "INSERT INTO goal_owners (id, workspace_id, goal_id, owner, position)"
        " VALUES (2, 1, 2, '@ghost', 0)",
    ]
    with engine.begin() as connection:
        for row in rows:
            connection.execute(text(row), at)
    engine.dispose()
    command.upgrade(config, "head")
    engine = create_db_engine(url)
    with engine.connect() as connection:
        owners = connection.execute(text("SELECT goal_id, owner FROM goal_owners")).all()
    engine.dispose()
    assert sorted(tuple(r) for r in owners) == [(1, "U0ALICE"), (2, "@ghost")]
    assert "@ghost" in caplog.text and "people resolve" in caplog.text
