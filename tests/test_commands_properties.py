"""Random /roadmap texts: each gets an answer and none fails. A thousand run in-process
(the handler's parse, then the command's flow in its unit of work); a smaller set goes over
signed HTTP, where the answer must also be a 200 with fallback text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.flows.outcome import Outcome
from handlers.commands import roadmap_command
from tests.flows import run
from tests.harness import run_command

NOW = datetime(2025, 3, 5, 10, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("frozen_time", "roadmap")

WORDS = [
    "list", "show", "add", "edit", "assign", "progress", "status", "done", "archive",
    "history", "metrics", "metric", "checkin", "check-in", "away", "back", "schedule",
    "schedules", "digest", "import", "export", "config", "help", "share", "mine", "q1",
    "q2", "Q3-Q4 2025", "this quarter", "next quarter", "tech", "team", "process",
    "at-risk", "on track", "blocked", "done", "G1", "G2", "G36", "G999", "g0", "60%",
    "3/5", "101%", "uptime", "latency", "180ms", "45m", "99.95", "json", "csv", "md",
    "timezone", "Europe/Berlin", "admins", "channel", "page", "2", "due", "2025-06-30",
    "2025-02-30", "until", '"', "“quoted title”", "<@U0123ABCD|alice>", "<#C0123ABCD|eng>",
    "<!channel>", "&lt;", "@bob", "#eng", "prompt", "weekly", "preview", "-", "ö", "\t",
]  # fmt: skip

command_texts = st.one_of(
    st.lists(st.sampled_from(WORDS), max_size=7).map(" ".join),
    st.text(max_size=80),
)


@settings(
    max_examples=1000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=command_texts)
def test_every_command_text_gets_an_answer_in_process(session_factory, slack, text):
    answer = roadmap_command(
        {
            "text": text,
            "user_id": slack.alice,
            "channel_id": slack.channel,
            "trigger_id": "12345.98765.abcd2358fdea",
            "response_url": "https://hooks.slack.com/commands/T0/1/x",
        }
    )
    if isinstance(answer, Outcome):  # help or a parse error: the ack itself
        assert answer.reply is not None and answer.reply.text, f"no answer to {text!r}"
        return
    result = run(
        session_factory,
        answer.flow,
        answer.request,
        team_id=slack.team_id,
        user_id=slack.alice,
        now=NOW,
        channel_id=slack.channel,
    )
    outcome = result.outcome
    assert outcome.reply is not None or outcome.effects, f"no answer to {text!r}"
    if outcome.reply is not None:
        assert outcome.reply.text, f"a reply without fallback text for {text!r}"
        outcome.reply.to_dict()  # within Slack's limits (slack_sdk checks while serialising)


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=command_texts)
def test_every_command_text_gets_an_answer_over_http(running_app, slack, text):
    slack.fake.clear_faults()
    views_before = len(slack.fake.calls_to("views.open"))
    files_before = len(slack.fake.calls_to("files.completeUploadExternal"))
    outcome = run_command(running_app, text, user_id=slack.alice, channel_id=slack.channel)
    assert outcome.status == 200
    opened_modal = len(slack.fake.calls_to("views.open")) > views_before
    # An export's answer is the file itself (in the DM, or the channel with `share`).
    shared_file = len(slack.fake.calls_to("files.completeUploadExternal")) > files_before
    assert outcome.messages or opened_modal or shared_file, f"no answer to {text!r}"
    for message in outcome.messages:
        assert message.get("text"), f"a message without fallback text for {text!r}"
    assert "something went wrong" not in json.dumps(outcome.messages), text
