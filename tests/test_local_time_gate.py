"""The clock's local-time pass visits only the workspaces where someone may be due: an idle
tick reads the same few statements for 30 workspaces as for 3, while people in Tokyo, Berlin
and Los Angeles are still asked at their own hour, tick by tick; someone who became due after
their hour is asked at the next sweep; the pulse's reminders still come a day later at each
person's hour; and two clocks ask nobody twice. Through the clock's tick, time passed in."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import event, select

from bot.runtime import Runtime
from bot.scheduling.local_gate import SWEEP_MINUTES
from bot.scheduling.pacing import Pacer
from bot.scheduling.tick import tick
from bot.services.roadmap_import import import_roadmap
from bot.services.schedules import add_schedule
from bot.services.team_metrics import PULSE_RULE
from bot.services.workspaces import ensure_workspace
from models import CheckinRound, Goal, GoalOwner, Member, ScheduleKind
from tests.conftest import SAMPLE_ROADMAP
from tests.test_team_local_time import at, dms, no_pacing
from tests.test_team_local_time import team as team

ZONES = ("Asia/Tokyo", "Europe/Berlin", "America/Los_Angeles")


def add_workspaces(factory, count: int, start: int = 0, owned: bool = True) -> None:
    """`count` workspaces with the sample roadmap, weekly check-ins and a monthly pulse; a
    person each, in Tokyo, Berlin or Los Angeles, who owns the first goal (`owned`)."""
    now = at("2025-03-01T00:00:00+00:00")
    with factory() as session, session.begin():
        for n in range(start, start + count):
            workspace = ensure_workspace(session=session, team_id=f"T0GATE{n:04d}", name=f"W{n}")
            import_roadmap(
                session=session, workspace_id=workspace.id, text=SAMPLE_ROADMAP.read_bytes()
            )
            add_schedule(
                session=session,
                workspace=workspace,
                actor=None,
                now=now,
                kind=ScheduleKind.PULSE,
                rule=PULSE_RULE,
                text=None,
            )
            person = f"U0GATE{n:04d}"
            session.add(
                Member(workspace_id=workspace.id, user_id=person, timezone=ZONES[n % len(ZONES)])
            )
            if owned:
                goal = session.scalar(
                    select(Goal).where(Goal.workspace_id == workspace.id, Goal.number == 1)
                )
                goal.owners = [GoalOwner(workspace_id=workspace.id, owner=person, position=0)]


def statements_of_ticks(runtime: Runtime, instants: list[str]) -> list[int]:
    """How many SQL statements each tick ran."""
    counted = [0]

    def count(*_args) -> None:
        counted[0] += 1

    event.listen(runtime.engine, "before_cursor_execute", count)
    try:
        found = []
        for instant in instants:
            counted[0] = 0
            tick(runtime, now=at(instant), pacer=no_pacing())
            found.append(counted[0])
        return found
    finally:
        event.remove(runtime.engine, "before_cursor_execute", count)


def test_an_idle_tick_reads_as_much_for_30_workspaces_as_for_3(settings, session_factory):
    # Wednesday 5 March 2025: Monday's check-in and the pulse of the first Monday (the 3rd)
    # are more than a day behind everywhere; nobody is due. Each time, a clock's first tick
    # (which sweeps every workspace), then its next ticks, minute by minute.
    instants = [f"2025-03-05T12:{minute:02d}:00+00:00" for minute in range(SWEEP_MINUTES + 1)]

    def idle_ticks() -> list[int]:
        runtime = Runtime.from_settings(settings)
        try:  # an earlier tick plans the new workspaces' schedules: not what is measured
            tick(runtime, now=at("2025-03-05T11:00:00+00:00"), pacer=no_pacing())
            runtime.last_tick_at = None  # a clock started again
            return statements_of_ticks(runtime, instants)
        finally:
            runtime.close()

    add_workspaces(session_factory, 3)
    few = idle_ticks()
    add_workspaces(session_factory, 27, start=3)
    assert idle_ticks() == few
    with session_factory() as session:
        assert session.scalar(select(CheckinRound.id)) is None


def test_ticks_after_a_skipped_one_sweep_only_the_minutes_it_missed(settings, session_factory):
    """Monday 10 March 2025 at noon: Tokyo's and Berlin's 10:00 check-ins came within the
    day, so someone could still be due in each workspace (nobody owns a goal: nobody is).
    A first tick sweeps all 30; a tick two minutes after the previous one (that ran long)
    only those whose minutes it missed; one half an hour later all 30 again."""
    add_workspaces(session_factory, 30, owned=False)
    runtime = Runtime.from_settings(settings)
    try:  # an earlier clock's tick plans the schedules: not what is measured
        tick(runtime, now=at("2025-03-10T11:00:00+00:00"), pacer=no_pacing())
    finally:
        runtime.close()
    runtime = Runtime.from_settings(settings)
    try:
        first, _next, skipped, jumped = statements_of_ticks(
            runtime,
            [
                "2025-03-10T12:00:00+00:00",
                "2025-03-10T12:01:00+00:00",
                "2025-03-10T12:03:00+00:00",
                "2025-03-10T12:30:00+00:00",
            ],
        )
    finally:
        runtime.close()
    assert skipped * 3 < first and jumped * 3 > first * 2, (first, skipped, jumped)


def tick_at(runtime, frozen_time, instant: str) -> None:
    frozen_time.move_to(instant)
    tick(runtime, now=at(instant), pacer=no_pacing())


def minutes(start: str, count: int) -> list[str]:
    first = at(start)
    return [(first + timedelta(minutes=n)).isoformat() for n in range(count)]


def own(factory, roadmap, number: int, person: str) -> None:
    with factory() as session, session.begin():
        goal = session.scalar(
            select(Goal).where(Goal.workspace_id == roadmap, Goal.number == number)
        )
        goal.owners = [GoalOwner(workspace_id=roadmap, owner=person, position=0)]


def check_ins(slack, user) -> int:
    return len(dms(slack, user, "Check-in"))


def test_each_person_is_asked_at_their_own_hour_tick_by_tick(
    team,
    running_app,
    frozen_time,
    roadmap,
):
    slack, factory = team
    own(factory, roadmap, 4, slack.kenji)
    own(factory, roadmap, 5, slack.lena)
    runtime = running_app.runtime
    people = {"kenji": slack.kenji, "alice": slack.alice, "lena": slack.lena}
    # Monday 10 March 2025, 10:00 local: Tokyo 01:00 UTC, Berlin 09:00, Los Angeles 17:00.
    # Three ticks before each hour, one a minute, so the tick at the hour is no catch-up.
    asked: set[str] = set()
    for hour, name in ((1, "kenji"), (9, "alice"), (17, "lena")):
        for instant in minutes(f"2025-03-10T{hour - 1:02d}:57:00+00:00", 3):
            tick_at(runtime, frozen_time, instant)
            counts = {n: check_ins(slack, user) for n, user in people.items()}
            assert counts == {n: int(n in asked) for n in people}, instant
        asked.add(name)
        for instant in minutes(f"2025-03-10T{hour:02d}:00:00+00:00", 3):
            tick_at(runtime, frozen_time, instant)
            counts = {n: check_ins(slack, user) for n, user in people.items()}
            assert counts == {n: int(n in asked) for n in people}, instant


def test_someone_due_after_their_hour_is_asked_at_the_next_sweep(
    team,
    running_app,
    frozen_time,
    roadmap,
):
    slack, factory = team
    runtime = running_app.runtime
    for instant in minutes("2025-03-10T00:58:00+00:00", 4):  # Tokyo's 10:00 is 01:00 UTC
        tick_at(runtime, frozen_time, instant)
    assert check_ins(slack, slack.kenji) == 0  # no goal yet
    own(factory, roadmap, 4, slack.kenji)  # at 10:02 in Tokyo, after the fresh ticks
    asked_at = []
    for instant in minutes("2025-03-10T01:02:00+00:00", SWEEP_MINUTES + 3):
        tick_at(runtime, frozen_time, instant)
        if check_ins(slack, slack.kenji) and not asked_at:
            asked_at.append(instant)
    assert check_ins(slack, slack.kenji) == 1
    # Within a sweep's period, not at once: the ticks in between left the workspace alone.
    (when,) = asked_at
    assert timedelta(0) < at(when) - at("2025-03-10T01:02:00+00:00")
    assert at(when) - at("2025-03-10T01:02:00+00:00") <= timedelta(minutes=SWEEP_MINUTES)


def test_pulse_reminders_come_a_day_later_at_each_persons_hour(
    team,
    running_app,
    frozen_time,
):
    slack, _factory = team
    runtime = running_app.runtime
    # The first Monday of April 2025, 11:00 in New York is 15:00 UTC: bob is asked then.
    for instant in minutes("2025-04-07T14:58:00+00:00", 3):
        tick_at(runtime, frozen_time, instant)
    assert len(dms(slack, slack.bob, "Team pulse:")) == 1
    # The next day, minute by minute: his reminder at 11:00 his time, not a minute before.
    reminded = []
    for instant in minutes("2025-04-08T14:57:00+00:00", 5):
        tick_at(runtime, frozen_time, instant)
        reminded.append(len(dms(slack, slack.bob, "The team pulse closes")))
    assert reminded == [0, 0, 0, 1, 1]


def test_two_clocks_ask_nobody_twice(team, running_app, frozen_time, roadmap, settings):
    slack, factory = team
    own(factory, roadmap, 4, slack.kenji)
    first = running_app.runtime
    second = Runtime.from_settings(settings)
    second.pacer = Pacer(per_channel=0, per_workspace=0)
    try:
        for instant in minutes("2025-03-10T00:58:00+00:00", 4) + minutes(
            "2025-03-10T08:58:00+00:00", 4
        ):
            frozen_time.move_to(instant)
            clocks = [
                threading.Thread(
                    target=tick, args=(c,), kwargs={"now": at(instant), "pacer": no_pacing()}
                )
                for c in (first, second)
            ]
            for clock in clocks:
                clock.start()
            for clock in clocks:
                clock.join()
    finally:
        second.close()
    counts = {n: check_ins(slack, u) for n, u in (("kenji", slack.kenji), ("alice", slack.alice))}
    assert counts == {"kenji": 1, "alice": 1}
