"""People named in commands, the import's owner fix, and the check-in rounds' replies, in-process.

The members are the fake Slack's own user records (handles, real names, e-mails, time zones),
handed to the flows as users.list would return them."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.flows.checkin_answers import (
    REF,
    ReactionAdded,
    ThreadReply,
    WhichGoalChosen,
    reaction_added,
    route_reply,
    thread_reply,
    which_goal_chosen,
)
from bot.flows.commands import CommandCall
from bot.flows.outcome import Ephemeral, OpenView, Post, Update
from bot.flows.people import FixOwnersPressed, OwnersChosen, fix_owners_pressed, owners_chosen
from bot.services.people import DirectoryUnavailable, PeopleReads
from handlers import grammar as g
from models import Checkin, CheckinPrompt, CheckinRound, Goal, GoalOwner, Workspace
from tests.conftest import FROZEN_NOW
from tests.flows import run
from tests.harness import _all_text

NOW = datetime.fromisoformat(FROZEN_NOW)
pytestmark = pytest.mark.usefixtures("roadmap")


@pytest.fixture
def members(slack):
    fake = slack.fake
    fake.add_user(slack.team_id, name="alan", real_name="Alan Turing", tz="Europe/London")
    fake.add_user(slack.team_id, name="gone", real_name="Gone Person", deleted=True)
    fake.add_user(slack.team_id, name="deploybot", real_name="Deploy Bot", is_bot=True)
    with fake.lock:
        return [fake.render_user(u) for u in fake._users.values() if u["team_id"] == slack.team_id]


@pytest.fixture
def ask(session_factory, slack, members):
    def ask(text: str, user: str | None = None, people=None):
        parsed = g.parse_command(text)
        call = CommandCall(parsed.command, parsed.share, trigger_id="T-TRIGGER")
        result = run(
            session_factory,
            g.COMMANDS[parsed.name].flow,
            call,
            team_id=slack.team_id,
            user_id=user or slack.admin,
            now=NOW,
            users={m["id"]: m for m in members},
            members=people if people is not None else members,
            channel_id=slack.channel,
        )
        result.all_text = "\n".join(_all_text(m.to_dict()) for m in result.effects.replies)
        return result

    return ask


def owners_of(session_factory, number: int) -> list[str]:
    with session_factory() as session:
        goal = session.scalar(select(Goal).where(Goal.number == number))
        return [o.owner for o in goal.owners]


@pytest.mark.parametrize(
    "named",
    ["@alice", "alice", "Alice Archer", "alice archer", "alice@example.com", "<@{alice}>", "Alice"],
)
def test_a_person_is_named_any_way_people_do(ask, slack, session_factory, named):
    named = named.format(alice=slack.alice)
    result = ask(f"assign G4 {named}")
    assert result.error is None, result.all_text
    assert owners_of(session_factory, 4) == [slack.alice]


def test_me_is_the_person_asking(ask, slack, session_factory):
    ask("assign G4 me", user=slack.admin)
    assert owners_of(session_factory, 4) == [slack.admin]
    ask("assign G1 Bob Baker, carol@example.com and me", user=slack.alice)
    assert owners_of(session_factory, 1) == [slack.bob, slack.carol, slack.alice]
    ask("assign G1 alice carol", user=slack.alice)  # two names, no comma: two people
    assert owners_of(session_factory, 1) == [slack.alice, slack.carol]


@pytest.mark.parametrize(
    ("named", "says"),
    [
        ("@al", "`@al` could be @alan or @alice; say which."),
        ("@zed", "Nobody called `@zed` in this workspace"),
        ("@gone", "@gone's account is deactivated; name someone else."),
        ("Deploy Bot", "@deploybot is a bot; goals are owned by people."),
        ("zed@example.com", "Nobody in this workspace has the e-mail address `zed@example.com`."),
    ],
)
def test_a_bad_name_is_a_specific_answer_and_changes_nothing(
    ask, slack, session_factory, named, says
):
    before = owners_of(session_factory, 1)
    result = ask(f"assign G1 {named}")
    assert says in result.all_text
    assert owners_of(session_factory, 1) == before


def test_slack_refusing_the_list_falls_back_to_the_cache_and_says_so(
    ask, slack, session_factory, monkeypatch
):
    from tests import flows

    ask("assign G4 @alice")  # reads the list into the cache

    def refused():
        raise DirectoryUnavailable("ratelimited")

    def age_the_cache():
        with session_factory() as session, session.begin():
            session.scalar(select(Workspace)).people_listed_at = datetime(2025, 1, 1).astimezone()

    monkeypatch.setattr(flows, "people_reads", lambda members: PeopleReads(refused))
    age_the_cache()
    result = ask("assign G4 @bob")  # Slack refuses: the cache still knows bob
    assert owners_of(session_factory, 4) == [slack.bob], result.all_text
    age_the_cache()
    result = ask("assign G4 @nobody")
    assert "could not be read: `ratelimited`; I used the list I had" in result.all_text
    assert owners_of(session_factory, 4) == [slack.bob]


def test_admins_and_the_roster_take_names_like_assign_does(ask, slack, session_factory):
    named = ask("config admins Alice Archer, bob@example.com")
    assert named.error is None, named.all_text
    with session_factory() as session:
        workspace = session.scalar(select(Workspace))
        assert workspace.admin_user_ids == [slack.alice, slack.bob]
    ask("team add carol, Alice Archer")
    assert "not a person" not in ask("team").all_text
    refused = ask("config admins Alan", user=slack.carol)
    assert "Only roadmap admins" in refused.all_text  # refused before any name is looked up


def test_list_by_owner_names_them_in_the_header(ask, slack):
    result = ask("list q1 @alice")
    assert result.all_text.startswith("Q1 2025 · Alice Archer")
    assert "<@" not in result.all_text.splitlines()[0]


def test_away_until_a_past_date_is_refused(ask, slack):
    result = ask("away until 2025-03-01", user=slack.bob)
    assert "Sat 1 Mar is in the past" in result.all_text and result.commits == 0
    assert "until Thu 20 Mar" in ask("away until 2025-03-20", user=slack.bob).all_text


def test_a_due_date_outside_the_goals_period_is_warned_about(ask):
    result = ask('add "Ship the API" Q1 2025 tech due 2025-06-30')
    assert "outside Q1 2025" in result.all_text and "Mon 30 Jun 2025" in result.all_text
    assert "outside" not in ask('add "Ship it" Q1 2025 tech due 2025-03-30').all_text


def test_exports_write_owners_as_handles(ask, slack, session_factory):
    from bot.services.roadmap_export import export_roadmap

    ask("assign G1 @alice @bob")
    with session_factory() as session:
        workspace_id = session.scalar(select(Workspace.id))
        markdown = export_roadmap(session=session, workspace_id=workspace_id, fmt="md")
        data = json.loads(export_roadmap(session=session, workspace_id=workspace_id, fmt="json"))
    assert "Complete API Gateway Redesign (@alice, @bob" in markdown
    (g1,) = [goal for goal in data["goals"] if goal["ref"] == "G1"]
    assert g1["owners"] == [slack.alice, slack.bob]
    assert g1["owner_handles"] == ["@alice", "@bob"]


# --- the import's owner fix -----------------------------------------------------------------


def test_unresolved_owner_names_are_fixed_with_one_click(session_factory, slack, members):
    with session_factory() as session, session.begin():
        for number in (4, 5):
            goal = session.scalar(select(Goal).where(Goal.number == number))
            goal.owners = [GoalOwner(workspace_id=goal.workspace_id, owner="Bobby B")]
    pressed = run(
        session_factory, fix_owners_pressed, FixOwnersPressed("T-1"),
        team_id=slack.team_id, user_id=slack.admin, users={m["id"]: m for m in members},
    )  # fmt: skip
    (opened,) = pressed.effects.of_type(OpenView)
    assert json.loads(opened.view.private_metadata) == ["Bobby B"]
    refused = run(
        session_factory, fix_owners_pressed, FixOwnersPressed("T-1"),
        team_id=slack.team_id, user_id=slack.carol,
    )  # fmt: skip
    assert "Only roadmap admins" in refused.text
    chosen = run(
        session_factory, owners_chosen, OwnersChosen({"Bobby B": slack.bob}),
        team_id=slack.team_id, user_id=slack.admin, users={m["id"]: m for m in members},
    )  # fmt: skip
    assert "1 name mapped to people" in chosen.text
    assert owners_of(session_factory, 4) == owners_of(session_factory, 5) == [slack.bob]
    # Remembered: the same name resolves the same way next time.
    from bot.services.people import cached_match

    with session_factory() as session:
        workspace_id = session.scalar(select(Workspace.id))
        assert cached_match(session, workspace_id, "bobby b") == slack.bob


def test_an_import_with_unknown_owners_warns_the_admin(session_factory, slack, members):
    from bot.flows.imports import ImportSubmitted, submit_import

    document = "# R\n\n## Q1 2025 Goals\n\n### Tech\n- Ship it (@alice)\n- Tidy up (@zed)\n"
    result = run(
        session_factory, submit_import, ImportSubmitted(document, dry_run=False),
        team_id=slack.team_id, user_id=slack.admin,
        users={m["id"]: m for m in members}, members=members,
    )  # fmt: skip
    (warning,) = result.effects.of_type(Post)
    assert warning.channel == slack.admin
    text = json.dumps(warning.message.to_dict())
    assert "1 owner name matched nobody" in text and "@zed" in text and "owners_fix" in text
    with session_factory() as session:
        owners = dict(
            session.execute(
                select(Goal.title, GoalOwner.owner).join(GoalOwner, GoalOwner.goal_id == Goal.id)
                .where(Goal.title.in_(["Ship it", "Tidy up"]))
            ).all()
        )  # fmt: skip
    assert owners == {"Ship it": slack.alice, "Tidy up": "@zed"}


def test_a_dry_run_lists_the_owners_it_could_not_resolve(session_factory, slack, members):
    """Like the real import (which warns by DM with a button to fix them), before anything
    is written: in the modal's preview and in a shared file's dry run."""
    from bot.flows.imports import ImportSubmitted, RoadmapFileShared, file_shared, submit_import

    document = "# R\n\n## Q1 2025 Goals\n\n### Tech\n- Ship it (@alice)\n- Tidy up (@zed)\n"
    preview = run(
        session_factory, submit_import, ImportSubmitted(document, dry_run=True),
        team_id=slack.team_id, user_id=slack.admin,
        users={m["id"]: m for m in members}, members=members,
    )  # fmt: skip
    said = json.dumps(preview.outcome.reply.to_dict())
    assert "Owners who match nobody" in said and "@zed (Tidy up)" in said
    assert "@alice (Ship it)" not in said
    assert not preview.effects.of_type(Post)  # nothing to fix yet: nothing was stored
    shared = RoadmapFileShared("D1", "1.2", "F1", "r.md", lambda _: document.encode())
    thread = run(
        session_factory, file_shared, shared, team_id=slack.team_id, user_id=slack.admin,
        users={m["id"]: m for m in members}, members=members, event_id="EvF1",
    )  # fmt: skip
    (post,) = thread.effects.of_type(Post)
    assert "@zed (Tidy up)" in json.dumps(post.message.to_dict())
    with session_factory() as session:
        assert session.scalar(select(GoalOwner.id).where(GoalOwner.owner == "@zed")) is None


# --- replies in a round's thread -----------------------------------------------------------------


@pytest.fixture
def round_(session_factory, slack, roadmap):
    """alice's round of week 10: G1 and G3, posted in her DM with a message per goal."""
    channel = "D" + slack.alice[1:]
    with session_factory() as session, session.begin():
        r = CheckinRound(
            workspace_id=roadmap, cycle="2025-W10", person=slack.alice,
            channel_id=channel, message_ts="100.000", posted_at=NOW, created_at=NOW,
        )  # fmt: skip
        session.add(r)
        session.flush()
        for n, number in enumerate((1, 3)):
            goal_id = session.scalar(select(Goal.id).where(Goal.number == number))
            session.add(
                CheckinPrompt(
                    workspace_id=roadmap, goal_id=goal_id, cycle="2025-W10",
                    recipient=slack.alice, round_id=r.id, channel_id=channel,
                    message_ts=f"100.00{n + 1}", posted_at=NOW,
                )
            )  # fmt: skip
    return channel, "100.000"


def answered(session_factory):
    with session_factory() as session:
        return session.execute(
            select(Goal.number, Checkin.status, Checkin.note)
            .join(Goal, Goal.id == Checkin.goal_id)
            .order_by(Checkin.id)
        ).all()


def act(session_factory, slack, flow, request, user=None, event_id=None):
    return run(
        session_factory, flow, request, team_id=slack.team_id, user_id=user or slack.alice,
        now=NOW, event_id=event_id, event_type="message",
    )  # fmt: skip


def test_a_reaction_on_the_top_message_answers_every_goal(session_factory, slack, round_):
    channel, ts = round_
    result = act(
        session_factory, slack, reaction_added, ReactionAdded(channel, ts, "+1", slack.alice)
    )
    assert answered(session_factory) == [(1, "on-track", None), (3, "on-track", None)]
    top = [u for u in result.effects.of_type(Update) if u.ts == ts]
    assert len(top) == 1 and "Answered:" in json.dumps(top[0].message.to_dict())
    carol = ReactionAdded(channel, ts, "+1", slack.carol)
    refused = act(session_factory, slack, reaction_added, carol, user=slack.carol)
    assert refused.effects.of_type(Ephemeral) and len(answered(session_factory)) == 2


def test_a_reply_is_the_note_of_the_goal_it_names(session_factory, slack, round_):
    channel, ts = round_
    act(
        session_factory,
        slack,
        thread_reply,
        ThreadReply(channel, ts, "101.0", slack.alice, "G3: dashboards are up"),
    )
    act(
        session_factory,
        slack,
        thread_reply,
        ThreadReply(channel, ts, "102.0", slack.alice, "the gateway redesign slips a week"),
    )
    assert answered(session_factory) == [
        (3, None, "G3: dashboards are up"),
        (1, None, "the gateway redesign slips a week"),  # words of G1's title
    ]


def test_a_reply_naming_no_goal_is_asked_about_privately(session_factory, slack, round_):
    channel, ts = round_
    reply = ThreadReply(channel, ts, "103.0", slack.alice, "all good this week")
    result = act(session_factory, slack, thread_reply, reply)
    (question,) = result.effects.of_type(Ephemeral)
    assert question.user == slack.alice and "Which goal" in question.message.text
    buttons = [
        e
        for b in question.message.to_dict()["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert [b["text"]["text"][:3] for b in buttons] == ["G1 ", "G3 "]
    value = json.loads(buttons[1]["value"])
    with session_factory() as session:
        round_id = session.scalar(select(CheckinRound.id))
    chosen = WhichGoalChosen(value["r"], value["g"], value["ts"], value["t"])
    assert chosen.round_id == round_id
    act(session_factory, slack, which_goal_chosen, chosen)
    assert answered(session_factory) == [(3, None, "all good this week")]


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(max_size=60), st.sampled_from([1, 2, 3]))
def test_routing_names_at_most_one_goal_and_honours_a_reference(text, count):
    goals = [
        Goal(number=n, title=t)
        for n, t in [(12, "Ship the gateway"), (13, "Hire two engineers"), (14, "Write docs")][
            :count
        ]
    ]
    chosen = route_reply(text, goals)
    assert chosen is None or chosen in goals
    if count == 1:
        assert chosen is goals[0]
    named = route_reply(f"G13 {text}", goals)
    others = {int(n) for n in REF.findall(text)} & {12, 14}
    if count >= 2 and not others:
        assert named is goals[1]
