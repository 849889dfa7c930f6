"""The check-in prompt scenario of `bench/fanout.py`: 10 people in each workspace, each owning
goals of the sample roadmap, all asked in the same minute. Each person gets one top message
(in their DM) and one message per goal in its thread; the bot puts the five answer reactions
on every one of them. The fake Slack enforces chat.postMessage's limits (as in the digest
runs) and reactions.add's Tier 3 limit per workspace (429 + Retry-After beyond it)."""

from __future__ import annotations

import math
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from bench.common import print_table
from bot.db import create_db_engine, make_session_factory
from bot.fakeslack import FakeSlack
from bot.services.schedules import add_schedule
from bot.services.settings import PROMPT_REACTIONS
from models import Goal, GoalOwner, Schedule, ScheduleKind, Workspace

PEOPLE_PER_WORKSPACE = 10
# reactions.add is Tier 3: "50+ per minute" per workspace (api.slack.com/apis/rate-limits).
# The fake lets 50 through in any rolling minute; the bot paces them about 48 a minute.
REACTIONS_PER_MINUTE = 50


def add_people(url: str, fake: FakeSlack, teams: list[tuple[str, list[str]]]) -> dict:
    """Nine more people in each workspace (the lead is the tenth), owning the roadmap's goals
    in turn. Returns {team id: [person ids]}."""
    people: dict[str, list[str]] = {}
    for team, members in teams:
        lead = members[0]
        others = [
            fake.add_user(team, name=f"person{n}")["id"] for n in range(1, PEOPLE_PER_WORKSPACE)
        ]
        people[team] = [lead, *others]
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        session.execute(delete(GoalOwner))
        for workspace in session.scalars(select(Workspace)):
            team_people = people[workspace.team_id]
            goals = session.scalars(
                select(Goal.id).where(Goal.workspace_id == workspace.id).order_by(Goal.id)
            )
            session.add_all(
                GoalOwner(
                    workspace_id=workspace.id,
                    goal_id=goal_id,
                    owner=team_people[n % len(team_people)],
                )
                for n, goal_id in enumerate(goals)
            )
    engine.dispose()
    return people


def schedule_prompts(url: str) -> None:
    """A check-in prompt schedule in every workspace, due this very minute (UTC); the last
    run's schedules, deliveries and rounds go."""
    from models import CheckinPrompt, CheckinRound

    engine = create_db_engine(url)
    now = datetime.now(UTC)
    with make_session_factory(engine)() as session, session.begin():
        session.execute(delete(CheckinPrompt))
        session.execute(delete(CheckinRound))
        session.execute(delete(Schedule))
        for workspace in session.scalars(select(Workspace)):
            add_schedule(
                session=session,
                workspace=workspace,
                actor=None,
                now=now - timedelta(days=1),
                kind=ScheduleKind.CHECKIN_PROMPT,
                rule=f"every day {now:%H:%M}",
                text=None,
                timezone="UTC",
            )
    engine.dispose()


def expected_goals(url: str, people: dict[str, list[str]]) -> list[int]:
    """How many goals each person (by their place in a workspace's people) is asked about:
    the open goals of the running period they own, the same in every workspace."""
    from bot.services.checkin_prompts import plan_rounds

    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        workspace = session.scalars(select(Workspace).order_by(Workspace.id)).first()
        now = datetime.now(UTC)
        plan = plan_rounds(session=session, workspace=workspace, now=now, everyone=True)
        owned = {r.person: len(r.goals) for r in plan.rounds}
        team = workspace.team_id
    engine.dispose()
    return [owned.get(person, 0) for person in people[team]]


def check(fake: FakeSlack, people: dict, bot_users: dict, goals: list[int]) -> dict:
    """Per person: one check-in top message in their DM, each goal's message once in its
    thread, and the five reactions on every one of them."""
    duplicates = losses = missing_reactions = stored = reactions = 0
    times: list[float] = []
    for team, team_people in people.items():
        for person, wanted in zip(team_people, goals, strict=True):
            dm = fake.dm_channel(team, person, bot_users[team])
            messages = [m for m in fake.messages(dm) if m.get("bot_id")] if dm else []
            stored += len(messages)
            times += [float(m["ts"]) for m in messages]
            tops = [
                m
                for m in messages
                if m.get("thread_ts") in (None, m["ts"]) and "Check-in" in (m.get("text") or "")
            ]
            replies = [m for m in messages if m.get("thread_ts") not in (None, m["ts"])]
            texts = Counter(m.get("text") for m in replies)
            duplicates += max(0, len(tops) - 1) + sum(c - 1 for c in texts.values() if c > 1)
            if wanted:
                losses += (0 if tops else 1) + max(0, wanted - len(texts))
            for message in tops + replies:
                names = {r["name"] for r in message.get("reactions", [])}
                reactions += len(names)
                missing_reactions += len(set(PROMPT_REACTIONS) - names)
    times.sort()
    return {
        "duplicates": duplicates,
        "losses": losses,
        "missing_reactions": missing_reactions,
        "stored": stored,
        "reactions": reactions,
        "first_to_last_s": round(times[-1] - times[0], 2) if times else None,
    }


def minimum_seconds(posts_per_workspace: int, reactions_per_workspace: int) -> float:
    """What the limits allow at best, per workspace (the workspaces run side by side): the
    reactions, 50 in any rolling minute, need (ceil(R / 50) - 1) whole minutes after the first
    batch; the posts, one a second per DM thread and 200 a minute per workspace, less."""
    reactions = (math.ceil(reactions_per_workspace / REACTIONS_PER_MINUTE) - 1) * 60.0
    posts = max(0, posts_per_workspace - 1) * 60.0 / 200
    return max(reactions, posts)


def prompt_run(
    name: str,
    url: str,
    fake: FakeSlack,
    key: str,
    teams,
    people,
    goals: list[int],
    clocks: int,
    profile: Path | None = None,
    startup: float = 0.0,
) -> dict:
    """The scenario once, with `clocks` clocks, checked message by message."""
    from bench.fanout import (
        PER_CHANNEL_PER_SECOND,
        PER_TEAM_PER_MINUTE,
        after_startup,
        run_clocks,
    )

    fake.rate_limit("chat.postMessage", PER_CHANNEL_PER_SECOND, PER_TEAM_PER_MINUTE)
    fake.rate_limit("reactions.add", None, REACTIONS_PER_MINUTE)
    limited_before = fake.rate_limited_count
    tmp = Path(tempfile.mkdtemp(prefix="bench-prompts-"))
    run = run_clocks(url, fake, key, len(teams), clocks, tmp, profile, schedule=schedule_prompts)
    fake.rate_limit("reactions.add", None, None)
    bot_users = {team: members[1] for team, members in teams}
    outcome = check(fake, people, bot_users, goals)
    asked = sum(1 for g in goals if g)
    posts = asked + sum(goals)  # per workspace: a top message per person, one per goal
    reactions = posts * len(PROMPT_REACTIONS)
    minimum = minimum_seconds(posts, reactions)
    calls = outcome["stored"] + outcome["reactions"]
    result = {
        "scenario": "prompts",
        "database": name,
        "workspaces": len(teams),
        "people": sum(len(p) for p in people.values()),
        "clocks": clocks,
        "limits": True,
        "clock_start_to_settled_s": round(run["waited"], 2),
        "finished": run["finished"],
        "first_to_last_post_s": outcome["first_to_last_s"],
        "rate_limit_minimum_s": minimum,
        "posts_per_workspace": posts,
        "reactions_per_workspace": reactions,
        "posts_attempted": len(run["posts"]),
        "reactions_attempted": run["reactions_tried"],
        "messages_stored": outcome["stored"],
        "reactions_stored": outcome["reactions"],
        "rate_limited_429": fake.rate_limited_count - limited_before,
        "duplicates": outcome["duplicates"],
        "losses": outcome["losses"],
        "missing_reactions": outcome["missing_reactions"],
        "clocks_cpu_s": run["clock_cpu_s"],
        "clock_cpu_ms_per_post": round(run["clock_cpu_s"] * 1000 / max(1, outcome["stored"]), 2),
        "clock_cpu_ms_per_call": round(run["clock_cpu_s"] * 1000 / max(1, calls), 2),
        "clock_cpu_ms_per_post_after_startup": after_startup(run, outcome),
        "connections_opened": run["connections"],
        "connections_per_post": round(run["connections"] / max(1, outcome["stored"]), 4),
        "fake_slack_cpu_s": run["fake_cpu_s"],
        "postgres_cpu_s": run["postgres_cpu_s"],
        "clock_peak_rss_mib": run["clock_peak_rss_mib"],
        "states": run["states"],
    }
    if outcome["losses"] or outcome["duplicates"] or outcome["missing_reactions"]:
        result["clock_logs"] = run["stderr"]
    return result


def print_prompt_table(results: list[dict]) -> None:
    if not results:
        return
    first = results[0]
    print_table(
        f"Check-in prompts: {first['people']} people in {first['workspaces']} workspaces, "
        f"{first['posts_per_workspace']} posts and {first['reactions_per_workspace']} "
        "reactions per workspace",
        [
            "db",
            "clocks",
            "first→last post s",
            "clock start→all settled s",
            "rate-limit min s",
            "ratio",
            "posts tried",
            "reactions tried",
            "429s",
            "duplicates",
            "losses",
            "missing reactions",
            "clocks CPU s",
            "CPU ms/post",
            "after start-up",
            "CPU ms/call",
            "new conns/post",
        ],
        [
            [
                r["database"],
                r["clocks"],
                r["first_to_last_post_s"],
                r["clock_start_to_settled_s"],
                r["rate_limit_minimum_s"],
                round(r["first_to_last_post_s"] / r["rate_limit_minimum_s"], 2)
                if r["first_to_last_post_s"] and r["rate_limit_minimum_s"]
                else "-",
                r["posts_attempted"],
                r["reactions_attempted"],
                r["rate_limited_429"],
                r["duplicates"],
                r["losses"],
                r["missing_reactions"],
                r["clocks_cpu_s"],
                r["clock_cpu_ms_per_post"],
                r["clock_cpu_ms_per_post_after_startup"],
                r["clock_cpu_ms_per_call"],
                r["connections_per_post"],
            ]
            for r in results
        ],
    )
