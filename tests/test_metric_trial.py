"""Findings of the team-metrics trial: one truth per metric in every surface (a cadence metric
with no event has no readings; a typed reading of a bot-measured metric says what stands),
flat readings stay flat, unchanged recomputes are not news, and the wording people read."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.blocks.digests import quarterly_digest_messages, weekly_digest_messages
from bot.blocks.digests.style import Style
from bot.blocks.digests.weekly import forecast_text
from bot.flows.commands import (
    CommandCall,
    ExplainMetric,
    ListMetrics,
    RecordMetric,
    TeamCommand,
)
from bot.flows.metrics import list_metrics, metric
from bot.flows.team import team_command
from bot.services import team_metrics
from bot.services.digests import Target, quarterly_digest, weekly_digest
from bot.services.digests.forecast import forecast
from models import GoalPartner, MetricReading, Workspace
from tests.flows import run

NOW = datetime(2025, 3, 5, 10, tzinfo=UTC)  # Wednesday, week 10 of Q1 2025
ADMIN = {"is_admin": True, "tz": "UTC"}


def ask(factory, slack, command, *, user=None, now=NOW):
    flow = {ListMetrics: list_metrics, TeamCommand: team_command}.get(type(command), metric)
    result = run(
        factory,
        flow,
        CommandCall(command),
        team_id=slack.team_id,
        user_id=user or slack.admin,
        now=now,
        users={slack.admin: ADMIN},
    )
    return "\n".join(
        m.text + json.dumps([b.to_dict() for b in m.blocks], ensure_ascii=False)
        for m in result.effects.replies
    )


def text_of(messages) -> str:
    summary, thread = messages
    return "\n".join(
        m.text + json.dumps([b.to_dict() for b in m.blocks], ensure_ascii=False)
        for m in [summary, *thread]
    )


def digests(factory, workspace_id, now=NOW):
    with factory() as session:
        workspace = session.get(Workspace, workspace_id)
        weekly = weekly_digest(session=session, workspace=workspace, now=now)
        quarterly = quarterly_digest(
            session=session, workspace=workspace, period_label=None, now=now
        )
        return (
            weekly,
            quarterly,
            text_of(weekly_digest_messages(weekly)),
            text_of(quarterly_digest_messages(quarterly)),
        )


def by_name(views, name):
    return next(v for v in views if v.name == name)


def test_a_deploy_metric_with_no_event_has_no_readings_in_any_surface(
    session_factory, slack, roadmap
):
    listed = ask(session_factory, slack, ListMetrics())
    assert "Deployment frequency: *no reading yet*" in listed
    assert "0 deploys" not in listed
    weekly, quarterly, weekly_text, quarterly_text = digests(session_factory, roadmap)
    assert by_name(weekly.metrics, "Deployment frequency").cadence is None
    assert by_name(weekly.metrics, "Deployment frequency").on_target is None
    assert by_name(quarterly.metrics, "Deployment frequency").cadence is None
    assert "0 deploys" not in weekly_text and "0 deploys" not in quarterly_text


def test_deploys_once_recorded_count_the_same_in_every_surface(session_factory, slack, roadmap):
    monday = datetime(2025, 3, 3, 15, tzinfo=UTC)
    ask(session_factory, slack, RecordMetric("deploys", 2, None), now=monday)
    listed = ask(session_factory, slack, ListMetrics())
    weekly, quarterly, weekly_text, _ = digests(session_factory, roadmap)
    counted = by_name(weekly.metrics, "Deployment frequency").cadence
    assert counted.text == "2 deploys this week, on 1 of 3 working days (daily)"
    assert counted.text in listed and counted.text in weekly_text
    in_period = by_name(quarterly.metrics, "Deployment frequency").cadence
    assert (in_period.count, in_period.days_met) == (2, 1)


def test_typing_a_bot_measured_metric_says_what_stands_and_every_surface_agrees(
    session_factory, slack, roadmap
):
    people = (slack.alice, slack.bob, slack.carol, slack.admin)
    ask(session_factory, slack, TeamCommand("add", people))  # 0 of 4 have a growth plan
    typed = ask(session_factory, slack, RecordMetric("career", 90, "%"))
    assert "measured by the team roster" in typed and "0%" in typed
    assert "for today only" in typed
    assert "/roadmap metric source Career development manual" in typed
    plan = ask(session_factory, slack, TeamCommand("plan", (), plan=True), user=slack.alice)
    assert "Career development: *90%*" in plan and "25%" in plan  # what stands, what it measures
    listed = ask(session_factory, slack, ListMetrics())
    assert "Career development: *90%*" in listed
    assert "typed by a person; measured by the team roster" in listed
    weekly, quarterly, _, _ = digests(session_factory, roadmap)
    assert by_name(weekly.metrics, "Career development").latest == 90
    assert by_name(weekly.metrics, "Career development").source == "command"
    assert by_name(quarterly.metrics, "Career development").value == 90
    explained = ask(session_factory, slack, ExplainMetric("career"))
    assert "Latest: *90%*, from a person, with /roadmap metric" in explained, explained


def test_a_constant_reading_is_holding_steady_not_moving_away():
    start = datetime(2025, 1, 6, 5, tzinfo=UTC)
    # A share of 13 goals recomputed daily: the stored value is the same every day, but the
    # times are irregular, so a least-squares slope comes out as float noise (±1e-17).
    points = [(start + timedelta(days=d, seconds=d * 37.3), 100 * 2 / 13) for d in range(30)]
    for goal in (Target(50, ">=", "%"), Target(10, "<=", "%"), Target(100, "=", "%")):
        f = forecast(points, goal, "target", now=points[-1][0], period_end=date(2025, 3, 31))
        assert f.state == "flat" and f.slope_per_week == 0
        said = forecast_text(f, "%", Style(slack=True, people={}, mentions=False), date(2025, 2, 5))
        assert said == f"holding steady, short of its target {goal.text}"
    # A share that stepped up once and then held for weeks: no change since last week is no
    # "at this rate reaches 100% around …" either.
    stepped = [(at, 100 * (1 if i < 10 else 2) / 7) for i, (at, _) in enumerate(points)]
    f = forecast(stepped, Target(100, ">=", "%"), "target", now=stepped[-1][0], period_end=None)
    assert f.state == "reaches"  # the line alone would say so
    f = forecast(
        stepped, Target(100, ">=", "%"), "target", now=stepped[-1][0], period_end=None, recent=0
    )
    assert (f.state, f.slope_per_week) == ("flat", 0)


def test_a_daily_recompute_of_the_same_value_is_not_news(session_factory, slack, roadmap):
    people = (slack.alice, slack.bob, slack.carol, slack.admin)
    monday = datetime(2025, 2, 24, 6, tzinfo=UTC)
    ask(session_factory, slack, TeamCommand("add", people), now=monday)
    ask(session_factory, slack, TeamCommand("plan", (), plan=True), user=slack.alice, now=monday)
    for day in range(1, 9):  # the clock recomputes 25% every morning up to this Wednesday
        with session_factory() as session, session.begin():
            workspace = session.get(Workspace, roadmap)
            team_metrics.refresh(session, workspace, monday + timedelta(days=day))
    with session_factory() as session:
        recorded = session.scalars(
            select(MetricReading.value).where(MetricReading.source == "roster")
        ).all()
    assert len(recorded) >= 8 and set(recorded) == {25}  # one reading a day, all the same
    weekly, _, weekly_text, _ = digests(session_factory, roadmap)
    assert [r.name for r in weekly.changes.readings] == []
    assert "Career development: 25% → 25%" not in weekly_text
    assert "metric change" not in weekly_text
    # One more plan changes the value: that is one change, whatever else was recorded.
    ask(session_factory, slack, TeamCommand("plan", (), plan=True), user=slack.bob)
    weekly, _, weekly_text, _ = digests(session_factory, roadmap)
    assert [(r.name, r.readings, r.before, r.after) for r in weekly.changes.readings] == [
        ("Career development", 1, 25, 50)
    ]
    assert "Career development: 25% → 50% (1 change)" in weekly_text
    ask(session_factory, slack, RecordMetric("uptime", 99.95, "%"))
    _, _, weekly_text, _ = digests(session_factory, roadmap)
    assert "System uptime: 99.95% (first reading)" in weekly_text


def test_wording_people_read(session_factory, slack, roadmap):
    from bot.blocks.checkins import goal_facts
    from bot.flows.commands import ShowGoal
    from bot.flows.goals import show_goal
    from bot.services.goals import get_goal, goal_view

    with session_factory() as session:
        g6 = goal_view(session, get_goal(session, roadmap, "G6"))
    assert "target ≥ 2 engineers" in goal_facts(g6) and "target target" not in goal_facts(g6)
    card = run(
        session_factory,
        show_goal,
        CommandCall(ShowGoal("G6")),
        team_id=slack.team_id,
        user_id=slack.admin,
        now=NOW,
    ).outcome.reply
    shown = json.dumps([b.to_dict() for b in card.blocks], ensure_ascii=False)
    assert "*Target*\\n≥ 2 engineers" in shown
    # Shares of a few people or goals read in whole percent, with the exact count beside them.
    with session_factory() as session, session.begin():
        workspace = session.get(Workspace, roadmap)
        value, note = team_metrics.measure(session, workspace, "goals", NOW)
    assert (value, note) == (0, "0 of 13 goals in Q1 2025 have a partner team")
    with session_factory() as session, session.begin():
        g1 = get_goal(session, roadmap, "G1")
        session.add(GoalPartner(workspace_id=roadmap, goal_id=g1.id, name="Design"))
    with session_factory() as session:
        workspace = session.get(Workspace, roadmap)
        value, note = team_metrics.measure(session, workspace, "goals", NOW)
    assert (value, note) == (8, "1 of 13 goals in Q1 2025 has a partner team")
    assert team_metrics.share(2, 13) == 15 and team_metrics.share(1, 8) == 13
    assert team_metrics.share(2, 7) == 29 and team_metrics.share(1, 6) == 17
