"""What one clock tick costs in CPU when (almost) nothing is to be sent, over many workspaces
(the sample roadmap imported in each, 10 people owning its goals): the part of the clock's
load that grows with the workspaces, not with the posts. Ticks run in this process with the
time passed in (as the clock's own would run), against the fake Slack; PostgreSQL's own CPU
is not counted.

    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<scratch db> \
    .venv/bin/python -m bench.idle_tick

Its `public` schema is dropped and rebuilt (without it: SQLite, in a scratch file). Two
scenarios, each with a fresh Runtime (so its first tick is a clock's first, which catches up
on every workspace):

- idle: the weekly check-in last ran days ago; a first tick, then 15 one-minute ticks.
- after a check-in: a daily check-in at T (UTC) in every workspace, everyone already asked
  (the rounds claimed in the database, nothing posted): the tick at T, then T+1 min and 15
  more, each minute. Until LATE_LIMIT (24 h) after T somebody could still be due.

BENCH_IDLE_WORKSPACES changes the 1,000. Results: bench/results/idle_tick.json."""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet
from sqlalchemy import delete, select

from bench.common import databases, write_results
from bench.fanout import clock_env, seed
from bench.fanout_prompts import add_people
from bot.config import Settings
from bot.db import create_db_engine, make_session_factory
from bot.fakeslack import FakeSlack
from bot.runtime import Runtime
from bot.scheduling.pacing import Pacer
from bot.scheduling.tick import tick
from bot.services.checkin_prompts import plan_rounds, reserve_round
from bot.services.schedules import add_schedule
from models import Schedule, ScheduleKind, Workspace

WORKSPACES = int(os.environ.get("BENCH_IDLE_WORKSPACES", "1000"))
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def set_checkins(url: str, rule: str, created: datetime) -> None:
    """Every workspace's check-in prompts on `rule` (UTC), and nothing else scheduled."""
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        session.execute(delete(Schedule))
        for workspace in session.scalars(select(Workspace)):
            add_schedule(
                session=session,
                workspace=workspace,
                actor=None,
                now=created,
                kind=ScheduleKind.CHECKIN_PROMPT,
                rule=rule,
                text=None,
                timezone="UTC",
            )
    engine.dispose()


def claim_everyone(url: str, at: datetime) -> int:
    """Everyone due at `at` counted as asked already (their rounds claimed, nothing posted)."""
    engine = create_db_engine(url)
    claimed = 0
    with make_session_factory(engine)() as session, session.begin():
        for workspace in session.scalars(select(Workspace)):
            for person in plan_rounds(session=session, workspace=workspace, now=at).rounds:
                claimed += reserve_round(session, workspace, person, at) is not None
    engine.dispose()
    return claimed


def cpu_of_tick(runtime: Runtime, now: datetime) -> float:
    pacer = Pacer(per_channel=0, per_workspace=0, sleep=lambda seconds: None)
    started = time.process_time()
    tick(runtime, now=now, pacer=pacer)
    return time.process_time() - started


def ticks(settings: Settings, start: datetime, minutes: int) -> list[float]:
    """A fresh clock's ticks at `start` and each minute after it: CPU seconds of each."""
    runtime = Runtime.from_settings(settings)
    try:
        return [cpu_of_tick(runtime, start + timedelta(minutes=n)) for n in range(minutes)]
    finally:
        runtime.close()


def report(found: dict, label: str, seconds: list[float]) -> None:
    found[label] = [round(s, 3) for s in seconds]
    print(f"{label}: {', '.join(f'{s:.2f}' for s in seconds)} CPU-s", flush=True)


def main() -> int:
    found = dict(databases())
    name = "postgresql" if "postgresql" in found else "sqlite"
    url, results = found[name], {"database": name, "workspaces": WORKSPACES}
    key = Fernet.generate_key().decode()
    with FakeSlack() as fake:
        started = time.monotonic()
        teams = seed(url, fake, key, WORKSPACES)
        add_people(url, fake, teams)
        print(f"seeded {WORKSPACES} workspaces in {time.monotonic() - started:.0f} s", flush=True)
        settings = Settings.from_env(clock_env(url, fake, key), env_file=None)
        now = datetime.now(UTC).replace(second=0, microsecond=0)

        # Idle: the weekly check-in three days away (four days ago), nothing due.
        weekday = WEEKDAYS[(now.weekday() + 3) % 7]
        set_checkins(url, f"every {weekday} 10:00", now - timedelta(days=30))
        # The first tick sends each roadmap-end notice there is: not an idle tick's cost.
        ticks(settings, now - timedelta(minutes=30), 1)
        idle = ticks(settings, now, 16)
        report(results, "idle: first tick", idle[:1])
        report(results, "idle: the next 15 ticks", idle[1:])
        results["idle_mean"] = round(statistics.fmean(idle[1:]), 3)
        print(f"idle: mean of the 15: {results['idle_mean']:.3f} CPU-s", flush=True)

        # After a daily check-in at T, everyone asked: T's own delivery goes at the tick at T.
        at = now + timedelta(hours=2)
        set_checkins(url, f"every day {at:%H:%M}", at - timedelta(days=1))
        print(f"claimed {claim_everyone(url, at)} rounds at {at:%H:%M}", flush=True)
        runtime = Runtime.from_settings(settings)
        try:
            report(results, "after: the tick at T (first)", [cpu_of_tick(runtime, at)])
            later = [cpu_of_tick(runtime, at + timedelta(minutes=n)) for n in range(1, 17)]
        finally:
            runtime.close()
        report(results, "after: T+1 min", later[:1])
        report(results, "after: T+2 .. T+16 min", later[1:])
        results["after_mean"] = round(statistics.fmean(later[1:]), 3)
        print(f"after: mean of T+2 .. T+16: {results['after_mean']:.3f} CPU-s", flush=True)
        first = ticks(settings, at + timedelta(hours=1), 1)
        report(results, "after: a new clock's first tick at T+1 h (catching up everywhere)", first)
    print(f"\nresults: {write_results('idle_tick', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
