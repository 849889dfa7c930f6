"""/roadmap schedule and /roadmap digest over signed HTTP, and their command-line twins."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.cli import main
from models import CheckinRound, Schedule
from tests.harness import run_command

pytestmark = pytest.mark.usefixtures("frozen_time", "roadmap")


@pytest.fixture
def ask(running_app, slack):
    def ask(text: str, user: str | None = None):
        return run_command(running_app, text, user_id=user or slack.admin, channel_id=slack.channel)

    return ask


def test_new_workspaces_have_default_schedules_listed_with_next_runs(ask):
    listed = ask("schedule list")
    for name in ("Check-in prompts", "Weekly digest", "Quarterly digest", "Knowledge sharing"):
        assert name in listed.text
    assert "next: Mon 10 Mar 10:00" in listed.text  # check-ins, every monday 10:00 (UTC)


def line_of(listed: str, label: str) -> str:
    (line,) = [part for part in listed.split("*#") if label in part]
    return line


def test_the_list_says_when_each_schedule_really_posts(ask, running_app, slack, frozen_time):
    from bot.scheduling.tick import tick
    from models import Delivery, Workspace
    from tests.test_team_local_time import at, no_pacing

    # 2 January 2025: the roadmap starts with Q1, so no quarter ends near the first Monday of
    # January; the quarterly digest first posts on the first Monday after Q1, 7 April.
    frozen_time.move_to("2025-01-02T09:00:00+00:00")
    listed = ask("schedule list").text
    assert "next: Mon 7 Apr 10:00 (UTC)" in line_of(listed, "Quarterly digest"), listed
    checkins = line_of(listed, "Check-in prompts")
    assert "next: Mon 6 Jan 10:00 in each person's own time zone" in checkins, checkins
    assert "(UTC)" not in checkins
    # 8 July: Q2's digest went on 7 July; nothing ends near 6 October (Q3-Q4 runs to
    # December), so the next is the first Monday after it: 5 January 2026.
    frozen_time.move_to("2025-07-08T09:00:00+00:00")
    listed = ask("schedule list").text
    assert "next: Mon 5 Jan 10:00 (UTC)" in line_of(listed, "Quarterly digest"), listed
    # The clock agrees: nothing on 6 October, the digest on 5 January.
    factory = running_app.runtime.session_factory
    with factory() as session, session.begin():
        session.scalar(select(Workspace)).roadmap_channel_id = slack.channel

    def planned() -> list[str]:
        with factory() as session:
            return list(
                session.scalars(
                    select(Delivery.occurrence_key)
                    .join(Schedule)
                    .where(Schedule.kind == "quarterly_digest")
                )
            )

    for instant in ("2025-10-06T10:00:30+00:00", "2026-01-05T10:00:30+00:00"):
        frozen_time.move_to(instant)
        tick(running_app.runtime, now=at(instant), pacer=no_pacing())
    assert [key[:10] for key in planned()] == ["2026-01-05"]


def test_add_pause_resume_test_and_delete(ask, slack, session):
    added = ask(
        f'schedule add reminder "every monday 09:00" <#{slack.channel}|eng> Update your goals'
    )
    assert "Schedule added" in added.text and "every Monday at 09:00" in added.text
    session.rollback()
    reminder = session.scalar(select(Schedule).where(Schedule.kind == "reminder"))
    assert (reminder.text, reminder.channel_id) == ("Update your goals", slack.channel)
    reminder_id = reminder.id
    assert "paused" in ask(f"schedule pause {reminder.id}").text
    assert "resumed" in ask(f"schedule resume {reminder.id}").text
    preview = ask(f"schedule test {reminder.id}")
    assert "Preview of schedule" in preview.text and "Update your goals" in preview.text
    assert not [m for m in slack.fake.messages(slack.channel) if m.get("bot_id")]
    assert "Deleted Reminder" in ask(f"schedule delete {reminder.id}").text
    session.rollback()
    assert session.get(Schedule, reminder_id) is None


def test_a_schedule_moves_or_skips_public_holidays(ask, slack, session):
    added = ask('schedule add reminder "the 1st of every month 09:00" Monthly numbers')
    schedule_id = added.text.split("*#", 1)[1].split(" ", 1)[0]
    refused = ask(f"schedule holidays {schedule_id} skip")
    assert "/roadmap config holidays DE" in refused.text  # whose holidays? not said yet
    ask("config holidays DE")
    skipped = ask("schedule next")
    assert "Tue 1 Apr 09:00, Thu 1 May 09:00" in skipped.text  # no policy: goes ahead
    moved = ask(f"schedule holidays {schedule_id} move")
    assert "Tue 1 Apr 09:00, Fri 2 May 09:00" in moved.text  # 1 May is Labour Day
    assert "moves past DE public holidays" in moved.text
    skipped = ask(f"schedule holidays {schedule_id} skip")
    assert "Tue 1 Apr 09:00, Sun 1 Jun 09:00" in skipped.text
    assert (
        "Only roadmap admins" in ask(f"schedule holidays {schedule_id} off", user=slack.alice).text
    )
    bad = ask(f"schedule holidays {schedule_id} later")
    assert "not a holiday choice" in bad.text
    session.rollback()
    assert session.get(Schedule, int(schedule_id)).holiday_policy == "skip"


def test_digest_preview_is_private_and_posting_is_for_admins(ask, slack):
    preview = ask("digest weekly preview", user=slack.alice)
    assert "Q1 2025 · week 10 of 13" in preview.text
    assert all(m.get("response_type", "ephemeral") == "ephemeral" for m in preview.messages)
    assert "Only roadmap admins can post a digest" in ask("digest weekly", user=slack.alice).text
    posted = ask("digest weekly")
    assert "Posted the weekly digest" in posted.text
    summaries = [
        m
        for m in slack.fake.messages(slack.channel)
        if m.get("bot_id") and m.get("thread_ts") in (None, m["ts"])
    ]
    assert len(summaries) == 1
    thread = [
        m
        for m in slack.fake.messages(slack.channel)
        if m.get("thread_ts") == summaries[0]["ts"] != m["ts"]
    ]
    assert thread


def test_cli_schedules_tick_and_digest(settings, slack, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", settings.slack_bot_token)
    monkeypatch.setenv("SLACK_API_URL", settings.slack_api_url)
    assert main(["schedules", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {s["kind"] for s in listed} >= {"weekly_digest", "checkin_prompt", "retrospective"}
    assert all(s["next"] for s in listed)
    assert main(["tick", "--now", "2025-03-10T10:00:30Z", "--dry-run"]) == 0
    assert "would send checkin_prompt" in capsys.readouterr().out
    assert main(["digest", "weekly", "--preview", "--as-of", "2025-03-05"]) == 0
    assert "Roadmap weekly · Q1 2025 · week 10 of 13" in capsys.readouterr().out
    assert main(["tick", "--now", "not a time"]) == 2


def test_testing_the_check_in_schedule_previews_a_prompt_and_sends_nothing(ask, slack, session):
    """Not a pointer to /roadmap checkin prompt (which asks everyone for real): a private
    preview of the message a person would get, and who would get one."""
    checkin = session.scalar(select(Schedule).where(Schedule.kind == "checkin_prompt"))
    before = len(slack.fake.calls_to("chat.postMessage"))
    preview = ask(f"schedule test {checkin.id}")
    assert "Preview of schedule" in preview.text and "/roadmap checkin prompt" not in preview.text
    said = preview.text
    assert "Check-in · Week of 10 March" in said and "how are your 2 goals going" in said
    assert "2 people would be asked about 3 goals" in said and f"(<@{slack.alice}>'s)" in said
    assert all(m.get("response_type", "ephemeral") == "ephemeral" for m in preview.messages)
    assert len(slack.fake.calls_to("chat.postMessage")) == before
    session.rollback()
    assert session.scalar(select(CheckinRound.id)) is None
