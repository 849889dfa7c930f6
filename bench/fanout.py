"""Clock fan-out at scale: many workspaces whose rituals fall due in the same minute, sent by
`python -m bot clock` processes to the fake Slack, which enforces Slack's rate limits
(429 + Retry-After beyond them). PostgreSQL when configured (several clocks are what it is
for), else SQLite. The exact command behind the README's figures (its `public` schema is
dropped and rebuilt: point it at a scratch database):

    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \
    BENCH_FANOUT_CLOCKS=2,1,4 BENCH_FANOUT_PROFILE=1 .venv/bin/python -m bench.fanout

Scenarios (BENCH_FANOUT_SCENARIOS, default "digests,prompts"):

- digests: 1,000 workspaces' weekly digests (a summary and five thread replies in one
  channel each), with one post a second per channel and 200 a minute per workspace; once per
  clock count in BENCH_FANOUT_CLOCKS (default "2"), then with the fake's limits off (what
  the cores can do at all). The rate-limit minimum is five one-second gaps.
- prompts: check-in prompts for 10 people in each workspace (10,000 people across 1,000
  workspaces), each owning goals of the sample roadmap: one top message per person in their
  DM, one per goal in its thread, five reactions on each, reactions.add held to Tier 3 (50 a
  minute per workspace); clock counts in BENCH_FANOUT_PROMPT_CLOCKS (default "2"). The
  minimum is what the reactions need (bench/fanout_prompts.minimum_seconds).

The clocks are started first and left to tick once with nothing due, as deployed clocks run
before anything falls due; then the deliveries are made due and the clocks' next minute's
tick plans and sends them. Each run reports the time from the first post to the last against
that minimum, duplicates and losses (checked message by message), the 429s received, the TCP
connections the clocks opened per post, the clocks' CPU per post (whole processes, start-up
included, and from the due moment on), and the CPU of the fake Slack and of PostgreSQL's
processes on this machine. BENCH_FANOUT_WORKSPACES changes the 1,000 (smaller while iterating).
BENCH_FANOUT_PROFILE=1 samples the first clock of the first digest run with py-spy from the
due moment on (all threads, idle time left out) and writes its stacks and a summary by category to
bench/results/fanout-profile.{txt,json} (see bench/profile.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import delete, func, select, text

from bench.common import (
    RESULTS,
    SAMPLE,
    databases,
    print_table,
    python,
    reset_database,
    write_results,
)
from bench.profile import print_summary, summarize
from bot.db import create_db_engine, make_session_factory
from bot.fakeslack import FakeSlack
from bot.oauth.crypto import TokenCipher
from bot.oauth.store import EncryptedInstallationStore
from bot.services.roadmap_import import import_roadmap
from bot.services.schedules import add_schedule
from bot.services.workspaces import ensure_workspace
from models import Delivery, Schedule

WORKSPACES = int(os.environ.get("BENCH_FANOUT_WORKSPACES", "1000"))
CLOCK_COUNTS = [int(n) for n in os.environ.get("BENCH_FANOUT_CLOCKS", "2").split(",")]
PROMPT_CLOCKS = [int(n) for n in os.environ.get("BENCH_FANOUT_PROMPT_CLOCKS", "2").split(",")]
SCENARIOS = os.environ.get("BENCH_FANOUT_SCENARIOS", "digests,prompts").split(",")
PROFILE = os.environ.get("BENCH_FANOUT_PROFILE") == "1"
PER_CHANNEL_PER_SECOND = 1
PER_TEAM_PER_MINUTE = 200  # the fake's workspace cap ("several hundred a minute" at Slack)
CLIENT_ID, CLIENT_SECRET = "1111.2222", "bench-secret"
DEADLINE_SECONDS = int(os.environ.get("BENCH_FANOUT_DEADLINE", "900"))  # then the clocks stop


def seed(url: str, fake: FakeSlack, key: str, count: int) -> list[tuple[str, list[str]]]:
    """`count` installed workspaces with the sample roadmap; returns (team id, members) each."""
    reset_database(url)
    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    store = EncryptedInstallationStore(
        client_id=CLIENT_ID, engine=engine, cipher=TokenCipher.from_setting(key)
    )
    # The sample roadmap's periods moved to this year: a digest needs a running roadmap.
    sample = SAMPLE.read_text().replace("2025", str(datetime.now(UTC).year)).encode()
    teams = []
    for n in range(count):
        team = fake.add_team(name=f"Team {n}")
        lead = fake.add_user(team["id"], name="lead", is_admin=True)["id"]
        token = fake.install_bot(team["id"])
        bot_user = fake.bot_user_id(token)
        teams.append((team["id"], [lead, bot_user]))
        store.save(
            Installation(
                app_id="A0BENCH0001",
                team_id=team["id"],
                bot_token=token,
                bot_id=f"B{n:09d}",
                bot_user_id=bot_user,
                bot_scopes=["chat:write", "channels:history", "channels:join"],
                user_id=lead,
            )
        )
        with factory() as session, session.begin():
            workspace = ensure_workspace(session=session, team_id=team["id"], name=team["name"])
            import_roadmap(session=session, workspace_id=workspace.id, text=sample)
    if engine.dialect.name == "postgresql":
        # A deployed database has planner statistics (autovacuum gathers them); tables filled
        # a minute ago have none, and servers with autovacuum off (this machine's) never do.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    engine.dispose()
    return teams


def fresh_channels(url: str, fake: FakeSlack, teams: list[tuple[str, list[str]]], run: str):
    """A new roadmap channel in every workspace, so each run starts from empty channels."""
    from models import Workspace

    channels = {
        team: fake.add_channel(team, name=f"roadmap-{run}", members=members)["id"]
        for team, members in teams
    }
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        for workspace in session.scalars(select(Workspace)):
            workspace.roadmap_channel_id = channels[workspace.team_id]
    engine.dispose()
    return list(channels.values())


def schedule_digests(url: str) -> None:
    """A weekly digest in every workspace, due this very minute (UTC)."""
    from models import Workspace

    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    with factory() as session, session.begin():
        session.execute(delete(Schedule))  # and, with them, the last run's deliveries
        for workspace in session.scalars(select(Workspace)):
            add_schedule(
                session=session,
                workspace=workspace,
                actor=None,
                now=now - timedelta(days=1),
                kind="weekly_digest",
                rule=f"every day {now:%H:%M}",
                text=None,
                timezone="UTC",
            )
    engine.dispose()


_pollers: dict[str, object] = {}


def settled(url: str) -> dict[str, int]:
    """Deliveries by state. Polled four times a second on one kept connection: a new one
    per poll would add a PostgreSQL backend's start-up to the load being measured."""
    engine = _pollers.get(url) or _pollers.setdefault(url, create_db_engine(url))
    with engine.connect() as connection:
        return dict(
            connection.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all()
        )


@contextmanager
def clock_process(env: dict, cwd: Path, log: Path):
    """`python -m bot clock`, its log in a file, stopped with SIGTERM like a deploy would."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [python(), "-m", "bot", "clock"],
            env={**os.environ, **env},
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def sampled(pid: int, out: Path):
    """py-spy recording process `pid` until it exits: every thread, sampled while it holds
    the GIL (Python at work; waits on sockets and locks left out)."""
    spy = shutil.which("py-spy") or str(Path(python()).with_name("py-spy"))
    proc = subprocess.Popen(
        [
            spy,
            "record",
            "--gil",
            "--pid",
            str(pid),
            "--rate",
            "250",
            "--format",
            "raw",
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        try:
            proc.wait(timeout=60)  # it writes the stacks once the clock has exited
        except subprocess.TimeoutExpired:
            proc.kill()


def clock_env(url: str, fake: FakeSlack, key: str) -> dict:
    return {
        "DATABASE_URL": url,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": "bench",
        "ROADMAP_ENCRYPTION_KEY": key,
        "SLACK_API_URL": fake.api_url,
        "LOG_LEVEL": "WARNING",
    }


def startup_cpu(url: str, fake: FakeSlack, key: str) -> float:
    """CPU seconds one clock spends starting (imports, pools) and on its first tick with
    nothing due (the roadmap-end check walks every workspace): what a clock costs before it
    sends anything."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    with clock_process(clock_env(url, fake, key), tmp, tmp / "clock.log") as proc:
        return sum(until_idle([proc]))


def until_idle(procs: list[subprocess.Popen]) -> list[float]:
    """Wait until the clocks have started and ended their first tick (their CPU stops
    growing); returns each one's CPU seconds by then."""
    started, seen = time.monotonic(), None
    while time.monotonic() - started < 120:
        time.sleep(1.0)
        cpu = [cpu_seconds(proc.pid) for proc in procs]
        if cpu == seen and time.monotonic() - started > 3:
            break
        seen = cpu
    return seen or []


def next_minute() -> float:
    """Seconds until the clocks' next tick (they tick at second 0 of every minute)."""
    return 60 - time.time() % 60


def run_clocks(
    url: str,
    fake: FakeSlack,
    key: str,
    count: int,
    clocks: int,
    tmp: Path,
    profile: Path | None,
    schedule=schedule_digests,
) -> dict:
    """Start the clocks and let them settle into ticking, as deployed clocks are when
    something falls due; then make the deliveries due (at the minute under way: the clocks'
    next tick finds them), wait until every one is settled, stop the clocks. Returns
    timings; CPU counted from the due moment on, and in all."""
    env = clock_env(url, fake, key)
    fake.reset_calls()
    logs = [tmp / f"clock-{n}.log" for n in range(clocks)]
    connections = fake.connections_opened
    with ExitStack() as stack:
        if profile is not None:  # entered first, left last: it outlives the clock it samples
            spy = stack.enter_context(ExitStack())
        clocks = [stack.enter_context(clock_process(env, tmp, log)) for log in logs]
        warm_cpu = sum(until_idle(clocks))
        if next_minute() < 10:  # the schedules must be in before the tick that sends them
            time.sleep(next_minute() + 1)
        schedule(url)
        time.sleep(max(0.0, next_minute() - 0.5))
        if profile is not None:
            spy.enter_context(sampled(clocks[0].pid, profile))
        started = time.monotonic()
        own_cpu = time.process_time()  # the fake Slack's work, mostly
        server_cpu = postgres_cpu()
        while time.monotonic() - started < DEADLINE_SECONDS:
            states = settled(url)
            if sum(states.values()) >= count and not (
                states.keys() & {"pending", "claimed", "uncertain"}
            ):
                break
            time.sleep(0.25)  # polling the database for the clocks' progress
        waited = time.monotonic() - started
        clock_cpu = sum(cpu_seconds(c.pid) for c in clocks)
        server_cpu = {p: cpu - server_cpu.get(p, 0.0) for p, cpu in postgres_cpu().items()}
        clock_peak_kb = max(peak_rss_kb(c.pid) for c in clocks)
        own_cpu = time.process_time() - own_cpu
    errors = [log.read_text(errors="replace")[-2000:] for log in logs]
    posts = fake.calls_to("chat.postMessage")
    return {
        "reactions_tried": len(fake.calls_to("reactions.add")),
        "connections": fake.connections_opened - connections,
        "waited": waited,
        "finished": waited < DEADLINE_SECONDS,  # else the clocks were stopped mid-run
        "states": settled(url),
        "posts": posts,
        "stderr": errors,
        "clock_cpu_s": round(clock_cpu, 2),
        "clock_cpu_from_due_s": round(clock_cpu - warm_cpu, 2),
        "clock_peak_rss_mib": round(clock_peak_kb / 1024),
        "fake_cpu_s": round(own_cpu, 1),
        "postgres_cpu_s": round(sum(server_cpu.values()), 1),
    }


def after_startup(run: dict, outcome: dict) -> float:
    """The clocks' CPU per post from the moment the deliveries fell due (their start-up and
    first idle tick left out)."""
    return round(run["clock_cpu_from_due_s"] * 1000 / max(1, outcome["stored"]), 2)


def peak_rss_kb(pid: int) -> int:
    """The most resident memory a running process has held (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of each PostgreSQL process on this machine (server and backends), by pid;
    empty when the server runs elsewhere. Backends that exit mid-run are not counted, but the
    clocks keep theirs pooled."""
    used = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        if text.split(" (", 1)[1].startswith("postgres)"):
            fields = text.rsplit(")", 1)[1].split()
            used[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf(
                "SC_CLK_TCK"
            )
    return used


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def expected_parts(url: str) -> tuple[str, ...]:
    """The thread parts a weekly digest of the seeded roadmap has, by their section keys."""
    from bot.blocks.digests import weekly_digest_messages
    from bot.services.digests import weekly_digest
    from models import Workspace

    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        workspace = session.scalars(select(Workspace)).first()
        digest = weekly_digest(session=session, workspace=workspace, now=datetime.now(UTC))
    engine.dispose()
    return tuple(detail.key for detail in weekly_digest_messages(digest)[1])


def check(fake: FakeSlack, channels: list[str], expected: tuple[str, ...]) -> dict:
    """Duplicates and losses, message by message: every digest is one summary and each of
    its thread parts exactly once."""
    duplicates = losses = 0
    stored = []
    for channel in channels:
        messages = [m for m in fake.messages(channel) if m.get("bot_id")]
        stored += messages
        tops = [m for m in messages if m.get("thread_ts") in (None, m["ts"])]
        parts = Counter(
            (m.get("metadata") or {}).get("event_payload", {}).get("part")
            for m in messages
            if m not in tops
        )
        duplicates += max(0, len(tops) - 1) + sum(c - 1 for c in parts.values() if c > 1)
        losses += (0 if tops else 1) + sum(1 for p in expected if parts[p] == 0)
    times = sorted(float(m["ts"]) for m in stored)
    summaries = sorted(float(m["ts"]) for m in stored if m.get("thread_ts") in (None, m["ts"]))
    return {
        "duplicates": duplicates,
        "losses": losses,
        "stored": len(stored),
        "first_to_last_s": round(times[-1] - times[0], 2) if times else None,
        # How long the clocks took to start every digest (its summary out): the rest of the
        # first-to-last time is the thread's one-a-second parts.
        "summaries_spread_s": round(summaries[-1] - times[0], 2) if summaries else None,
        # Thread parts that went out while summaries were still to come: CPU they took then
        # delayed the last summary, whose five parts end the run.
        "parts_before_last_summary": sum(1 for t in times if summaries and t < summaries[-1])
        - len(summaries)
        + 1,
    }


def one_run(
    name: str,
    url: str,
    fake: FakeSlack,
    key: str,
    teams,
    limits: bool,
    clocks: int,
    profile: Path | None = None,
    startup: float = 0.0,
) -> dict:
    run_name = f"{'limited' if limits else 'unlimited'}-{clocks}"
    channels = fresh_channels(url, fake, teams, run_name)
    if limits:
        fake.rate_limit("chat.postMessage", PER_CHANNEL_PER_SECOND, PER_TEAM_PER_MINUTE)
    else:
        fake.rate_limit("chat.postMessage", None, None)
    limited_before = fake.rate_limited_count
    tmp = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    run = run_clocks(url, fake, key, len(teams), clocks, tmp, profile)
    parts = expected_parts(url)
    outcome = check(fake, channels, parts)
    result = {
        "scenario": "digests",
        "database": name,
        "workspaces": len(teams),
        "clocks": clocks,
        "limits": limits,
        "clock_start_to_settled_s": round(run["waited"], 2),
        "finished": run["finished"],
        "first_to_last_post_s": outcome["first_to_last_s"],
        "summaries_spread_s": outcome["summaries_spread_s"],
        "parts_before_last_summary": outcome["parts_before_last_summary"],
        # The summary and its parts in one channel: a one-second gap before each part.
        "rate_limit_minimum_s": len(parts) / PER_CHANNEL_PER_SECOND,
        "posts_per_digest": 1 + len(parts),
        "posts_attempted": len(run["posts"]),
        "messages_stored": outcome["stored"],
        "rate_limited_429": fake.rate_limited_count - limited_before,
        "duplicates": outcome["duplicates"],
        "losses": outcome["losses"],
        "clocks_cpu_s": run["clock_cpu_s"],
        # Per message Slack stored (429s and retries are part of the cost of a post).
        "clock_cpu_ms_per_post": round(run["clock_cpu_s"] * 1000 / max(1, outcome["stored"]), 2),
        "clock_startup_cpu_s": startup,
        "clock_cpu_ms_per_post_after_startup": after_startup(run, outcome),
        "connections_opened": run["connections"],
        "connections_per_post": round(run["connections"] / max(1, outcome["stored"]), 4),
        "fake_slack_cpu_s": run["fake_cpu_s"],
        "postgres_cpu_s": run["postgres_cpu_s"],
        "clock_peak_rss_mib": run["clock_peak_rss_mib"],
        "states": run["states"],
    }
    if outcome["losses"] or outcome["duplicates"]:
        result["clock_logs"] = run["stderr"]
    return result


def main() -> int:
    found = dict(databases())
    name = "postgresql" if "postgresql" in found else "sqlite"
    if name == "sqlite":
        print("PostgreSQL not configured (TEST_DATABASE_URL/BENCH_POSTGRES_URL): using SQLite.")
    url = found[name]
    key = Fernet.generate_key().decode()
    with FakeSlack() as fake:
        started = time.monotonic()
        teams = seed(url, fake, key, WORKSPACES)
        print(f"seeded {WORKSPACES} workspaces in {time.monotonic() - started:.0f} s", flush=True)
        # The first clock to start sends the seeded roadmaps' end notices (one per
        # workspace): that one is not what every clock costs to start.
        notices = startup_cpu(url, fake, key)
        startup = startup_cpu(url, fake, key)
        print(
            f"a clock's start-up and idle first tick: {startup:.2f} CPU-s "
            f"(the first, sending {WORKSPACES} roadmap-end notices: {notices:.2f})",
            flush=True,
        )
        profile = RESULTS / "fanout-profile.txt" if PROFILE else None
        if profile is not None:
            RESULTS.mkdir(parents=True, exist_ok=True)
        results, prompt_results = [], []
        if "digests" in SCENARIOS:
            for n, clocks in enumerate(CLOCK_COUNTS):
                run_profile = profile if n == 0 else None
                results.append(
                    one_run(name, url, fake, key, teams, True, clocks, run_profile, startup)
                )
            most = max(CLOCK_COUNTS)
            results.append(one_run(name, url, fake, key, teams, False, most, None, startup))
        if "prompts" in SCENARIOS:
            from bench.fanout_prompts import add_people, expected_goals, prompt_run

            people = add_people(url, fake, teams)
            goals = expected_goals(url, people)  # before any run: nobody asked yet
            for n, clocks in enumerate(PROMPT_CLOCKS):
                run_profile = RESULTS / "fanout-prompts-profile.txt" if PROFILE and not n else None
                prompt_results.append(
                    prompt_run(
                        name, url, fake, key, teams, people, goals, clocks, run_profile, startup
                    )
                )
                if run_profile is not None and run_profile.exists():
                    per_post = prompt_results[-1]["clock_cpu_ms_per_post"]
                    summary = summarize(run_profile, cpu_ms_per_post=per_post)
                    path = RESULTS / "fanout-prompts-profile.json"
                    path.write_text(json.dumps(summary, indent=2))
                    print_summary(summary)
        if profile is not None and profile.exists() and results:
            summary = summarize(profile, cpu_ms_per_post=results[0]["clock_cpu_ms_per_post"])
            (RESULTS / "fanout-profile.json").write_text(json.dumps(summary, indent=2))
            print_summary(summary)
    if prompt_results:
        from bench.fanout_prompts import print_prompt_table

        print_prompt_table(prompt_results)
    if results:
        print_digest_table(results)
    path = write_results("fanout", {"runs": results + prompt_results})
    print(f"\nresults: {path}")
    bad = any(r["duplicates"] or r["losses"] for r in results + prompt_results)
    return 1 if bad else 0


def print_digest_table(results: list[dict]) -> None:
    rows = [
        [
            r["database"],
            "on" if r["limits"] else "off",
            r["workspaces"],
            r["clocks"],
            r["first_to_last_post_s"],
            r["summaries_spread_s"],
            r["clock_start_to_settled_s"],
            r["rate_limit_minimum_s"] if r["limits"] else "-",
            round(r["first_to_last_post_s"] / r["rate_limit_minimum_s"], 1)
            if r["limits"] and r["first_to_last_post_s"]
            else "-",
            r["posts_attempted"],
            r["rate_limited_429"],
            r["duplicates"],
            r["losses"],
            r["clocks_cpu_s"],
            r["clock_cpu_ms_per_post"],
            r["clock_cpu_ms_per_post_after_startup"],
            r["connections_per_post"],
            r["fake_slack_cpu_s"],
            r["postgres_cpu_s"],
            r["clock_peak_rss_mib"],
        ]
        for r in results
    ]
    print_table(
        f"Digest fan-out: {WORKSPACES} workspaces, "
        f"{results[0]['posts_per_digest']} posts per digest",
        [
            "db",
            "limits",
            "workspaces",
            "clocks",
            "first→last post s",
            "all summaries out s",
            "clock start→all settled s",
            "rate-limit min s",
            "ratio",
            "posts tried",
            "429s",
            "duplicates",
            "losses",
            "clocks CPU s",
            "CPU ms/post",
            "after start-up",
            "new conns/post",
            "fake CPU s",
            "PostgreSQL CPU s",
            "clock peak MiB",
        ],
        rows,
    )


if __name__ == "__main__":
    sys.exit(main())
