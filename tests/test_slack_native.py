"""What Slack and the internet send, over signed HTTP and the CLI against the fake Slack:
refusals that are the person's to fix (no roadmap to export, a form that took too long)
answer privately without a traceback."""

from __future__ import annotations

import logging

import pytest

from tests.harness import run_command


def test_export_without_a_roadmap_answers_privately_without_a_traceback(
    running_app, slack, caplog
) -> None:
    caplog.set_level(logging.INFO)
    outcome = run_command(running_app, "export json", user_id=slack.alice, channel_id=slack.channel)
    assert outcome.status == 200
    assert "no roadmap yet" in outcome.text and "/roadmap import" in outcome.text
    assert "something went wrong" not in outcome.text.lower()
    assert all(m.get("response_type", "ephemeral") == "ephemeral" for m in outcome.messages)
    assert not slack.fake.calls_to("files.completeUploadExternal")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize("code", ["expired_trigger_id", "exchanged_trigger_id"])
def test_a_form_slack_would_not_open_in_time_asks_to_run_the_command_again(
    running_app, slack, caplog, code
) -> None:
    caplog.set_level(logging.INFO)
    slack.fake.fail("views.open", code)
    outcome = run_command(running_app, "import", user_id=slack.admin, channel_id=slack.channel)
    assert outcome.status == 200
    assert slack.fake.calls_to("views.open")
    assert "took too long" in outcome.text and "run the command again" in outcome.text
    assert "something went wrong" not in outcome.text.lower()
    assert all(m.get("response_type", "ephemeral") == "ephemeral" for m in outcome.messages)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.usefixtures("frozen_time", "roadmap")
def test_a_manual_digest_killed_after_two_posts_resumes_the_rest_once(
    running_app, slack, monkeypatch
) -> None:
    """`/roadmap digest weekly` posts through a delivery row: its sender dies after the
    summary and one thread part (6 messages in all); the clock's next tick finds the row
    abandoned and posts the other 4, none of them twice."""
    from datetime import timedelta

    from slack_sdk import WebClient

    from bot.scheduling.tick import tick
    from models import Delivery, utcnow
    from tests.test_scheduling import WEEKLY_PARTS, digest_parts, no_pacing

    post = WebClient.chat_postMessage
    posted = []

    def dies_after_two(self, **kwargs):
        if len(posted) == 2:
            raise RuntimeError("the worker was killed")
        posted.append(kwargs)
        return post(self, **kwargs)

    monkeypatch.setattr(WebClient, "chat_postMessage", dies_after_two)
    run_command(running_app, "digest weekly", user_id=slack.admin, channel_id=slack.channel)
    monkeypatch.setattr(WebClient, "chat_postMessage", post)
    summaries, parts = digest_parts(slack, slack.channel)
    assert (summaries, sum(parts.values())) == (1, 1)
    factory = running_app.runtime.session_factory
    with factory() as session:
        (delivery,) = session.query(Delivery).all()
        # Cut mid-thread: the summary's ts is kept, and the delivery waits for a retry (the
        # sender saw the error) or for recovery (a killed process sees nothing).
        assert delivery.state in ("claimed", "pending") and delivery.message_ts

    report = tick(running_app.runtime, now=utcnow() + timedelta(minutes=6), pacer=no_pacing())
    assert report.sent.sent == [delivery.id], report.summary()
    tick(running_app.runtime, now=utcnow() + timedelta(minutes=7), pacer=no_pacing())
    summaries, parts = digest_parts(slack, slack.channel)
    assert summaries == 1 and sorted(parts) == sorted(WEEKLY_PARTS)
    assert set(parts.values()) == {1}  # 6 messages, each once
