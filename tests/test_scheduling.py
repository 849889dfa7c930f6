"""The clock: frozen-time ticks post exactly what is due, once, in local time, through faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.runtime import Runtime
from bot.scheduling.pacing import Pacer
from bot.scheduling.tick import tick
from bot.services.schedules import add_schedule
from bot.services.workspaces import ensure_workspace
from models import Delivery, Period, Schedule, Workspace


def no_pacing() -> Pacer:
    """A pacer that never waits. A new one per tick: a 429's hold is kept in real time, and a
    frozen-time test jumps ahead without it passing."""
    return Pacer(per_channel=0, per_workspace=0, sleep=lambda seconds: None)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


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
        session.execute(Schedule.__table__.delete())  # start from no schedules at all
        return workspace.id


def schedule(
    runtime,
    workspace_id,
    rule,
    *,
    kind="reminder",
    text="Update your goals",
    tz="Europe/Berlin",
    created="2025-01-01T00:00:00+00:00",
    channel=None,
) -> int:
    with runtime.session_factory() as session, session.begin():
        workspace = session.get(Workspace, workspace_id)
        view = add_schedule(
            session=session,
            workspace=workspace,
            actor=None,
            now=at(created),
            kind=kind,
            rule=rule,
            text=text,
            timezone=tz,
            channel_id=channel,
        )
        return view.id


def posts(slack, channel=None):
    return [m for m in slack.fake.messages(channel or slack.channel) if m.get("bot_id")]


def process_env(settings) -> dict:
    """The environment of a `python -m bot tick|clock` process against the fake Slack."""
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "SLACK_SIGNING_SECRET": "x",
        "SLACK_API_URL": settings.slack_api_url,
    }


def deliveries(runtime, **where):
    with runtime.session_factory() as session:
        query = select(Delivery).order_by(Delivery.due_at)
        for key, value in where.items():
            query = query.where(getattr(Delivery, key) == value)
        return session.scalars(query).all()


def test_a_due_reminder_is_posted_once(runtime, workspace_id, slack):
    schedule(runtime, workspace_id, "every monday 09:00")
    assert tick(runtime, now=at("2025-03-03T07:59:00+00:00"), pacer=no_pacing()).sent.sent == []
    report = tick(runtime, now=at("2025-03-03T08:00:30+00:00"), pacer=no_pacing())  # 09:00 Berlin
    assert len(report.sent.sent) == 1, report
    assert len(posts(slack)) == 1, [(m["text"], m.get("metadata")) for m in posts(slack)]
    (message,) = posts(slack)
    assert "Update your goals" in message["text"]
    again = tick(runtime, now=at("2025-03-03T08:00:30+00:00"), pacer=no_pacing())
    assert again.sent.sent == [] and len(posts(slack)) == 1
    (delivery,) = deliveries(runtime, state="sent")
    assert (delivery.state, delivery.message_ts) == ("sent", message["ts"])


@pytest.mark.parametrize(
    ("zone", "spring", "autumn"),
    [
        ("Europe/Berlin", "2025-03-30", "2025-10-26"),
        ("America/New_York", "2025-03-09", "2025-11-02"),
    ],
)
def test_local_time_is_kept_across_both_dst_changes(
    runtime, workspace_id, slack, zone, spring, autumn
):
    schedule(runtime, workspace_id, "every day 09:00", tz=zone)
    tz = ZoneInfo(zone)
    for day in (spring, autumn):
        for offset in (-1, 0, 1):
            local = datetime.fromisoformat(day).replace(hour=9, minute=0, tzinfo=tz) + timedelta(
                days=offset
            )
            tick(runtime, now=(local + timedelta(seconds=30)).astimezone(UTC), pacer=no_pacing())
    sent = deliveries(runtime, state="sent")
    assert len(sent) == 6
    assert {d.due_at.astimezone(tz).strftime("%H:%M") for d in sent} == {"09:00"}
    assert len({d.due_at for d in sent}) == 6


def test_a_week_of_downtime_sends_at_most_one_catch_up_per_schedule(runtime, workspace_id, slack):
    schedule(runtime, workspace_id, "every day 09:00", tz="UTC")
    schedule(runtime, workspace_id, "every monday 09:00", kind="weekly_digest", text=None, tz="UTC")
    tick(runtime, now=at("2025-03-01T09:00:10+00:00"), pacer=no_pacing())
    before = len(posts(slack))
    # Back after a week, 30 minutes after Saturday's 09:00 reminder was due.
    tick(runtime, now=at("2025-03-08T09:30:00+00:00"), pacer=no_pacing())
    with runtime.session_factory() as session:
        by_state = dict(
            session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all()
        )
    reminders_sent = [
        d for d in deliveries(runtime, state="sent") if d.due_at > at("2025-03-02T00:00:00+00:00")
    ]
    assert len(reminders_sent) <= 2  # one reminder catch-up, at most one digest
    assert by_state["missed"] >= 6
    assert len(posts(slack)) - before <= 2


def test_two_ticks_at_once_post_each_occurrence_once(runtime, workspace_id, slack, settings):
    channels = [
        slack.fake.add_channel(slack.team_id, name=f"team-{n}", members=[slack.bot_user_id])["id"]
        for n in range(40)
    ]
    for channel in channels:
        schedule(runtime, workspace_id, "every monday 09:00", tz="UTC", channel=channel)
    now = at("2025-03-03T09:00:30+00:00")
    runtimes = [Runtime.from_settings(settings) for _ in range(4)]
    threads = [
        threading.Thread(target=tick, args=(r,), kwargs={"now": now, "pacer": no_pacing()})
        for r in runtimes
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for r in runtimes:
        r.close()
    assert sum(len(posts(slack, c)) for c in channels) == 40
    assert all(len(posts(slack, c)) == 1 for c in channels)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_ticks_on_postgresql_threads_and_processes(
    runtime, workspace_id, slack, settings, tmp_path
):
    channels = [
        slack.fake.add_channel(slack.team_id, name=f"c-{n}", members=[slack.bot_user_id])["id"]
        for n in range(200)
    ]
    with runtime.session_factory() as session, session.begin():
        workspace = session.get(Workspace, workspace_id)
        for channel in channels:
            add_schedule(
                session=session,
                workspace=workspace,
                actor=None,
                now=at("2025-01-01T00:00:00+00:00"),
                kind="reminder",
                rule="every monday 09:00",
                text="hi",
                timezone="UTC",
                channel_id=channel,
            )
    now = at("2025-03-03T09:00:30+00:00")
    with runtime.session_factory() as session, session.begin():
        from bot.scheduling.planner import plan

        plan(session, now)
    env = process_env(settings)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "tick", "--now", now.isoformat()],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    runtimes = [Runtime.from_settings(settings) for _ in range(3)]
    threads = [
        threading.Thread(target=tick, args=(r,), kwargs={"now": now, "pacer": no_pacing()})
        for r in runtimes
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for process in processes:
        process.communicate(timeout=120)
    for r in runtimes:
        r.close()
    counts = [len(posts(slack, c)) for c in channels]
    assert counts == [1] * 200
    assert len(deliveries(runtime, state="sent")) == 200


def test_429_waits_and_retries(runtime, workspace_id, slack):
    schedule(runtime, workspace_id, "every monday 09:00", tz="UTC")
    slack.fake.fail("chat.postMessage", status=429, retry_after=30, times=1)
    now = at("2025-03-03T09:00:30+00:00")
    report = tick(runtime, now=now, pacer=no_pacing())
    assert report.sent.retrying and not posts(slack)
    (delivery,) = deliveries(runtime)
    assert delivery.state == "pending" and delivery.next_attempt_at == now + timedelta(seconds=30)
    tick(runtime, now=now + timedelta(seconds=10), pacer=no_pacing())
    assert not posts(slack)
    tick(runtime, now=now + timedelta(seconds=31), pacer=no_pacing())
    assert len(posts(slack)) == 1


def test_server_errors_are_retried_with_backoff(runtime, workspace_id, slack):
    schedule(runtime, workspace_id, "every monday 09:00", tz="UTC")
    slack.fake.fail("chat.postMessage", status=500, times=1)
    now = at("2025-03-03T09:00:30+00:00")
    tick(runtime, now=now, pacer=no_pacing())
    (delivery,) = deliveries(runtime)
    assert delivery.state == "pending" and delivery.error
    tick(runtime, now=now + timedelta(minutes=1), pacer=no_pacing())
    assert len(posts(slack)) == 1


def test_permanent_errors_fail_then_pause_and_tell_the_admins(runtime, workspace_id, slack):
    with runtime.session_factory() as session, session.begin():
        session.get(Workspace, workspace_id).admin_user_ids = [slack.admin]
    schedule_id = schedule(
        runtime, workspace_id, "every day 09:00", tz="UTC", created="2025-03-02T00:00:00+00:00"
    )
    # Every post fails, even after the bot joins the (public) channel.
    slack.fake.fail("chat.postMessage", error="not_in_channel", times=100)
    for day in (3, 4, 5):
        tick(runtime, now=at(f"2025-03-0{day}T09:00:30+00:00"), pacer=no_pacing())
    failed = deliveries(runtime, state="failed")
    assert [d.error for d in failed] == ["not_in_channel"] * 3, [
        (d.occurrence_key, d.state, d.error) for d in deliveries(runtime)
    ]
    with runtime.session_factory() as session:
        paused = session.get(Schedule, schedule_id)
        assert not paused.enabled and "not_in_channel" in paused.paused_reason
    dm = [
        c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("channel") == slack.admin
    ]
    assert dm and "paused" in json.dumps(dm[-1].params)
    before = len(deliveries(runtime))
    tick(runtime, now=at("2025-03-06T09:00:30+00:00"), pacer=no_pacing())
    assert len(deliveries(runtime)) == before  # a paused schedule plans nothing


def test_a_timeout_is_checked_not_blindly_retried(settings, workspace_id, slack):
    from dataclasses import replace

    runtime = Runtime.from_settings(replace(settings, slack_timeout=1.0))
    try:
        schedule(runtime, workspace_id, "every monday 09:00", tz="UTC")
        slack.fake.fail("chat.postMessage", delay=1.6, apply=True, times=1)
        now = at("2025-03-03T09:00:30+00:00")
        report = tick(runtime, now=now, pacer=no_pacing())
        assert report.sent.uncertain
        time.sleep(0.8)  # let the fake finish storing the slow post (the delay above)
        tick(runtime, now=now + timedelta(minutes=2), pacer=no_pacing())
        assert len(posts(slack)) == 1  # found by its metadata, not posted again
        (delivery,) = deliveries(runtime)
        assert delivery.state == "sent" and delivery.message_ts == posts(slack)[0]["ts"]
    finally:
        runtime.close()


def test_a_timeout_that_never_posted_is_sent_again_once(settings, workspace_id, slack):
    from dataclasses import replace

    runtime = Runtime.from_settings(replace(settings, slack_timeout=1.0))
    try:
        schedule(runtime, workspace_id, "every monday 09:00", tz="UTC")
        slack.fake.fail("chat.postMessage", delay=1.6, times=1)  # not applied: nothing posted
        now = at("2025-03-03T09:00:30+00:00")
        tick(runtime, now=now, pacer=no_pacing())
        time.sleep(0.8)
        tick(runtime, now=now + timedelta(minutes=2), pacer=no_pacing())
        tick(runtime, now=now + timedelta(minutes=3), pacer=no_pacing())
        assert len(posts(slack)) == 1
    finally:
        runtime.close()


def test_dry_run_sends_nothing(runtime, workspace_id, slack):
    schedule(runtime, workspace_id, "every monday 09:00", tz="UTC")
    report = tick(runtime, now=at("2025-03-03T09:00:30+00:00"), dry_run=True)
    assert len(report.due) == 1 and "reminder" in report.due[0]
    assert posts(slack) == [] and deliveries(runtime) == []


def test_killed_tick_leaves_the_rest_to_the_next_without_duplicates(
    runtime, workspace_id, slack, settings, tmp_path
):
    channels = [
        slack.fake.add_channel(slack.team_id, name=f"k-{n}", members=[slack.bot_user_id])["id"]
        for n in range(6)
    ]
    for channel in channels:
        schedule(runtime, workspace_id, "every monday 09:00", tz="UTC", channel=channel)
    slack.fake.fail("chat.postMessage", delay=2.0, apply=True, times=6)
    now = at("2025-03-03T09:00:30+00:00")
    env = process_env(settings)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "tick", "--now", now.isoformat()],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not slack.fake.calls_to("chat.postMessage"):
        time.sleep(0.05)  # waiting for a process to reach a state, not for a schedule
    time.sleep(2.5)  # mid-run: one post stored, the next one in flight
    process.send_signal(signal.SIGKILL)
    process.wait()
    slack.fake.clear_faults()
    time.sleep(2.2)  # let the in-flight post land in the fake, as it would at Slack
    tick(runtime, now=now + timedelta(minutes=6), pacer=no_pacing())
    assert [len(posts(slack, c)) for c in channels] == [1] * 6
    assert len(deliveries(runtime, state="sent")) == 6


@pytest.mark.slow
def test_the_clock_process_posts_a_due_reminder(runtime, workspace_id, slack, settings, tmp_path):
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=2)).strftime("%H:%M")
    schedule(
        runtime,
        workspace_id,
        f"every day {due}",
        tz="UTC",
        created=(now - timedelta(days=1)).isoformat(),
    )
    env = process_env(settings)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "clock"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not posts(slack):
            time.sleep(0.1)  # polling the fake for the clock's post
        assert len(posts(slack)) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err


def test_the_bot_joins_a_public_channel_it_is_not_in(runtime, workspace_id, slack):
    public = slack.fake.add_channel(slack.team_id, name="announcements", members=[slack.alice])
    private = slack.fake.add_channel(
        slack.team_id, name="leads", members=[slack.alice], is_private=True
    )
    schedule(runtime, workspace_id, "every monday 09:00", tz="UTC", channel=public["id"])
    schedule(runtime, workspace_id, "every monday 09:00", tz="UTC", channel=private["id"])
    tick(runtime, now=at("2025-03-03T09:00:30+00:00"), pacer=no_pacing())
    assert slack.fake.calls_to("conversations.join")
    assert len(posts(slack, public["id"])) == 1
    (failed,) = deliveries(runtime, state="failed")
    assert failed.error in ("not_in_channel", "channel_not_found")


@pytest.mark.parametrize("landed", [True, False], ids=["part-landed", "part-lost"])
def test_a_digest_cut_mid_thread_resumes_without_repeating_a_part(
    settings, roadmap, workspace_id, slack, landed
):
    from dataclasses import replace

    runtime = Runtime.from_settings(replace(settings, slack_timeout=1.0))
    try:
        schedule(runtime, workspace_id, "every monday 09:00", kind="weekly_digest", text=None)
        # The summary and two details go out; the third detail times out (posted or not).
        slack.fake.fail("chat.postMessage", delay=1.6, apply=landed, after=3)
        now = at("2025-03-03T08:00:30+00:00")  # 09:00 in Berlin
        assert tick(runtime, now=now, pacer=no_pacing()).sent.uncertain
        (delivery,) = deliveries(runtime)
        assert delivery.state == "uncertain" and delivery.message_ts  # the summary is known
        time.sleep(0.8)  # let the fake finish storing the slow post (the delay above)
        report = tick(runtime, now=now + timedelta(minutes=2), pacer=no_pacing())
        assert report.sent.recovered == [delivery.id] and report.sent.sent == [delivery.id]
    finally:
        runtime.close()
    (summary,) = [m for m in posts(slack) if m.get("thread_ts") in (None, m["ts"])]
    replies = [m for m in slack.fake.messages(slack.channel) if m.get("thread_ts") == summary["ts"]]
    parts = [m["metadata"]["event_payload"]["part"] for m in replies if m["ts"] != summary["ts"]]
    assert sorted(parts) == sorted(WEEKLY_PARTS)  # each detail once, none repeated or lost
    (sent,) = deliveries(runtime, state="sent")
    assert sent.message_ts == summary["ts"]


# The weekly digest's thread parts for the sample roadmap, each named by its section.
WEEKLY_PARTS = ("where", "changes", "attention", "metrics", "coming-up")


def digest_parts(slack, channel) -> tuple[int, Counter]:
    """How many digest summaries a channel holds, and how often each thread part was posted."""
    messages = posts(slack, channel)
    tops = [m for m in messages if m.get("thread_ts") in (None, m["ts"])]
    parts = Counter(
        m["metadata"]["event_payload"]["part"] for m in messages if m not in tops and m["metadata"]
    )
    return len(tops), parts


@pytest.mark.slow
def test_a_clock_killed_mid_fan_out_and_restarted_sends_everything_once(
    runtime, roadmap, workspace_id, slack, settings, tmp_path
):
    channels = [
        slack.fake.add_channel(slack.team_id, name=f"digest-{n}", members=[slack.bot_user_id])["id"]
        for n in range(4)
    ]
    now = datetime.now(UTC)
    # A weekly digest is sent only while a period runs: make Q1 2025 today's period.
    with runtime.session_factory() as session, session.begin():
        q1 = session.scalar(select(Period).where(Period.label == "Q1 2025"))
        q1.start_date, q1.end_date = (
            (now - timedelta(days=30)).date(),
            (now + timedelta(days=60)).date(),
        )
    for channel in channels:
        schedule(
            runtime,
            workspace_id,
            f"every day {now - timedelta(minutes=1):%H:%M}",
            kind="weekly_digest",
            text=None,
            tz="UTC",
            channel=channel,
            created=(now - timedelta(days=1)).isoformat(),
        )
    env = process_env(settings)

    def start_clock():
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "clock"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    first = start_clock()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(slack.fake.calls_to("chat.postMessage")) < 8:
        time.sleep(0.02)  # waiting for the clock to be mid-fan-out, not for a schedule
    first.send_signal(signal.SIGKILL)
    first.wait()
    stored = sum(len(posts(slack, c)) for c in channels)
    assert 8 <= stored < 24, "the kill should land in the middle of the fan-out"
    # Five minutes on, the dead clock's claims count as abandoned (see STALE_CLAIM).
    with runtime.session_factory() as session, session.begin():
        for delivery in session.scalars(select(Delivery).where(Delivery.state == "claimed")):
            delivery.claimed_at -= timedelta(minutes=6)
    second = start_clock()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(deliveries(runtime, state="sent")) < 4:
            time.sleep(0.1)  # polling for the restarted clock's progress
    finally:
        second.send_signal(signal.SIGTERM)
        _out, err = second.communicate(timeout=30)
    assert second.returncode == 0, err
    for channel in channels:
        summaries, parts = digest_parts(slack, channel)
        assert summaries == 1 and parts == Counter(WEEKLY_PARTS), channel
    assert len(deliveries(runtime, state="sent")) == 4


def test_a_stopping_clock_finishes_what_it_holds_and_claims_nothing_more(
    runtime, workspace_id, slack
):
    channels = [
        slack.fake.add_channel(slack.team_id, name=f"stop-{n}", members=[slack.bot_user_id])["id"]
        for n in range(20)
    ]
    for channel in channels:
        schedule(runtime, workspace_id, "every monday 09:00", tz="UTC", channel=channel)
    slack.fake.fail("chat.postMessage", delay=0.5, apply=True, times=20)  # posts in flight
    stopping = threading.Event()

    def sigterm_once_posting():  # SIGTERM arrives while the first posts are out
        deadline = time.monotonic() + 30
        while not slack.fake.calls_to("chat.postMessage") and time.monotonic() < deadline:
            time.sleep(0.01)  # waiting for the tick to reach a state, not for a schedule
        stopping.set()

    threading.Thread(target=sigterm_once_posting, daemon=True).start()
    report = tick(
        runtime, now=at("2025-03-03T09:00:30+00:00"), pacer=no_pacing(), stopping=stopping
    )
    sent = len(report.sent.sent)
    assert 0 < sent < 20  # the posts in flight finished...
    assert len(deliveries(runtime, state="pending")) == 20 - sent  # ...the rest wait, unclaimed
    assert sum(len(posts(slack, c)) for c in channels) == sent
    later = tick(runtime, now=at("2025-03-03T09:01:30+00:00"), pacer=no_pacing())
    assert len(later.sent.sent) == 20 - sent
    assert [len(posts(slack, c)) for c in channels] == [1] * 20


@pytest.mark.parametrize("kind", ["reminder", "weekly_digest"])
def test_a_public_channel_the_bot_cannot_join_fails_the_delivery_and_the_tick_ends(
    runtime, roadmap, workspace_id, slack, kind
):
    public = slack.fake.add_channel(slack.team_id, name="news", members=[slack.alice])
    schedule(runtime, workspace_id, "every monday 09:00", kind=kind, tz="UTC", channel=public["id"])
    slack.fake.fail("conversations.join", "missing_scope")  # e.g. installed without channels:join
    report = tick(runtime, now=at("2025-03-03T09:00:30+00:00"), pacer=no_pacing())
    assert [reason for _, reason in report.sent.failed] == ["not_in_channel"]
    (failed,) = deliveries(runtime, state="failed")
    assert failed.error == "not_in_channel" and posts(slack, public["id"]) == []


def test_a_delivery_whose_sender_keeps_dying_is_given_up(runtime, workspace_id, slack):
    from bot.scheduling.sender import MAX_ATTEMPTS

    schedule(runtime, workspace_id, "every monday 09:00", tz="UTC")
    now = at("2025-03-03T09:00:30+00:00")
    tick(runtime, now=now - timedelta(minutes=1), pacer=no_pacing())  # planned, not yet due
    with runtime.session_factory() as session, session.begin():
        (delivery,) = session.scalars(select(Delivery))
        delivery.state, delivery.claimed_by = "claimed", "gone:1"
        delivery.claimed_at, delivery.attempts = now - timedelta(minutes=10), MAX_ATTEMPTS
        delivery.channel_id = slack.channel
        stuck = delivery.id
    report = tick(runtime, now=now, pacer=no_pacing())
    (given_up,) = [d for d in deliveries(runtime) if d.id == stuck]
    assert given_up.state == "failed" and "gave up after 5 tries" in given_up.error
    assert report.sent.recovered == [stuck]
    assert len(posts(slack)) == len(report.sent.sent)  # only the deliveries that were sent


def test_a_recovery_settles_a_delivery_only_if_nobody_else_did(runtime, workspace_id):
    from bot.scheduling.claims import refresh, settle_unchanged

    schedule(runtime, workspace_id, "every monday 09:00", tz="UTC")
    now = at("2025-03-03T09:00:30+00:00")
    tick(runtime, now=now - timedelta(minutes=1), pacer=no_pacing())
    seen_at = now - timedelta(minutes=10)
    with runtime.session_factory() as session, session.begin():
        (delivery,) = session.scalars(select(Delivery))
        delivery.state, delivery.claimed_by, delivery.claimed_at = "claimed", "a:1", seen_at
        delivery_id = delivery.id
    with runtime.session_factory() as session, session.begin():
        refresh(session, "a:1", now)  # its worker is alive after all: the claim is renewed
    with runtime.session_factory() as session, session.begin():
        assert not settle_unchanged(session, delivery_id, "claimed", seen_at, state="pending")
    assert deliveries(runtime)[0].state == "claimed"
    with runtime.session_factory() as session, session.begin():
        assert settle_unchanged(session, delivery_id, "claimed", now, state="pending")
    assert deliveries(runtime)[0].state == "pending"
