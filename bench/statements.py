"""What the clock asks of the database per delivery and per post: SQL statements and
transactions (and of those, the ones that wrote: commits) of one tick that sends W weekly
digests (OAuth mode, one token each, as in bench/fanout.py), minus those of an idle tick,
counted in this process on the engine every session of the tick uses. The capacity model's
PostgreSQL load comes from here.

    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<scratch db> \\
    .venv/bin/python -m bench.statements

Its `public` schema is dropped and rebuilt (without it: SQLite, in a scratch file).
BENCH_STATEMENTS_WORKSPACES changes the 30. Results: bench/results/statements.json."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet
from sqlalchemy import event

from bench.common import databases, print_table, write_results
from bench.fanout import clock_env, fresh_channels, schedule_digests, seed
from bot.config import Settings
from bot.fakeslack import FakeSlack
from bot.runtime import Runtime
from bot.scheduling.pacing import Pacer
from bot.scheduling.tick import tick

WORKSPACES = int(os.environ.get("BENCH_STATEMENTS_WORKSPACES", "30"))


def counted_tick(runtime: Runtime, now: datetime) -> Counter:
    """Statements (by their first word) and commits of one tick at `now`, unpaced."""
    seen: Counter = Counter()

    def statement(_conn, _cursor, text, _params, _context, executemany):
        seen[text.split(None, 1)[0].upper()] += 1
        seen["statements"] += 1
        seen["rows sent as executemany"] += bool(executemany)

    def commit(_conn):  # a transaction that wrote
        seen["transactions"] += 1
        seen["commits"] += 1

    def rollback(_conn):  # one that only read (or failed), ended when its session closed
        seen["transactions"] += 1

    event.listen(runtime.engine, "before_cursor_execute", statement)
    event.listen(runtime.engine, "commit", commit)
    event.listen(runtime.engine, "rollback", rollback)
    try:
        tick(runtime, now=now, pacer=Pacer(per_channel=0, per_workspace=0, sleep=lambda s: None))
    finally:
        event.remove(runtime.engine, "before_cursor_execute", statement)
        event.remove(runtime.engine, "commit", commit)
        event.remove(runtime.engine, "rollback", rollback)
    return seen


def main() -> int:
    found = dict(databases())
    name = "postgresql" if "postgresql" in found else "sqlite"
    url = found[name]
    key = Fernet.generate_key().decode()
    with FakeSlack() as fake:
        teams = seed(url, fake, key, WORKSPACES)
        channels = fresh_channels(url, fake, teams, "statements")
        fake.rate_limit("chat.postMessage", None, None)
        schedule_digests(url)  # due this minute, in every workspace
        runtime = Runtime.from_settings(Settings.from_env(clock_env(url, fake, key), env_file=None))
        try:
            now = datetime.now(UTC).replace(second=0, microsecond=0)
            counted_tick(runtime, now - timedelta(minutes=30))  # the roadmap-end notices
            idle = counted_tick(runtime, now - timedelta(minutes=29))
            busy = counted_tick(runtime, now + timedelta(seconds=10))
        finally:
            runtime.close()
        posts = sum(1 for c in channels for m in fake.messages(c) if m.get("bot_id"))
    deliveries = WORKSPACES
    rows, results = [], {"database": name, "workspaces": WORKSPACES, "posts": posts}
    for label in ("statements", "transactions", "commits", "SELECT", "UPDATE", "INSERT"):
        extra = busy[label] - idle[label]
        results[label] = {
            "idle_tick": idle[label],
            "tick_with_digests": busy[label],
            "per_delivery": round(extra / deliveries, 2),
            "per_post": round(extra / max(1, posts), 2),
        }
        rows.append(
            [
                label,
                idle[label],
                busy[label],
                results[label]["per_delivery"],
                results[label]["per_post"],
            ]
        )
    print_table(
        f"{name}: one tick sending {deliveries} weekly digests ({posts} posts), minus an idle tick",
        ["what", "idle tick", "tick with digests", "per digest", "per post"],
        rows,
    )
    print(f"\nresults: {write_results('statements', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
