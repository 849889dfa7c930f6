"""A token Slack refuses is used once: the workspace is marked inactive, its deliveries wait
(parked, not failed), and nothing more is called until a working token arrives; then the
parked deliveries still worth sending go out, once."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.runtime import Runtime
from bot.scheduling.tick import tick
from models import Delivery, Schedule, Workspace
from tests.test_scheduling import at, deliveries, no_pacing, posts, schedule

REFUSAL = "Slack refused the bot token"


@pytest.fixture
def runtime(settings):
    runtime = Runtime.from_settings(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def workspace_id(runtime, slack):
    from bot.services.workspaces import ensure_workspace

    with runtime.session_factory() as session, session.begin():
        workspace = ensure_workspace(session=session, team_id=slack.team_id, name="Acme")
        workspace.roadmap_channel_id = slack.channel
        session.execute(Schedule.__table__.delete())
        return workspace.id


def workspace(runtime, workspace_id) -> Workspace:
    with runtime.session_factory() as session:
        return session.get(Workspace, workspace_id)


def states(runtime) -> dict[str, int]:
    with runtime.session_factory() as session:
        rows = session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))
        return dict(rows.all())


def restarted(settings, **changes) -> Runtime:
    """A new process (the clock or `python -m bot tick`), perhaps with a new token."""
    return Runtime.from_settings(replace(settings, **changes))


def test_a_revoked_token_is_used_once_then_parks_everything_until_a_new_one(
    runtime, settings, workspace_id, slack, caplog
):
    caplog.set_level(logging.WARNING)
    schedule(runtime, workspace_id, "every monday 09:00", text="Update your goals")
    slack.fake.revoke_token(slack.bot_token)

    # Monday 09:00 Berlin: the one post is refused.
    report = tick(runtime, now=at("2025-03-03T08:00:30+00:00"), pacer=no_pacing())
    assert report.sent.parked and not report.sent.failed
    assert "parked: Slack refused the bot token" in report.summary()
    assert workspace(runtime, workspace_id).inactive_reason == "token_revoked"
    assert states(runtime) == {"parked": 1}
    assert len(slack.fake.calls_to("chat.postMessage")) == 1

    # 100 more come due. The clock restarts with the same (dead) token: one auth.test, no post.
    for n in range(100):
        schedule(runtime, workspace_id, "every monday 09:05", text=f"Reminder {n}")
    before = len(slack.fake.calls)
    again = restarted(settings)
    try:
        report = tick(again, now=at("2025-03-03T08:05:30+00:00"), pacer=no_pacing())
        assert len(slack.fake.calls) - before <= 1
        assert [c.method for c in slack.fake.calls[before:]] == ["auth.test"]
        # and while it runs, further ticks call nothing at all
        tick(again, now=at("2025-03-03T08:06:30+00:00"), pacer=no_pacing())
        assert len(slack.fake.calls) - before == 1
    finally:
        again.close()
    assert report.planned == 100 and not report.sent.failed
    assert states(runtime) == {"parked": 101}
    with runtime.session_factory() as session:  # refusals pause nothing
        assert session.scalar(select(func.max(Schedule.consecutive_failures))) == 0
        assert all(session.scalars(select(Schedule.enabled)))
    refusals = [r for r in caplog.records if REFUSAL in r.getMessage()]
    assert len(refusals) == 1  # the operator is told once

    # A new token, and a restart at 10:02: the 09:05 reminders are still worth sending (an
    # hour's grace), the 09:00 one is not.
    token = slack.fake.install_bot(slack.team_id)
    slack.fake.join(slack.channel, slack.fake.bot_user_id(token))
    revived = restarted(settings, slack_bot_token=token)
    try:
        report = tick(revived, now=at("2025-03-03T09:02:00+00:00"), pacer=no_pacing())
        assert len(report.sent.sent) == 100
        tick(revived, now=at("2025-03-03T09:03:00+00:00"), pacer=no_pacing())
    finally:
        revived.close()
    assert workspace(runtime, workspace_id).inactive_since is None
    assert states(runtime) == {"sent": 100, "missed": 1}
    texts = sorted(m["text"] for m in posts(slack))
    assert texts == sorted(f":alarm_clock: Reminder {n}" for n in range(100))  # each once
    (missed,) = deliveries(runtime, state="missed")
    assert "token was refused" in missed.error


def test_a_digest_whose_token_dies_mid_thread_stops_and_resumes_with_a_working_one(
    runtime, settings, roadmap, workspace_id, slack
):
    from tests.test_scheduling import WEEKLY_PARTS, digest_parts

    schedule(runtime, workspace_id, "every monday 09:00", kind="weekly_digest", text=None)
    # The summary and one part go out, then Slack refuses the token.
    slack.fake.fail("chat.postMessage", "token_revoked", after=2, times=50)
    report = tick(runtime, now=at("2025-03-03T08:00:30+00:00"), pacer=no_pacing())
    assert report.sent.parked and not report.sent.sent
    assert len(slack.fake.calls_to("chat.postMessage")) == 3  # not one more part after that
    (parked,) = deliveries(runtime, state="parked")
    assert parked.message_ts  # the summary is known: the thread resumes there
    slack.fake.clear_faults()

    revived = restarted(settings)  # the token works (auth.test says so): a restart resumes
    try:
        report = tick(revived, now=at("2025-03-03T08:10:30+00:00"), pacer=no_pacing())
    finally:
        revived.close()
    assert report.sent.sent == [parked.id]
    summaries, parts = digest_parts(slack, slack.channel)
    assert summaries == 1 and sorted(parts) == sorted(WEEKLY_PARTS)
    assert set(parts.values()) == {1}  # each part once


def test_in_one_tick_a_refusal_stops_the_other_deliveries_of_the_workspace(
    runtime, workspace_id, slack
):
    for n in range(30):
        schedule(runtime, workspace_id, "every monday 09:00", text=f"Reminder {n}")
    slack.fake.revoke_token(slack.bot_token)
    report = tick(runtime, now=at("2025-03-03T08:00:30+00:00"), pacer=no_pacing())
    assert report.sent.parked and not report.sent.failed and not report.sent.sent
    assert states(runtime) == {"parked": 30}
    # Only the posts already under way when the first refusal came back were made.
    assert len(slack.fake.calls_to("chat.postMessage")) <= 8
