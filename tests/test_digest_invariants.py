"""One truth per digest: the rules of bot.services.digests.invariants and
bot.blocks.digests.invariants hold over generated team histories (goals added and changed at
random times, check-ins, readings of metrics with every kind of target, rituals), for digests
built as of a random instant (before, inside, between and after the periods).

500 histories on SQLite (each one gives a weekly and a quarterly digest), 15 on
PostgreSQL (set TEST_DATABASE_URL). Histories are bulk-inserted in one transaction and
rolled back, so each costs a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from bot.blocks.digests.invariants import message_violations
from bot.services.checkins import cycle_of
from bot.services.digests import quarterly_digest, weekly_digest
from bot.services.digests.invariants import quarterly_violations, weekly_violations
from models import (
    AuditEntry,
    Category,
    Checkin,
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

SQLITE_HISTORIES = 500
POSTGRES_HISTORIES = 15
START = datetime(2024, 10, 1, tzinfo=UTC)
SPAN_DAYS = 300  # 1 Oct 2024 to late July 2025: before, inside, between and after the periods
PERIODS = (
    ("Q4 2024", date(2024, 10, 1), date(2024, 12, 31)),
    ("Q1 2025", date(2025, 1, 1), date(2025, 3, 31)),
    ("Q2 2025", date(2025, 4, 14), date(2025, 6, 30)),  # a gap of two weeks before it
)
PEOPLE = ("UALICE001", "UBOB00001", "UCAROL001")
NAMES = {"UALICE001": "Alice Archer", "UBOB00001": "Bob Baker"}  # Carol has no known name
STATUSES = ("not-started", "on-track", "at-risk", "off-track", "blocked", "done")
# (name, comparator, target, unit, cadence, plausible low, plausible high)
METRICS = (
    ("Code coverage", ">", 85.0, "%", None, 60.0, 95.0),
    ("API response time", "<", 200.0, "ms", None, 120.0, 300.0),
    ("System uptime", ">=", 99.9, "%", None, 99.5, 100.0),
    ("Mean time to recovery", "<", 1.0, "hours", None, 0.2, 3.0),
    ("Employee satisfaction", ">", 4.5, "/5", None, 3.0, 5.0),
    ("Deployment frequency", None, None, None, "daily", 0.0, 3.0),
    ("Knowledge sharing sessions", None, None, None, "monthly", 1.0, 1.0),
    ("Error budget", "=", 0.0, None, None, -2.0, 2.0),
)
_teams = count()


def instant(offset_hours: int) -> datetime:
    return START + timedelta(hours=offset_hours)


hours = st.integers(min_value=0, max_value=SPAN_DAYS * 24)


@dataclass
class GoalHistory:
    period: int
    category: int
    owners: list[str]
    added_at: int | None  # hours after START; None: imported before everything
    events: list[tuple[int, str, str | None, int | None]]  # (hours, action, status, progress)
    milestone_of: int | None = None  # a metric index: an absolute target for it


@dataclass
class History:
    timezone: str
    categories: int
    goals: list[GoalHistory]
    metrics: list[tuple[int, int | None, list[tuple[int, float]]]]  # (template, milestone, pts)
    rituals: list[tuple[str, bool, list[tuple[int, str, str | None]]]]
    as_of: int
    since: int | None
    mentions: bool = False
    images: bool = False
    readings_offsets: list[int] = field(default_factory=list)


@st.composite
def goal_history(draw, categories: int, metrics: int) -> GoalHistory:
    events = draw(
        st.lists(
            st.tuples(
                hours,
                st.sampled_from(("goal.status", "goal.progress", "checkin")),
                st.sampled_from(STATUSES),
                st.integers(min_value=0, max_value=100),
            ),
            max_size=4,
        )
    )
    events = sorted(
        (at, action, None if action == "goal.progress" else status, progress)
        for at, action, status, progress in events
    )
    return GoalHistory(
        period=draw(st.integers(min_value=0, max_value=len(PERIODS) - 1)),
        category=draw(st.integers(min_value=0, max_value=categories - 1)),
        owners=draw(st.lists(st.sampled_from(PEOPLE), max_size=2, unique=True)),
        added_at=draw(st.none() | hours),
        events=events,
        milestone_of=draw(st.none() | st.integers(min_value=0, max_value=metrics - 1))
        if metrics
        else None,
    )


@st.composite
def histories(draw) -> History:
    categories = draw(st.integers(min_value=1, max_value=3))
    templates = draw(st.lists(st.integers(0, len(METRICS) - 1), max_size=4, unique=True))
    metrics = []
    for template in templates:
        _, _, _, _, _, low, high = METRICS[template]
        values = st.floats(min_value=low, max_value=high, allow_nan=False).map(
            lambda v: round(v, 2)
        )
        points = draw(st.lists(st.tuples(hours, values), max_size=10))
        metrics.append((template, None, sorted(points)))
    goals = draw(st.lists(goal_history(categories, len(metrics)), max_size=10))
    rituals = []
    for kind, rule in (
        ("knowledge_sharing", "first thursday of the month 15:00"),
        ("retrospective", "last friday of the quarter 14:00"),
    ):
        if draw(st.booleans()):
            occurrences = draw(
                st.lists(
                    st.tuples(
                        hours,
                        st.sampled_from(("planned", "held", "skipped")),
                        st.none() | st.sampled_from(PEOPLE),
                    ),
                    max_size=3,
                )
            )
            rituals.append((kind, draw(st.booleans()), occurrences, rule))
    return History(
        timezone=draw(st.sampled_from(("UTC", "Europe/Berlin", "America/Los_Angeles"))),
        categories=categories,
        goals=goals,
        metrics=metrics,
        rituals=rituals,
        as_of=draw(hours),
        since=draw(st.none() | st.integers(min_value=1, max_value=24 * 30)),
        mentions=draw(st.booleans()),
        images=draw(st.booleans()),
    )


def build(session, h: History) -> Workspace:
    """The history as rows, in one transaction."""
    settings_ = {
        "mentions": "on" if h.mentions else "off",
        "digest_images": "on" if h.images else "off",
    }
    ws = Workspace(
        team_id=f"TGEN{next(_teams):06d}",
        name="Generated",
        timezone=h.timezone,
        settings=settings_,
        admin_user_ids=[],
    )
    session.add(ws)
    session.flush()
    roadmap = Roadmap(workspace_id=ws.id, name="Generated")
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
        for i, (label, start, end) in enumerate(PERIODS)
    ]
    categories = [
        Category(workspace_id=ws.id, roadmap_id=roadmap.id, name=f"Area {i + 1}", position=i)
        for i in range(h.categories)
    ]
    metrics = []
    for i, (template, _, _) in enumerate(h.metrics):
        name, comparator, target, unit, cadence, _, _ = METRICS[template]
        text = cadence.title() if cadence else f"{comparator}{target:g}{unit or ''}"
        metrics.append(
            Metric(
                workspace_id=ws.id,
                key=name.lower().replace(" ", "-"),
                name=name,
                aliases=[],
                text=text,
                target=target,
                comparator=comparator,
                unit=unit,
                cadence=cadence,
                position=i,
            )
        )
    session.add_all([*periods, *categories, *metrics])
    session.add_all(
        Member(workspace_id=ws.id, user_id=user, name=name) for user, name in NAMES.items()
    )
    session.flush()
    goal_rows, audit, answers = [], [], []
    for number, g in enumerate(h.goals, start=1):
        status, progress, note = "not-started", 0, None
        for _, action, new_status, new_progress in g.events:
            if action != "goal.progress":
                status = new_status
            if action != "goal.status":
                progress = new_progress
            if action == "goal.status":
                note = "because" if new_status in ("blocked", "at-risk") else None
        metric = metrics[g.milestone_of] if g.milestone_of is not None else None
        created = instant(g.added_at) if g.added_at is not None else START - timedelta(days=30)
        goal_rows.append(
            dict(
                workspace_id=ws.id,
                number=number,
                roadmap_id=roadmap.id,
                period_id=periods[g.period].id,
                category_id=categories[g.category].id,
                title=f"Goal <{number}> & co",
                normalized_title=f"goal {number}",
                status=status,
                status_note=note,
                progress=progress,
                position=number,
                archived=False,
                metric_id=metric.id if metric is not None and metric.comparator else None,
                target_value=(metric.target or 0) * 0.98 if metric is not None else None,
                target_comparator=metric.comparator if metric is not None else None,
                target_kind="absolute" if metric is not None else None,
                created_at=created,
                updated_at=created,
            )
        )
        if g.added_at is not None:
            audit.append(
                dict(
                    workspace_id=ws.id,
                    actor="U1",
                    action="goal.add",
                    target=f"G{number}",
                    details={"title": "t"},
                    at=created,
                )
            )
        for at_hours, action, new_status, new_progress in g.events:
            at = instant(at_hours)
            details: dict = {}
            if action == "goal.status":
                details = {"status": new_status}
                if new_status in ("blocked", "at-risk"):
                    details["reason"] = "because"
            elif action == "goal.progress":
                details = {"progress": new_progress}
            else:
                details = {
                    "cycle": cycle_of(ws, at),
                    "status": new_status,
                    "progress": new_progress,
                }
            audit.append(
                dict(
                    workspace_id=ws.id,
                    actor="U1",
                    action=action,
                    target=f"G{number}",
                    details=details,
                    at=at,
                )
            )
    if goal_rows:
        session.execute(insert(Goal), goal_rows)
    ids = {row.number: row.id for row in session.query(Goal).filter(Goal.workspace_id == ws.id)}
    owners = [
        dict(workspace_id=ws.id, goal_id=ids[n], owner=owner, position=p)
        for n, g in enumerate(h.goals, start=1)
        for p, owner in enumerate(g.owners)
    ]
    for n, g in enumerate(h.goals, start=1):
        for at_hours, action, new_status, new_progress in g.events:
            if action == "checkin":
                at = instant(at_hours)
                answers.append(
                    dict(
                        workspace_id=ws.id,
                        goal_id=ids[n],
                        cycle=cycle_of(ws, at),
                        user_id=(g.owners or PEOPLE)[0],
                        status=new_status,
                        progress=new_progress,
                        note="a note",
                        source="command",
                        created_at=at,
                        updated_at=at,
                    )
                )
    # One standing answer per goal and cycle, as the check-in service keeps it.
    answers = list({(a["goal_id"], a["cycle"]): a for a in answers}.values())
    readings = [
        dict(
            workspace_id=ws.id,
            metric_id=metrics[i].id,
            value=value,
            source="api",
            recorded_at=instant(at_hours),
        )
        for i, (_, _, points) in enumerate(h.metrics)
        for at_hours, value in points
    ]
    for rows, model in (
        (owners, GoalOwner),
        (audit, AuditEntry),
        (answers, Checkin),
        (readings, MetricReading),
    ):
        if rows:
            session.execute(insert(model), rows)
    for kind, enabled, occurrences, rule in h.rituals:
        schedule = Schedule(workspace_id=ws.id, kind=kind, rule=rule, enabled=enabled, options={})
        session.add(schedule)
        session.flush()
        seen = set()
        for at_hours, state, presenter in occurrences:
            day = instant(at_hours).date()
            if day in seen:
                continue
            seen.add(day)
            session.add(
                RitualOccurrence(
                    workspace_id=ws.id,
                    schedule_id=schedule.id,
                    kind=kind,
                    occurrence_date=day,
                    presenter_user_id=presenter,
                    topic="Topic <b>",
                    state=state,
                )
            )
    session.flush()
    return ws


def check_history(session, h: History) -> None:
    ws = build(session, h)
    try:
        now = instant(h.as_of)
        since = now - timedelta(hours=h.since) if h.since else None
        weekly = weekly_digest(session=session, workspace=ws, now=now, since=since)
        problems = weekly_violations(weekly) + message_violations(weekly)
        quarterly = quarterly_digest(session=session, workspace=ws, period_label=None, now=now)
        problems += quarterly_violations(quarterly) + message_violations(quarterly)
        assert not problems, problems
    finally:
        session.rollback()


def test_digests_keep_their_invariants_over_generated_histories(session, database_url):
    """≥ 500 histories on SQLite, each with a weekly and a quarterly digest."""
    examples = SQLITE_HISTORIES if database_url.startswith("sqlite") else POSTGRES_HISTORIES

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(histories())
    def check(h: History) -> None:
        check_history(session, h)

    session.rollback()
    check()
