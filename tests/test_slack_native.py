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
