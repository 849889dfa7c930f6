"""The planner reads only the schedules due by now, forgets a schedule's next due time when
its rule or zone changes, and plans any number of due schedules in a few statements."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import event, func, select, text

from bot.db import alembic_config, create_db_engine, make_session_factory
from bot.runtime import Runtime
from bot.scheduling.planner import plan
from bot.scheduling.tick import tick
from bot.services.actors import Actor
from bot.services.schedules import edit_schedule
from bot.services.settings import change_config
from bot.services.workspaces import ensure_workspace
from models import Delivery, Schedule, Workspace
from models.base import INSERT_ROWS
from tests.test_database import _drop_database, _fresh_database_url, _insert_workspace_row
from tests.test_scheduling import at, no_pacing, posts, schedule


@pytest.fixture
def runtime(settings):
    runtime = Runtime.from_settings(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def workspace_id(runtime, slack):
    with runtime.session_factory() as session, session.begin():
        workspace = ensure_workspace(session=session, team_id=slack.team_id, name="Acme")
        workspace.roadmap_channel_id = slack.channel
        session.execute(Schedule.__table__.delete())
        return workspace.id


ADMIN = Actor(user_id="U0ADMIN01", is_slack_admin=True)


def marks(runtime, schedule_id):
    with runtime.session_factory() as session:
        row = session.get(Schedule, schedule_id)
        return row.planned_until, row.next_due_at


def statements_of(runtime, run) -> list[str]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement.split(None, 3)[:3])

    event.listen(runtime.engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(runtime.engine, "before_cursor_execute", count)
    return [" ".join(words) for words in seen]


def test_a_tick_before_anything_is_due_reads_and_writes_no_schedule(runtime, workspace_id, slack):
    sid = schedule(runtime, workspace_id, "every monday 09:00", tz="UTC")
    tick(runtime, now=at("2025-03-03T09:00:10+00:00"), pacer=no_pacing())
    planned_until, next_due = marks(runtime, sid)
    assert (planned_until, next_due) == (
        at("2025-03-03T09:00:10+00:00"),
        at("2025-03-10T09:00:00+00:00"),
    )
    with runtime.session_factory() as session, session.begin():
        found = statements_of(runtime, lambda: plan(session, at("2025-03-05T12:00:00+00:00")))
    assert not [s for s in found if s.startswith(("UPDATE", "INSERT"))], found
    assert marks(runtime, sid) == (planned_until, next_due)  # untouched until it is due
    report = tick(runtime, now=at("2025-03-10T09:00:20+00:00"), pacer=no_pacing())
    assert len(report.sent.sent) == 1 and len(posts(slack)) == 2


def test_a_new_rule_applies_from_the_edit_and_is_looked_at_at_once(runtime, workspace_id, slack):
    sid = schedule(runtime, workspace_id, "every monday 09:00", tz="UTC")
    tick(runtime, now=at("2025-03-03T09:00:10+00:00"), pacer=no_pacing())

    def edit(rule, when):
        with runtime.session_factory() as session, session.begin():
            edit_schedule(
                session=session,
                workspace=session.get(Workspace, workspace_id),
                actor=ADMIN,
                now=at(when),
                schedule_id=sid,
                rule=rule,
            )

    # Wednesday noon: Tuesday's 09:00 under the new rule is before the change, never sent.
    edit("every tuesday 09:00", "2025-03-05T12:00:00+00:00")
    assert marks(runtime, sid)[1] is None
    assert tick(runtime, now=at("2025-03-05T12:01:00+00:00"), pacer=no_pacing()).planned == 0
    edit("every wednesday 13:00", "2025-03-05T12:02:00+00:00")  # later today, not next Monday
    report = tick(runtime, now=at("2025-03-05T13:00:10+00:00"), pacer=no_pacing())
    assert len(report.sent.sent) == 1
    assert len(posts(slack)) == 2


def test_the_workspace_zone_moves_the_next_occurrence(runtime, workspace_id, slack):
    """A schedule with no zone of its own follows the workspace's: changing it forgets the
    next due time computed in the old zone."""
    with runtime.session_factory() as session, session.begin():
        session.get(Workspace, workspace_id).timezone = "UTC"
    sid = schedule(runtime, workspace_id, "every day 09:00", tz=None)
    tick(runtime, now=at("2025-03-03T09:00:10+00:00"), pacer=no_pacing())
    assert marks(runtime, sid)[1] == at("2025-03-04T09:00:00+00:00")
    with runtime.session_factory() as session, session.begin():
        workspace = session.get(Workspace, workspace_id)
        change_config(
            session=session,
            workspace=workspace,
            actor=ADMIN,
            name="timezone",
            values=("Asia/Tokyo",),
        )
    assert marks(runtime, sid)[1] is None
    # 09:00 in Tokyo is midnight UTC: due nine hours before the old next time.
    report = tick(runtime, now=at("2025-03-04T00:00:10+00:00"), pacer=no_pacing())
    assert len(report.sent.sent) == 1


def test_many_due_schedules_are_planned_once_in_a_few_statements(runtime, workspace_id, slack):
    count = INSERT_ROWS + 100  # more rows than one INSERT carries
    with runtime.session_factory() as session, session.begin():
        workspace = session.get(Workspace, workspace_id)
        session.add_all(
            Schedule(
                workspace_id=workspace.id,
                kind="reminder",
                rule="every monday 09:00",
                timezone="UTC",
                text=f"Reminder {n}",
                created_at=at("2025-03-01T00:00:00+00:00"),
            )
            for n in range(count)
        )
    now = at("2025-03-03T09:00:10+00:00")
    with runtime.session_factory() as session, session.begin():
        found = statements_of(runtime, lambda: plan(session, now))
        # The planner lock (PostgreSQL), the due schedules, their periods, two INSERTs, one
        # UPDATE for all watermarks.
        assert len(found) <= 6 + (runtime.engine.dialect.name == "postgresql"), found
    with runtime.session_factory() as session, session.begin():
        assert plan(session, now).pending == []  # a second planner finds them planned
    with runtime.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == count
        nexts = set(session.scalars(select(Schedule.next_due_at)))
    assert nexts == {at("2025-03-10T09:00:00+00:00")}
    assert timedelta(0) < min(nexts) - now


def test_two_clocks_ticking_together_plan_one_after_the_other(runtime, workspace_id, slack):
    """The second clock waits for the first's plan, then finds nothing due: it does not
    plan the same deliveries beside it (rows its INSERT would only throw away)."""
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's BEGIN IMMEDIATE already lets one writer in at a time")
    schedule(runtime, workspace_id, "every monday 09:00", tz="UTC")
    now = at("2025-03-10T09:00:20+00:00")
    seen: dict[int, list[str]] = {}

    def note(_conn, _cursor, statement, *_args):
        seen.setdefault(threading.get_ident(), []).append(statement.split(None, 1)[0])

    event.listen(runtime.engine, "before_cursor_execute", note)
    second: dict = {}

    def second_clock():
        with runtime.session_factory() as session, session.begin():
            second["report"] = plan(session, now)
            second["thread"] = threading.get_ident()

    try:
        with runtime.session_factory() as session, session.begin():
            first = plan(session, now)  # holds the planner lock until this commit
            waiter = threading.Thread(target=second_clock)
            waiter.start()
            deadline = time.monotonic() + 10
            while not waiting_for_advisory_lock(runtime) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert waiting_for_advisory_lock(runtime), "the second clock did not wait"
        waiter.join(10)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", note)
    assert len(first.pending) == 1 and second["report"].pending == []
    assert "INSERT" not in seen[second["thread"]], seen[second["thread"]]


def waiting_for_advisory_lock(runtime) -> bool:
    engine = create_db_engine(runtime.settings.database_url)
    try:
        with engine.connect() as connection:
            return bool(
                connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    )
                )
            )
    finally:
        engine.dispose()


def test_a_rule_firing_often_after_a_week_down_is_looked_at_its_next_time(
    runtime, workspace_id, slack
):
    """More occurrences since the last look than one evaluation returns (every 15 minutes for
    a week): the next due time is still the next quarter hour, not days away."""
    sid = schedule(
        runtime, workspace_id, "*/15 * * * *", tz="UTC", created="2025-03-01T00:00:00+00:00"
    )
    tick(runtime, now=at("2025-03-10T12:05:00+00:00"), pacer=no_pacing())
    assert marks(runtime, sid)[1] == at("2025-03-10T12:15:00+00:00")
    before = len(posts(slack))
    report = tick(runtime, now=at("2025-03-10T12:15:20+00:00"), pacer=no_pacing())
    assert len(report.sent.sent) == 1 and len(posts(slack)) == before + 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0015_moves_the_watermark_out_of_the_options(backend, tmp_path):
    url = _fresh_database_url(backend, tmp_path)
    try:
        config = alembic_config(url)
        command.upgrade(config, "0014")
        engine = create_db_engine(url)
        stamp = "2025-01-01 00:00:00+00:00"
        with engine.begin() as connection:
            _insert_workspace_row(connection, stamp)
            for id_, options in (
                (1, '{"planned_until": "2025-03-03T09:00:10+00:00", "roster": ["U1"]}'),
                (2, "{}"),
            ):
                connection.execute(
                    text(
                        "INSERT INTO schedules (id, workspace_id, kind, rule, options,"
                        " holiday_policy, enabled, consecutive_failures, source, created_at,"
                        " updated_at) VALUES (:id, 1, 'reminder', 'every monday 09:00',"
                        " :options, 'none', :yes, 0, 'user', :at, :at)"
                    ),
                    {"id": id_, "options": options, "at": stamp, "yes": True},
                )
        engine.dispose()
        command.upgrade(config, "head")
        engine = create_db_engine(url)
        with make_session_factory(engine)() as session:
            rows = [
                (s.id, s.options, s.planned_until, s.next_due_at)
                for s in session.scalars(select(Schedule).order_by(Schedule.id))
            ]
        engine.dispose()
        assert rows == [
            (1, {"roster": ["U1"]}, at("2025-03-03T09:00:10+00:00"), None),
            (2, {}, None, None),
        ]
        command.downgrade(config, "0014")
        engine = create_db_engine(url)
        with engine.connect() as connection:
            options = connection.execute(text("SELECT options FROM schedules WHERE id = 1"))
            assert "planned_until" in str(options.scalar())
        engine.dispose()
        command.upgrade(config, "head")
        command.check(config)
    finally:
        _drop_database(url)
