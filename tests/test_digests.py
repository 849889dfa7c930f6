"""The weekly and quarterly digests: their numbers over a known history, the forecast, the
chart, Slack's limits with a huge roadmap, posting to the fake Slack, and a fixed query count."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from slack_sdk import WebClient
from sqlalchemy import event, insert, select

from bot.blocks.digests import digest_text, quarterly_digest_messages, weekly_digest_messages
from bot.blocks.rituals import retrospective_message
from bot.scheduling.pacing import POST_GAP, Pacer
from bot.services import checkins, goals, metrics
from bot.services.actors import Actor
from bot.services.charts import metrics_chart
from bot.services.digests import MetricSeries, Target, quarterly_digest, weekly_digest
from bot.services.digests.forecast import forecast
from bot.services.digests.invariants import quarterly_violations, weekly_violations
from bot.services.retrospectives import RetroBoard
from bot.services.roadmap_import import import_roadmap
from bot.services.workspaces import ensure_workspace
from models import (
    AuditEntry,
    Category,
    Checkin,
    CheckinPrompt,
    Goal,
    GoalOwner,
    Member,
    Metric,
    MetricReading,
    Period,
    RitualOccurrence,
    Roadmap,
    Schedule,
    Workspace,
)
from tests.conftest import SAMPLE_ROADMAP

ADMIN = Actor("UADMIN001", is_slack_admin=True)
ALICE, BOB, CAROL = "UALICE001", "UBOB00001", "UCAROL001"
NOW = datetime(2025, 3, 5, 10, 0, tzinfo=UTC)  # Wednesday of 2025-W10, week 10 of Q1 2025
PNG = b"\x89PNG\r\n\x1a\n"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@contextmanager
def when(text: str) -> Iterator[datetime]:
    """Run services (and their audit entries) at a fixed moment."""
    moment = at(text)
    with time_machine.travel(moment, tick=False):
        yield moment


def reading(session, workspace, name: str, value: float, moment: str) -> None:
    with when(moment) as now:
        metrics.record_reading(
            session=session,
            workspace=workspace,
            actor=ADMIN,
            name=name,
            value=value,
            unit=None,
            at=now,
        )


def checkin(session, workspace, ref: str, moment: str, **answer) -> None:
    with when(moment) as now:
        checkins.record_checkin(
            session=session,
            workspace=workspace,
            actor=ADMIN,
            ref=ref,
            now=now,
            source="command",
            **answer,
        )


@pytest.fixture
def acme(session) -> Workspace:
    """The sample roadmap with five weeks of history up to NOW (see each step)."""
    with when("2025-02-03 09:00"):
        workspace = ensure_workspace(session=session, team_id="TACME0001", name="Acme")
        import_roadmap(session=session, workspace_id=workspace.id, text=SAMPLE_ROADMAP.read_bytes())
        for ref, people in {"G1": [ALICE], "G2": [BOB], "G3": [ALICE, BOB], "G4": [CAROL]}.items():
            goals.assign_goal(
                session=session, workspace=workspace, actor=ADMIN, ref=ref, owners=people
            )
        for ref in ("G13",):
            goals.assign_goal(
                session=session, workspace=workspace, actor=ADMIN, ref=ref, owners=[BOB]
            )
        session.add_all(
            [
                Member(workspace_id=workspace.id, user_id=ALICE, name="Alice Archer"),
                Member(workspace_id=workspace.id, user_id=BOB, name="Bob Baker"),
            ]
        )
        sharing = session.scalar(select(Schedule).where(Schedule.kind == "knowledge_sharing"))
        for day, state in ((date(2025, 2, 6), "held"), (date(2025, 3, 6), "planned")):
            session.add(
                RitualOccurrence(
                    workspace_id=workspace.id,
                    schedule_id=sharing.id,
                    kind="knowledge_sharing",
                    occurrence_date=day,
                    presenter_user_id=ALICE,
                    topic="Tracing <with> OTel",
                    state=state,
                )
            )
    reading(session, workspace, "uptime", 99.80, "2025-02-05 09:00")
    with when("2025-02-12 09:00"):
        goals.set_progress(session=session, workspace=workspace, actor=ADMIN, ref="G1", percent=20)
    reading(session, workspace, "coverage", 70, "2025-02-19 08:00")
    reading(session, workspace, "satisfaction", 4.4, "2025-02-19 08:00")
    checkin(session, workspace, "G1", "2025-02-19 12:00", status="on-track", progress=30)
    # W09, before the window (which opens 2025-02-26 10:00)
    reading(session, workspace, "coverage", 75, "2025-02-26 08:00")
    reading(session, workspace, "satisfaction", 4.3, "2025-02-26 08:00")
    reading(session, workspace, "uptime", 99.85, "2025-02-26 09:00")
    checkin(session, workspace, "G1", "2025-02-26 09:00", status="on-track", progress=40)
    checkin(session, workspace, "G3", "2025-02-26 09:00", status="at-risk", progress=10)
    with when("2025-02-26 09:30"):
        goals.set_status(
            session=session, workspace=workspace, actor=ADMIN, ref="G4", status="on-track"
        )
    # W10, inside the window
    reading(session, workspace, "uptime", 99.93, "2025-03-03 09:00")
    with when("2025-03-04 11:00"):
        goals.set_status(
            session=session,
            workspace=workspace,
            actor=ADMIN,
            ref="G2",
            status="blocked",
            reason="waiting on the DBA",
        )
        goals.set_status(session=session, workspace=workspace, actor=ADMIN, ref="G9", status="done")
        goals.set_status(
            session=session, workspace=workspace, actor=ADMIN, ref="G4", status="off-track"
        )
        goals.add_goal(
            session=session,
            workspace=workspace,
            actor=ADMIN,
            now=at("2025-03-04 11:00"),
            title="Adopt OpenTelemetry",
            owners=[BOB],
        )
    checkin(session, workspace, "G1", "2025-03-04 12:00", status="on-track", progress=60)
    checkin(
        session,
        workspace,
        "G3",
        "2025-03-04 12:00",
        status="at-risk",
        progress=35,
        note="budget approved next week",
    )
    reading(session, workspace, "coverage", 80, "2025-03-05 08:00")
    reading(session, workspace, "satisfaction", 4.2, "2025-03-05 08:00")
    session.commit()
    return workspace


# --- weekly -----------------------------------------------------------------------------------


def test_weekly_where_we_are(session, acme):
    d = weekly_digest(session=session, workspace=acme, now=NOW)
    o = d.overview
    assert (o.period, o.week, o.weeks) == ("Q1 2025", 10, 13)
    assert (o.goals, o.done, o.progress) == (14, 1, 14)  # (60 + 35 + 100) / 14
    assert o.by_status == {
        "not-started": 9,
        "on-track": 1,
        "at-risk": 1,
        "off-track": 1,
        "blocked": 1,
        "done": 1,
    }
    assert [(c.name, c.goals, c.done, c.progress) for c in o.categories] == [
        ("Technical Objectives", 6, 0, 16),
        ("Team Development", 3, 0, 0),
        ("Process Improvements", 5, 1, 20),
    ]
    c = d.checkins
    assert (c.cycle, c.checked_in, c.total, c.active) == ("2025-W10", 2, 13, True)
    assert c.missing_people == (BOB, CAROL)
    assert "G9" not in [g.ref for g in c.missing]  # done and not answered: not expected


def test_weekly_changes_since_last_week(session, acme):
    ch = weekly_digest(session=session, workspace=acme, now=NOW).changes
    assert ch.since == at("2025-02-26 10:00")
    assert [g.ref for g in ch.completed] == ["G9"]
    assert [(s.goal.ref, s.before, s.after) for s in ch.status_changes] == [
        ("G2", None, "blocked"),
        ("G4", "on-track", "off-track"),
    ]
    assert [(m.goal.ref, m.before, m.after) for m in ch.progress_moves] == [
        ("G1", 40, 60),
        ("G3", 10, 35),
    ]
    assert [(g.ref, g.title, g.owners) for g in ch.new_goals] == [
        ("G37", "Adopt OpenTelemetry", (BOB,))
    ]
    assert [(r.key, r.readings, r.before, r.after) for r in ch.readings] == [
        ("uptime", 1, 99.85, 99.93),
        ("code-coverage", 1, 75, 80),
        ("employee-satisfaction", 1, 4.3, 4.2),
    ]
    assert ch.checkins == 2
    wider = weekly_digest(session=session, workspace=acme, now=NOW, since=at("2025-02-01 00:00"))
    assert [m.goal.ref for m in wider.changes.progress_moves] == ["G1", "G3"]
    assert wider.changes.readings[1].readings == 3


def test_weekly_needs_attention(session, acme):
    digest = weekly_digest(session=session, workspace=acme, now=NOW)
    a = digest.attention
    # Weeks as people name them, not ISO codes.
    assert "No check-in in the weeks of 24 Feb and 3 Mar (10)" in digest_text(digest)
    assert [(g.ref, g.status, g.owners, g.note) for g in a.goals] == [
        ("G2", "blocked", (BOB,), "waiting on the DBA"),
        ("G4", "off-track", (CAROL,), None),
        ("G3", "at-risk", (ALICE, BOB), "budget approved next week"),
    ]
    assert a.cycles == ("2025-W09", "2025-W10")
    # Open, older than W09 and unanswered in W09 and W10; G37 is too new, G9 is done.
    assert [g.ref for g in a.silent] == [
        "G2",
        "G4",
        "G5",
        "G6",
        "G7",
        "G8",
        "G10",
        "G11",
        "G12",
        "G13",
    ]


def test_weekly_metrics_and_forecasts(session, acme):
    views = {m.key: m for m in weekly_digest(session=session, workspace=acme, now=NOW).metrics}
    coverage = views["code-coverage"]
    assert (coverage.latest, coverage.week_ago, coverage.change) == (80, 75, 5)
    assert (coverage.on_target, coverage.milestone, coverage.target.text) == (False, None, "> 85%")
    f = coverage.forecast
    # 70, 75, 80 a week apart at 08:00: +5 a week, so 85 a week after the last reading.
    assert (f.state, f.on, f.after_period, f.slope_per_week) == (
        "reaches",
        date(2025, 3, 12),
        False,
        5,
    )
    uptime = views["uptime"]
    assert uptime.milestone == Target(99.9, ">=", "%") and uptime.on_target is True
    assert (uptime.forecast.state, uptime.forecast.goal_kind) == ("reaches", "target")
    assert views["employee-satisfaction"].forecast.state == "away"
    assert views["api-response-time"].latest is None and views["api-response-time"].forecast is None


def test_weekly_coming_up(session, acme):
    up = weekly_digest(session=session, workspace=acme, now=NOW).coming_up
    assert (up.knowledge_sharing.on, up.knowledge_sharing.presenter) == (date(2025, 3, 6), ALICE)
    # A prepared session (its presenter known) keeps its time, like one not yet prepared.
    assert up.knowledge_sharing.at is not None and up.knowledge_sharing.at.date() == date(
        2025, 3, 6
    )
    # Not a rule ("last friday of the quarter 14:00"): the date it gives after NOW.
    assert (up.retrospective.on, up.retrospective.at) == (date(2025, 3, 28), at("2025-03-28 14:00"))


def test_weekly_rendering(session, acme):
    d = weekly_digest(session=session, workspace=acme, now=NOW)
    summary, details = weekly_digest_messages(d)
    assert len(summary.blocks) <= 8
    top = str(summary.to_dict())
    assert "week 10 of 13" in top and "(2 of 13 goals)" in top
    assert "Check-ins, week of 3 March" in top and " people (" in top
    assert "Needs attention (3)" in top and "<@" not in top and "Bob Baker" in top
    assert "`UCAROL001`" in top  # no name known, mentions off: the id, not a ping
    thread = " ".join(str(m.to_dict()) for m in details)
    assert "at this rate reaches 85% around 12 Mar" in thread
    assert "Tracing &lt;with&gt; OTel" in thread and "*Retrospective* Fri 28 Mar 14:00" in thread
    assert "40% → 60% (+20)" in thread and "on-track → off-track" in thread
    text = digest_text(d)
    assert text.startswith("Roadmap weekly · Q1 2025 · week 10 of 13")
    assert "Tracing <with> OTel" in text and "*" not in text
    acme.settings = {"mentions": "on"}
    mentioned = weekly_digest_messages(weekly_digest(session=session, workspace=acme, now=NOW))
    assert f"<@{BOB}>" in str(mentioned[0].to_dict())


def test_user_text_is_escaped(session, acme):
    with when("2025-03-04 13:00") as now:
        view = goals.add_goal(
            session=session, workspace=acme, actor=ADMIN, now=now, title="Stop <!channel> & co"
        )
        goals.set_status(
            session=session,
            workspace=acme,
            actor=ADMIN,
            ref=view.ref,
            status="blocked",
            reason="<@U999> said so",
        )
    summary, details = weekly_digest_messages(
        weekly_digest(session=session, workspace=acme, now=NOW)
    )
    everything = str(summary.to_dict()) + str([m.to_dict() for m in details])
    assert "Stop &lt;!channel&gt; &amp; co" in everything and "<!channel>" not in everything
    assert "&lt;@U999&gt; said so" in everything


def test_empty_cases(session):
    with when("2025-02-03 09:00") as now:
        bare = ensure_workspace(session=session, team_id="TBARE0001", name="Bare")
        d = weekly_digest(session=session, workspace=bare, now=now)
        assert d.overview.period is None and weekly_digest_messages(d)[1] == []
        assert "No roadmap yet" in digest_text(d)
        assert (
            quarterly_digest(session=session, workspace=bare, period_label=None, now=now).period
            is None
        )
        fresh = ensure_workspace(session=session, team_id="TFRESH001", name="Fresh")
        import_roadmap(session=session, workspace_id=fresh.id, text=SAMPLE_ROADMAP.read_bytes())
        d = weekly_digest(session=session, workspace=fresh, now=now)
    assert (d.checkins.active, d.attention.silent, d.changes.completed) == (False, [], [])
    assert all(m.latest is None and m.forecast is None for m in d.metrics)
    text = digest_text(d)
    assert "No check-ins yet" in text and "No readings yet: System uptime" in text
    assert "No changes." in text and "No changes since" not in text  # the title says when
    roadmap_id = session.scalar(select(Roadmap.id).where(Roadmap.workspace_id == fresh.id))
    session.add(
        Period(
            workspace_id=fresh.id,
            roadmap_id=roadmap_id,
            label="Q1 2026",
            start_date=date(2026, 1, 1),
            end_date=date(2026, 3, 31),
            position=9,
        )
    )
    session.flush()
    later = at("2026-02-02 09:00")
    d = weekly_digest(session=session, workspace=fresh, now=later)
    assert (d.overview.period, d.overview.goals, d.overview.week) == ("Q1 2026", 0, 5)
    assert "No goals in Q1 2026 yet" in str(weekly_digest_messages(d)[0].to_dict())
    q = quarterly_digest(session=session, workspace=fresh, period_label="Q1 2026", now=later)
    assert (q.goals, q.rate, q.achieved, q.missed, q.series) == (0, 0, [], [], [])
    assert q.previous.label == "Q3-Q4 2025" and "Q1 2026 had no goals" in digest_text(q)


# --- forecast ---------------------------------------------------------------------------------


def series(*values: float, start: str = "2025-02-19 08:00", every: int = 7):
    return [(at(start) + timedelta(days=every * i), v) for i, v in enumerate(values)]


def test_forecast_rules():
    above = Target(85, ">", "%")
    f = forecast(series(70, 75, 80), above, "target", now=NOW, period_end=date(2025, 3, 31))
    assert (f.state, f.on, f.after_period) == ("reaches", date(2025, 3, 12), False)
    late = forecast(series(70, 71, 72), above, "target", now=NOW, period_end=date(2025, 3, 31))
    assert late.on == date(2025, 2, 19) + timedelta(days=15 * 7) and late.after_period
    assert forecast(series(80, 75, 70), above, "target", now=NOW, period_end=None).state == "away"
    assert forecast(series(80, 80, 80), above, "target", now=NOW, period_end=None).state == "flat"
    assert forecast(series(80, 86, 90), above, "target", now=NOW, period_end=None).state == "met"
    below = Target(200, "<", "ms")
    falling = forecast(series(260, 240, 220), below, "target", now=NOW, period_end=None)
    assert (falling.state, falling.on) == ("reaches", date(2025, 3, 12))
    assert forecast(series(70, 75), above, "target", now=NOW, period_end=None) is None
    assert forecast(series(70, 75, 80, every=3), above, "target", now=NOW, period_end=None) is None
    # Readings months old say nothing about where the metric is heading now.
    months_later = NOW + timedelta(days=240)
    assert forecast(series(70, 75, 80), above, "target", now=months_later, period_end=None) is None


def test_forecast_of_a_constant_share_with_float_noise_is_flat():
    """A daily recomputed share (2 of 13 goals, stored as 15.3846) that never changes fits a
    slope of ~5e-32, not 0: the crossing is far past the horizon, so the forecast is flat
    rather than an OverflowError that kills the weekly digest (these are the real readings
    of a console quarter)."""
    times = ["2025-01-06 08:00:01.074914", "2025-01-07 05:00", "2025-01-08 05:00"]
    times += ["2025-01-09 05:00", "2025-01-10 05:00", "2025-01-13 00:00", "2025-01-14 10:00"]
    times += ["2025-01-15 05:00", "2025-01-16 05:00", "2025-01-17 05:00", "2025-02-03 00:00"]
    times += ["2025-02-04 05:00", "2025-02-05 05:00", "2025-02-06 05:00", "2025-02-07 05:00"]
    points = [(datetime.fromisoformat(t).replace(tzinfo=UTC), 15.3846) for t in times]
    now = datetime(2025, 2, 7, 14, tzinfo=UTC)
    f = forecast(points, Target(50, ">=", "%"), "target", now=now, period_end=None)
    assert f.state == "flat"


# --- quarterly --------------------------------------------------------------------------------


@pytest.fixture
def quarter_ended(session, acme) -> Workspace:
    """Acme after Q1: G1 done, more readings, and two missed goals carried into Q2."""
    with when("2025-03-20 09:00"):
        goals.set_status(session=session, workspace=acme, actor=ADMIN, ref="G1", status="done")
    reading(session, acme, "coverage", 86, "2025-03-25 09:00")
    reading(session, acme, "uptime", 99.95, "2025-03-28 09:00")
    reading(session, acme, "uptime", 99.5, "2025-04-02 09:00")  # after the period: not counted
    with when("2025-04-01 09:00") as now:
        goals.add_goal(
            session=session,
            workspace=acme,
            actor=ADMIN,
            now=now,
            period="Q2 2025",
            title="set up  automated testing framework",
        )
        session.add(
            AuditEntry(
                workspace_id=acme.id,
                actor=ADMIN.user_id,
                action="goal.carry",
                target="G13",
                details={"to": "G40"},
            )
        )
        session.flush()
    session.commit()
    return acme


def test_quarterly_digest_of_the_last_period(session, quarter_ended):
    d = quarterly_digest(
        session=session, workspace=quarter_ended, period_label=None, now=at("2025-04-07 10:00")
    )
    assert (d.period, d.ended, d.goals, d.done, round(d.rate, 3)) == ("Q1 2025", True, 14, 2, 0.143)
    assert [(c.name, c.done, c.goals) for c in d.categories] == [
        ("Technical Objectives", 1, 6),
        ("Team Development", 0, 3),
        ("Process Improvements", 1, 5),
    ]
    assert [g.ref for g in d.achieved] == ["G1", "G9"]
    carried = {m.goal.ref: m.carried_to for m in d.missed if m.carried_to}
    assert carried == {"G12": "G38", "G13": "G40"} and d.carried == 2 and len(d.missed) == 12
    outcomes = {m.key: m for m in d.metrics}
    uptime = outcomes["uptime"]
    assert (uptime.value, uptime.met_milestone, uptime.met_target) == (99.95, True, False)
    assert (outcomes["code-coverage"].value, outcomes["code-coverage"].met_target) == (86, True)
    assert d.previous is None and d.next_period == "Q2 2025"
    charted = {s.key: s for s in d.series}
    assert [v for _, v in charted["uptime"].points] == [99.8, 99.85, 99.93, 99.95]
    assert (charted["uptime"].target, charted["uptime"].milestone) == (99.99, 99.9)
    summary, details = quarterly_digest_messages(d)
    assert len(summary.blocks) <= 8 and "2 of 14 goals done (14%)" in str(summary.to_dict())
    assert "carried over (G38)" in str([m.to_dict() for m in details])
    assert "99.95% on 28 Mar · Q1 2025 milestone ≥ 99.9% ✓ · final ≥ 99.99% ✗" in digest_text(d)


def test_quarterly_compares_with_the_previous_period(session, quarter_ended):
    d = quarterly_digest(
        session=session, workspace=quarter_ended, period_label="Q2 2025", now=at("2025-04-07 10:00")
    )
    assert (d.period, d.ended, d.goals, d.done) == ("Q2 2025", False, 12, 0)
    assert (d.previous.label, d.previous.goals, d.previous.done) == ("Q1 2025", 14, 2)
    assert "down from 14% in Q1 2025" in digest_text(d)
    current = quarterly_digest(session=session, workspace=quarter_ended, period_label=None, now=NOW)
    assert current.period == "Q1 2025" and not current.ended  # nothing ended yet: the current one


def test_chart_is_a_real_png():
    points = tuple((at("2025-01-06 09:00") + timedelta(days=7 * i), 70.0 + i) for i in range(10))
    many = [
        MetricSeries(f"m{i}", f"Metric {i}", "%", points, target=85, milestone=80)
        for i in range(12)
    ]
    quarter = (date(2025, 1, 1), date(2025, 3, 31))
    for chosen, span in ((many[:1], None), (many, quarter), ([], None)):
        png = metrics_chart(chosen, title="Q1 2025", span=span)
        assert png[:8] == PNG and png[12:16] == b"IHDR"
        assert struct.unpack(">II", png[16:24]) == (1200, 675)


# --- a big roadmap, built with bulk inserts ---------------------------------------------------

STATUSES = ("on-track", "at-risk", "off-track", "blocked", "done", "not-started")


def bulk_workspace(session, team_id: str, size: int, *, statuses=STATUSES, long=False) -> Workspace:
    """A workspace with `size` Q1 goals (a tenth as many in Q4 and Q2), owners, two cycles of
    check-ins, prompts, readings, audit entries, members, schedules and sessions."""
    ws = Workspace(team_id=team_id, name=team_id, timezone="UTC", settings={}, admin_user_ids=[])
    session.add(ws)
    session.flush()
    roadmap = Roadmap(workspace_id=ws.id, name="Big")
    session.add(roadmap)
    session.flush()
    periods = [
        Period(
            workspace_id=ws.id,
            roadmap_id=roadmap.id,
            label=label,
            start_date=start,
            end_date=end,
            position=i,
        )
        for i, (label, start, end) in enumerate(
            [
                ("Q4 2024", date(2024, 10, 1), date(2024, 12, 31)),
                ("Q1 2025", date(2025, 1, 1), date(2025, 3, 31)),
                ("Q2 2025", date(2025, 4, 1), date(2025, 6, 30)),
            ]
        )
    ]
    categories = [
        Category(workspace_id=ws.id, roadmap_id=roadmap.id, name=f"C{i}", position=i)
        for i in range(3)
    ]
    found = [
        Metric(
            workspace_id=ws.id,
            key=key,
            name=key.title(),
            target=target,
            comparator=cmp,
            unit=unit,
            text=f"{cmp}{target}{unit}",
            aliases=[],
            position=i,
        )
        for i, (key, target, cmp, unit) in enumerate(
            [
                ("coverage", 85.0, ">", "%"),
                ("uptime", 99.9, ">=", "%"),
                ("latency", 200.0, "<", "ms"),
            ]
        )
    ]
    session.add_all([*periods, *categories, *found])
    session.flush()
    created = at("2025-01-02 09:00")
    title = ("Make <b> & ship " * 20) if long else "Goal"
    rows = []
    for i in range(size + 2 * (size // 10)):
        period = periods[1] if i < size else periods[0 if i % 2 else 2]
        metric = found[i % 3].id if i < 3 else None
        rows.append(
            dict(
                workspace_id=ws.id,
                number=i + 1,
                roadmap_id=roadmap.id,
                period_id=period.id,
                category_id=categories[i % 3].id,
                title=f"{title} {i}",
                normalized_title=f"goal {i}",
                status=statuses[i % len(statuses)],
                progress=(i * 7) % 100,
                position=i,
                status_note=("a note " * 60) if long and i % 2 else None,
                archived=False,
                metric_id=metric,
                target_value=90.0 if metric else None,
                target_comparator=">" if metric else None,
                target_kind="absolute" if metric else None,
                created_at=created,
                updated_at=created,
            )
        )
    session.execute(insert(Goal), rows)
    ids = dict(
        session.execute(select(Goal.number, Goal.id).where(Goal.workspace_id == ws.id)).all()
    )
    owners = [
        dict(workspace_id=ws.id, goal_id=ids[n], owner=f"U{n % 20:08d}", position=0) for n in ids
    ]
    session.execute(insert(GoalOwner), owners)
    session.execute(
        insert(Member),
        [dict(workspace_id=ws.id, user_id=f"U{n:08d}", name=f"P{n}") for n in range(20)],
    )
    answers = [
        dict(
            workspace_id=ws.id,
            goal_id=ids[n],
            cycle=cycle,
            user_id="U00000001",
            status="on-track",
            progress=50,
            note="fine",
            source="command",
            created_at=moment,
            updated_at=moment,
        )
        for n in list(ids)[:size]
        for cycle, moment in (
            ("2025-W09", at("2025-02-25 09:00")),
            ("2025-W10", at("2025-03-04 09:00")),
        )
        if n % 3
    ]
    session.execute(insert(Checkin), answers)
    session.execute(
        insert(CheckinPrompt),
        [
            dict(workspace_id=ws.id, goal_id=ids[n], cycle="2025-W10", recipient="U00000001")
            for n in list(ids)[:size]
        ],
    )
    readings = [
        dict(
            workspace_id=ws.id,
            metric_id=m.id,
            value=50.0 + k % 40,
            source="api",
            recorded_at=at("2025-01-03 09:00") + timedelta(minutes=k * 60 * 24 * 60 // size),
        )
        for m in found
        for k in range(size)
    ]
    session.execute(insert(MetricReading), readings)
    audit = [
        dict(
            workspace_id=ws.id,
            actor="U1",
            action=action,
            target=f"G{n}",
            details=details,
            at=moment,
        )
        for n in list(ids)[:size]
        for action, details, moment in (
            ("goal.status", {"status": "on-track"}, at("2025-02-20 09:00")),
            ("goal.progress", {"progress": 10}, at("2025-02-21 09:00")),
            (
                "checkin",
                {"cycle": "2025-W10", "status": "at-risk", "progress": 40},
                at("2025-03-04 09:00"),
            ),
            ("goal.status", {"status": statuses[n % len(statuses)]}, at("2025-03-04 10:00")),
        )
    ]
    session.execute(insert(AuditEntry), audit)
    schedules = [
        Schedule(workspace_id=ws.id, kind=k, rule=f"{k} rule", options={})
        for k in ("knowledge_sharing", "retrospective")
    ]
    session.add_all(schedules)
    session.flush()
    session.add_all(
        [
            RitualOccurrence(
                workspace_id=ws.id,
                schedule_id=s.id,
                kind=s.kind,
                occurrence_date=date(2025, 3, 6 + i),
                topic="t",
            )
            for i, s in enumerate(schedules)
        ]
    )
    session.commit()
    return ws


@contextmanager
def counting(engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_digest_cost_does_not_grow_with_the_roadmap(session):
    small = bulk_workspace(session, "TSMALL001", 10)
    large = bulk_workspace(session, "TLARGE001", 1000)
    counts = {}
    for ws in (small, large):
        session.commit()  # each measurement starts its own transaction
        with counting(session.get_bind()) as weekly:
            d = weekly_digest(session=session, workspace=ws, now=NOW)
        session.commit()
        with counting(session.get_bind()) as quarterly:
            q = quarterly_digest(session=session, workspace=ws, period_label="Q1 2025", now=NOW)
        counts[ws.team_id] = (len(weekly), len(quarterly))
        size = 10 if ws is small else 1000
        assert d.overview.goals == q.goals == size
        assert len(d.changes.status_changes) + len(d.changes.completed) > 0
        assert q.previous.goals == size // 10 and all(m.value is not None for m in q.metrics)
    assert counts["TSMALL001"] == counts["TLARGE001"], counts
    # Weekly: the previous digest's date, the lookups (periods, categories, names), goals,
    # audit log, answers, metrics, readings and rituals. Quarterly: lookups, goals, later
    # changes, carries, metrics, and three of readings. SQLite's BEGIN counts as one more.
    begin = 1 if session.get_bind().dialect.name == "sqlite" else 0
    assert counts["TLARGE001"] == (8 + begin, 8 + begin), counts


def test_rendering_stays_within_slack_limits(session):
    ws = bulk_workspace(session, "THUGE0001", 1000, statuses=("at-risk",), long=True)
    weekly = weekly_digest(session=session, workspace=ws, now=NOW)
    quarterly = quarterly_digest(session=session, workspace=ws, period_label="Q1 2025", now=NOW)
    assert len(weekly.attention.goals) == 1000
    for summary, details in (weekly_digest_messages(weekly), quarterly_digest_messages(quarterly)):
        assert len(summary.blocks) <= 8
        for message in (summary, *details):
            payload = message.to_dict()  # slack_sdk validates each block's limits here
            assert len(payload["blocks"]) <= 50
            for block in payload["blocks"]:
                assert len(block.get("text", {}).get("text", "")) <= 3000
                assert len(block.get("fields", [])) <= 10
    everything = str([m.to_dict() for m in weekly_digest_messages(weekly)[1]])
    assert "…and 985 more at-risk: /roadmap list at-risk" in everything
    assert "<b>" not in everything and "&lt;b&gt; &amp; ship" in everything
    assert "…and 997 more at-risk: /roadmap list at-risk" in str(
        weekly_digest_messages(weekly)[0].to_dict()
    )


# --- posting ----------------------------------------------------------------------------------


class PacingClock:
    """A clock that moves only when the pacer sleeps."""

    def __init__(self):
        self.now, self.slept = 0.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def client(slack) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.fake.api_url)


def test_post_weekly_digest(session_factory, session, acme, slack, client):
    from bot.kinds.weekly_digest import post_weekly_digest

    clock = PacingClock()
    posted = post_weekly_digest(
        session_factory=session_factory,
        client=client,
        workspace_id=acme.id,
        channel_id=slack.channel,
        now=NOW,
        pacer=Pacer(per_workspace=0, clock=clock, sleep=clock.sleep),
    )
    messages = slack.fake.messages(slack.channel)
    (summary,) = [m for m in messages if m["ts"] == posted.ts]
    assert "week 10 of 13" in summary["text"] and posted.channel == slack.channel
    replies = [m for m in messages if m.get("thread_ts") == posted.ts and m["ts"] != posted.ts]
    assert len(replies) == posted.thread_count == 5 and posted.failed == ()
    assert clock.slept == [POST_GAP] * 5  # one post a second in the channel


def test_post_quarterly_digest_uploads_the_chart(session_factory, quarter_ended, slack, client):
    from bot.kinds.quarterly_digest import post_quarterly_digest

    posted = post_quarterly_digest(
        session_factory=session_factory,
        client=client,
        workspace_id=quarter_ended.id,
        channel_id=slack.channel,
        now=at("2025-04-07 10:00"),
        pacer=Pacer(per_channel=0, per_workspace=0),
    )
    assert slack.fake.calls_to("files.getUploadURLExternal")
    assert slack.fake.calls_to("files.completeUploadExternal")
    stored = {f["name"]: f for f in slack.fake.files.values()}
    assert set(stored) == {"roadmap-q1-2025-goals.png", "roadmap-q1-2025-metrics.png"}
    for file in stored.values():
        assert file["content"][:8] == PNG and file["thread_ts"] == posted.ts
        assert struct.unpack(">II", file["content"][16:24]) == (1200, 675)
    replies = [m for m in slack.fake.messages(slack.channel) if m.get("thread_ts") == posted.ts]
    assert posted.thread_count == 5 and len(replies) == 1 + 5  # the summary is its own parent


def test_changes_run_since_the_previous_digest(session, acme):
    from models import Delivery

    schedule = session.scalar(
        select(Schedule).where(Schedule.workspace_id == acme.id, Schedule.kind == "weekly_digest")
    )
    for due, state in (("2025-02-21 15:00", "sent"), ("2025-02-28 15:00", "sent")):
        session.add(
            Delivery(
                workspace_id=acme.id,
                schedule_id=schedule.id,
                occurrence_key=due,
                due_at=at(due),
                state=state,
            )
        )
    session.flush()
    d = weekly_digest(session=session, workspace=acme, now=NOW)
    assert d.changes.since == at("2025-02-28 15:00")
    assert "Since 28 Feb" in str(weekly_digest_messages(d)[0].to_dict())
    # A digest more than five weeks after the last one looks back one week.
    later = weekly_digest(session=session, workspace=acme, now=at("2025-04-10 10:00"))
    assert later.changes.since == at("2025-04-03 10:00")


def test_first_week_of_a_new_period_is_about_its_own_goals(session, quarter_ended):
    """Q2's first digest: last week's answers (to Q1's goals) and Q1's changes are not Q2's
    numbers. Every count and list is about Q2's goals; last week was not Q2's cycle."""
    for ref in ("G2", "G3", "G4", "G5"):
        checkin(session, quarter_ended, ref, "2025-03-26 09:00", status="blocked", progress=10)
    with when("2025-03-27 09:00"):
        goals.set_status(
            session=session, workspace=quarter_ended, actor=ADMIN, ref="G6", status="off-track"
        )
    session.commit()
    d = weekly_digest(session=session, workspace=quarter_ended, now=at("2025-04-01 10:00"))
    assert d.overview.period == "Q2 2025"
    assert not weekly_violations(d)
    assert d.changes.checkins == 0 and d.attention.goals == [] and d.attention.silent == []
    assert not d.checkins.active
    listed = [*d.changes.completed, *d.changes.new_goals, *d.checkins.missing]
    assert {g.period for g in listed} <= {"Q2 2025"}
    summary = str(weekly_digest_messages(d)[0].to_dict())
    assert "No check-ins yet" in summary and "check-ins" not in summary.replace("No check", "")


def test_a_goal_at_100_percent_not_marked_done_is_shown_apart(session, quarter_ended):
    """The status is the record (not counted done), but a finished goal nobody closed is not
    an ordinary miss: its own words in the summary, the list and the retrospective."""
    checkin(session, quarter_ended, "G5", "2025-03-26 09:00", status="on-track", progress=100)
    session.commit()
    d = quarterly_digest(
        session=session, workspace=quarter_ended, period_label=None, now=at("2025-04-07 10:00")
    )
    assert (d.done, len(d.missed)) == (2, 12) and not quarterly_violations(d)
    assert [m.goal.ref for m in d.missed if m.unmarked] == ["G5"] == [d.missed[0].goal.ref]
    summary, _ = quarterly_digest_messages(d)
    assert "12 not done (1 at 100% but not marked done), 2 carried over" in str(summary.to_dict())
    text = digest_text(d)
    assert "G5" in text and "100% — not marked done: /roadmap done G5" in text
    board = RetroBoard(1, "Q1 2025", None, "UTC", d)
    said = str(retrospective_message(board, at("2025-03-28 14:00"), None).to_dict())
    assert "100% — not marked done: /roadmap done G5" in said
