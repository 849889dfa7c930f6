"""No query per row: the requests people send every day take the same number of SQL statements
whether the period holds a dozen goals or hundreds (the digests have their own such test)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, insert, select

from models import Checkin, CheckinPrompt, Goal, GoalOwner, Workspace
from tests.harness import run_command

pytestmark = pytest.mark.usefixtures("frozen_time", "roadmap")


class StatementCounter:
    def __init__(self, engine):
        self.count = 0
        self.lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args) -> None:
        with self.lock:
            self.count += 1

    def measure(self, action) -> int:
        with self.lock:
            start = self.count
        action()
        with self.lock:
            return self.count - start


def grow(session, slack, extra: int) -> None:
    """Add `extra` goals (with owners and check-ins) to the current period, G1's category."""
    workspace_id = session.scalar(select(Workspace.id))
    period_id, category_id, roadmap_id = session.execute(
        select(Goal.period_id, Goal.category_id, Goal.roadmap_id).where(Goal.number == 1)
    ).one()
    rows = [
        {
            "workspace_id": workspace_id,
            "number": 1000 + n,
            "roadmap_id": roadmap_id,
            "period_id": period_id,
            "category_id": category_id,
            "title": f"Extra {n}",
            "normalized_title": f"extra {n}",
            "status": ("at-risk", "on-track", "blocked")[n % 3],
        }
        for n in range(extra)
    ]
    session.execute(insert(Goal), rows)
    ids = session.scalars(select(Goal.id).where(Goal.number >= 1000)).all()
    session.execute(
        insert(GoalOwner),
        [{"workspace_id": workspace_id, "goal_id": g, "owner": slack.alice} for g in ids],
    )
    session.execute(
        insert(Checkin),
        [
            {"workspace_id": workspace_id, "goal_id": g, "cycle": "2025-W09",
             "user_id": slack.alice, "status": "on-track", "source": "reaction"}
            for g in ids
        ],
    )  # fmt: skip
    session.commit()


def react(running_app, slack, prompt: tuple[str, str], name: str) -> None:
    channel, ts = prompt
    slack.fake.user_react(channel, ts, slack.alice, name)
    event = {
        "type": "reaction_added",
        "user": slack.alice,
        "reaction": name,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "item_user": slack.bot_user_id,
        "event_ts": ts,
    }
    assert running_app.event(event).status == 200
    assert running_app.runtime.listener_executor.wait_idle(15)


def g1_prompt(running_app, slack, session) -> tuple[str, str]:
    """Ask for check-ins once; the channel and ts of alice's prompt for G1."""
    run_command(running_app, "checkin prompt", user_id=slack.admin, channel_id=slack.channel)
    session.rollback()  # see the app's commits
    channel, ts = session.execute(
        select(CheckinPrompt.channel_id, CheckinPrompt.message_ts)
        .join(Goal, Goal.id == CheckinPrompt.goal_id)
        .where(Goal.number == 1, CheckinPrompt.recipient == slack.alice)
    ).one()
    session.rollback()  # no read snapshot left open: grow() writes later
    return channel, ts


def counts(running_app, slack, percent: int, prompt, reaction: str) -> dict[str, int]:
    counter = StatementCounter(running_app.runtime.engine)

    def command(text):
        return lambda: run_command(running_app, text, user_id=slack.alice, channel_id=slack.channel)

    def home():
        running_app.event({"type": "app_home_opened", "user": slack.alice, "tab": "home"})
        assert running_app.runtime.listener_executor.wait_idle(15)

    home()  # warm the member cache so both runs take the same path
    return {
        "list": counter.measure(command("list")),
        "list mine": counter.measure(command("list mine")),
        "show": counter.measure(command("show G1")),
        "progress": counter.measure(command(f"progress G1 {percent}%")),
        "metrics": counter.measure(command("metrics")),
        "home": counter.measure(home),
        # a check-in by reaction, changing the status alice gave before
        "reaction": counter.measure(lambda: react(running_app, slack, prompt, reaction)),
    }


def test_statement_counts_do_not_grow_with_the_roadmap(running_app, slack, session):
    # One goal needing attention already, so both runs show every section of the App Home.
    run_command(running_app, "status G2 at-risk", user_id=slack.admin, channel_id=slack.channel)
    prompt = g1_prompt(running_app, slack, session)
    react(running_app, slack, prompt, "large_yellow_circle")  # alice's first answer
    small = counts(running_app, slack, 50, prompt, "large_green_circle")
    grow(session, slack, 300)
    large = counts(running_app, slack, 60, prompt, "red_circle")  # a change again
    session.rollback()
    assert session.scalar(select(Goal.status).where(Goal.number == 1)) == "off-track"
    assert large == small
