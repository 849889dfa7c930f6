"""Ritual reminder flows, in-process: knowledge sharing (volunteer, topic, swap, skip, held)
and retrospectives (items, actions made goals, goals carried over)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.blocks.rituals import OccurrenceRef, RetroRef
from bot.flows import rituals as flows
from bot.flows.outcome import OpenView, Post, RespondTo, Update
from bot.flows.rituals import OccurrenceButton, Reminder
from bot.services import rituals
from bot.services.digests import quarterly_digest
from models import (
    AuditEntry,
    Goal,
    Metric,
    MetricReading,
    Period,
    RetroItem,
    RitualOccurrence,
    Schedule,
    Workspace,
)
from tests.flows import run

NOW = datetime(2025, 3, 5, 10, tzinfo=UTC)
APRIL_EVENT = datetime(2025, 4, 3, 13, tzinfo=UTC)  # 15:00 in Berlin
RETRO_EVENT = datetime(2025, 3, 28, 13, tzinfo=UTC)  # 14:00 in Berlin
REMINDER = Reminder("C0REMINDER", "1741168800.000100")
ADMIN = {"is_admin": True, "tz": "UTC"}


@pytest.fixture
def team(session_factory, roadmap, slack):
    """Rituals in Berlin time; alice presented in March; the rotation is alice, bob, carol;
    April's occurrence (bob's turn) exists, as the week-before reminder creates it."""
    with session_factory() as db, db.begin():
        workspace = db.get(Workspace, roadmap)
        workspace.timezone = "Europe/Berlin"
        schedule = db.scalar(
            select(Schedule).where(
                Schedule.workspace_id == roadmap, Schedule.kind == "knowledge_sharing"
            )
        )
        schedule.timezone = "Europe/Berlin"
        schedule.options = {
            **(schedule.options or {}),
            "presenters": [slack.alice, slack.bob, slack.carol],
        }
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
        db.flush()
        april = rituals.prepare_occurrence(
            session=db, workspace=workspace, schedule=schedule, occurrence_date=date(2025, 4, 3)
        )
    return OccurrenceRef(april.id, 7, APRIL_EVENT)


def press(session_factory, slack, flow, ref, user, *, now=NOW, reminder=REMINDER, **extra):
    users = {slack.admin: ADMIN}
    request = OccurrenceButton(ref, reminder, **extra)
    return run(
        session_factory, flow, request, team_id=slack.team_id, user_id=user, now=now, users=users
    )


def april(session_factory) -> RitualOccurrence:
    with session_factory() as db:
        return db.scalar(
            select(RitualOccurrence).where(RitualOccurrence.occurrence_date == date(2025, 4, 3))
        )


def shown(result) -> str:
    """The reminder as the flow updated it."""
    (update,) = result.effects.of_type(Update)
    assert (update.channel, update.ts) == (REMINDER.channel, REMINDER.ts)
    return json.dumps(update.message.to_dict()["blocks"], ensure_ascii=False)


def dm_text(result, user: str) -> str:
    return json.dumps(
        [p.message.to_dict() for p in result.effects.of_type(Post) if p.channel == user]
    )


# --- knowledge sharing -----------------------------------------------------------------------


def test_volunteering_updates_the_reminder_and_tells_the_one_replaced(session_factory, slack, team):
    result = press(session_factory, slack, flows.volunteer, team, slack.carol)
    assert april(session_factory).presenter_user_id == slack.carol
    assert f"<@{slack.carol}> volunteered to present instead of <@{slack.bob}>" in shown(result)
    assert "off the hook" in dm_text(result, slack.bob)
    assert result.commits == 1


def test_topic_then_swap(session_factory, slack, team):
    press(session_factory, slack, flows.volunteer, team, slack.carol)

    opened = run(
        session_factory,
        flows.open_topic,
        flows.OpenTopic(team, team.block_id(), REMINDER, "trigger-1"),
        team_id=slack.team_id,
        user_id=slack.carol,
        now=NOW,
    )
    (view,) = opened.effects.of_type(OpenView)
    modal = view.view.to_dict()
    assert (view.trigger_id, modal["callback_id"]) == ("trigger-1", "ks_topic")
    meta = json.loads(modal["private_metadata"])
    assert (meta["block"], meta["channel"], meta["ts"]) == (
        team.block_id(),
        REMINDER.channel,
        REMINDER.ts,
    )

    result = run(
        session_factory,
        flows.submit_topic,
        flows.SubmitTopic(team, REMINDER, "Postgres <!channel> tricks"),
        team_id=slack.team_id,
        user_id=slack.carol,
        now=NOW,
    )
    assert april(session_factory).topic == "Postgres <!channel> tricks"
    assert "Postgres &lt;!channel&gt; tricks" in shown(result)

    result = press(session_factory, slack, flows.swap, team, slack.carol, to_user=slack.alice)
    occurrence = april(session_factory)
    assert (occurrence.presenter_user_id, occurrence.topic) == (slack.alice, None)
    assert f"handed the session to <@{slack.alice}>" in shown(result)
    assert "handed you the knowledge-sharing session" in dm_text(result, slack.alice)


def test_only_the_presenter_or_an_admin_may_skip(session_factory, slack, team):
    result = press(session_factory, slack, flows.skip, team, slack.carol)
    assert april(session_factory).state == "planned"
    assert "can skip" in result.text
    assert (result.effects.effects, result.commits) == ([], 0)


def test_a_swap_needs_someone_to_take_over(session_factory, slack, team):
    result = press(session_factory, slack, flows.swap, team, slack.bob, to_user="")
    assert "Pick the person" in result.text
    assert april(session_factory).presenter_user_id == slack.bob


def test_held_on_the_day_counts_toward_the_metric(session_factory, slack, team):
    result = press(session_factory, slack, flows.mark_held, team, slack.bob)  # 5 March
    assert april(session_factory).state == "planned"
    assert "mark it held on the day" in result.text

    on_the_day = datetime(2025, 4, 3, 14, 30, tzinfo=UTC)
    result = press(session_factory, slack, flows.mark_held, team, slack.bob, now=on_the_day)
    occurrence = april(session_factory)
    assert (occurrence.state, occurrence.held_at) == ("held", on_the_day)
    (update,) = result.effects.of_type(Update)
    assert ":white_check_mark: Held" in shown(result)
    assert not [b for b in update.message.to_dict()["blocks"] if b["type"] == "actions"]
    assert "counts toward the knowledge-sharing sessions metric" in shown(result)
    with session_factory() as db:
        reading = db.scalar(
            select(MetricReading)
            .join(Metric, Metric.id == MetricReading.metric_id)
            .where(Metric.key == "knowledge-sharing-sessions")
        )
        assert (reading.value, reading.user_id) == (1, slack.bob)


def test_a_preview_is_replaced_through_its_response_url(session_factory, slack, team):
    preview = Reminder(slack.channel, None, "https://hooks.example/response")
    result = press(session_factory, slack, flows.volunteer, team, slack.carol, reminder=preview)
    (respond,) = result.effects.of_type(RespondTo)
    assert (respond.url, respond.replace_original) == (preview.response_url, True)
    assert "volunteered to present" in json.dumps(respond.message.to_dict())
    assert not result.effects.of_type(Update)


def test_the_channel_roster_is_stored_with_the_change_only(session_factory, slack, team):
    with session_factory() as db, db.begin():
        schedule = db.scalar(select(Schedule).where(Schedule.kind == "knowledge_sharing"))
        options = {k: v for k, v in schedule.options.items() if k != "presenters"}
        schedule.options = {**options, "presenters_channel": "C0PRESENTERS"}
        schedule_id = schedule.id
    asked = []

    def members(channel):
        asked.append(channel)
        return [slack.carol, slack.alice]

    refused = press(session_factory, slack, flows.skip, team, slack.carol, members=members)
    assert "can skip" in refused.text
    with session_factory() as db:
        assert "presenters_channel_members" not in db.get(Schedule, schedule_id).options

    press(session_factory, slack, flows.volunteer, team, slack.carol, members=members)
    assert asked == ["C0PRESENTERS", "C0PRESENTERS"]
    with session_factory() as db:
        options = db.get(Schedule, schedule_id).options
        assert options["presenters_channel_members"] == [slack.carol, slack.alice]

    # Slack would not say: the remembered members stay.
    press(session_factory, slack, flows.skip, team, slack.carol, members=lambda channel: None)
    with session_factory() as db:
        options = db.get(Schedule, schedule_id).options
        assert options["presenters_channel_members"] == [slack.carol, slack.alice]


# --- retrospectives --------------------------------------------------------------------------


@pytest.fixture
def retro(session_factory, roadmap):
    """The retrospective of Q1 2025 (G1 done), as its reminder names it."""
    with session_factory() as db, db.begin():
        schedule_id = db.scalar(
            select(Schedule.id).where(
                Schedule.workspace_id == roadmap, Schedule.kind == "retrospective"
            )
        )
        period_id = db.scalar(select(Period.id).where(Period.label == "Q1 2025"))
        goal = db.scalar(select(Goal).where(Goal.workspace_id == roadmap, Goal.number == 1))
        goal.status, goal.progress = "done", 100
    return RetroRef(schedule_id, period_id, RETRO_EVENT)


def act(session_factory, slack, flow, request, user):
    return run(
        session_factory,
        flow,
        request,
        team_id=slack.team_id,
        user_id=user,
        now=NOW,
        users={slack.admin: ADMIN},
    )


def goals_in(session_factory, label: str) -> list[Goal]:
    with session_factory() as db:
        goals = db.scalars(
            select(Goal).join(Period, Period.id == Goal.period_id).where(Period.label == label)
        ).all()
        for goal in goals:
            _ = goal.owners
        return list(goals)


def test_the_item_form_opens_with_the_kind_chosen(retro):
    outcome = flows.retro_item_form(
        flows.OpenRetroItem("to_improve", retro.block_id(), REMINDER, "trigger-2")
    )
    (view,) = outcome.effects
    modal = view.view.to_dict()
    assert modal["callback_id"] == "retro_item"
    assert modal["blocks"][0]["element"]["initial_option"]["value"] == "to_improve"
    assert json.loads(modal["private_metadata"])["block"] == retro.block_id()


def test_items_actions_and_carry_over(session_factory, slack, retro):
    for user, kind, text in (
        (slack.alice, "went_well", "Gateway shipped early"),
        (slack.carol, "to_improve", "Too many <!here> pings"),
        (slack.bob, "action", "Write the on-call runbook"),
    ):
        request = flows.SubmitRetroItem(retro, REMINDER, kind, text)
        result = act(session_factory, slack, flows.submit_retro_item, request, user)
    with session_factory() as db:
        items = db.scalars(select(RetroItem).order_by(RetroItem.id)).all()
        assert [(i.kind, i.user_id) for i in items] == [
            ("went_well", slack.alice),
            ("to_improve", slack.carol),
            ("action", slack.bob),
        ]
        action_id = items[2].id
    body = shown(result)
    assert "Gateway shipped early" in body and "Too many &lt;!here&gt; pings" in body
    assert "Write the on-call runbook" in body
    assert f"<@{slack.bob}> added an item (action)" in body

    # Only the action's author (or an admin) makes it a goal of the next period.
    promote = flows.PromoteAction(retro, REMINDER, action_id)
    refused = act(session_factory, slack, flows.promote_action, promote, slack.carol)
    assert "can make this action a goal" in refused.text
    result = act(session_factory, slack, flows.promote_action, promote, slack.bob)
    (goal,) = [
        g for g in goals_in(session_factory, "Q2 2025") if g.title == "Write the on-call runbook"
    ]
    assert [o.owner for o in goal.owners] == [slack.bob]
    with session_factory() as db:
        assert db.scalar(select(RetroItem.goal_id).where(RetroItem.kind == "action")) == goal.id
    assert f"The action is now *{goal.ref}*" in result.text
    assert f"→ *{goal.ref}*" in shown(result)

    # carol owns nothing: she is told who may; alice carries her own; the admin the rest.
    carry = flows.CarryGoalsOver(retro, REMINDER)
    q2_before = len(goals_in(session_factory, "Q2 2025"))
    refused = act(session_factory, slack, flows.carry_over, carry, slack.carol)
    assert "can carry goals over" in refused.text
    act(session_factory, slack, flows.carry_over, carry, slack.alice)
    assert len(goals_in(session_factory, "Q2 2025")) == q2_before + 1  # G3 (G1 is done)
    result = act(session_factory, slack, flows.carry_over, carry, slack.admin)
    assert "Carried 11 unfinished goals" in result.text
    q2 = goals_in(session_factory, "Q2 2025")
    assert len(q2) == q2_before + 12
    copied = {g.title: g for g in q2}
    g3 = copied["Implement comprehensive monitoring platform"]
    assert sorted(o.owner for o in g3.owners) == sorted([slack.alice, slack.bob])
    assert "carried over" in shown(result)

    again = act(session_factory, slack, flows.carry_over, carry, slack.admin)
    assert len(goals_in(session_factory, "Q2 2025")) == q2_before + 12
    assert "Nothing new to carry over" in again.text
    with session_factory() as db:
        added = db.scalars(select(AuditEntry.details).where(AuditEntry.action == "goal.add"))
        assert sum("carried_from" in details for details in added) == 12
        workspace = db.scalar(select(Workspace).where(Workspace.team_id == slack.team_id))
        digest = quarterly_digest(
            session=db,
            workspace=workspace,
            period_label="Q1 2025",
            now=datetime(2025, 4, 2, 9, tzinfo=UTC),
        )
        assert digest.carried == 12


def test_a_retro_item_must_say_something(session_factory, slack, retro):
    request = flows.SubmitRetroItem(retro, REMINDER, "went_well", "   ")
    result = act(session_factory, slack, flows.submit_retro_item, request, slack.alice)
    assert "Write the item" in result.text
    assert result.commits == 0
