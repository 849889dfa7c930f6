"""No stray `<` in what the bot writes as mrkdwn: Slack parses `<…>` as a link, a mention or
a broadcast (even inside backticks), so help placeholders such as `<status>` must be written
`&lt;status&gt;`. Only the control sequences the code means are allowed: user and channel
mentions, dates and links."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.blocks.message import Message
from bot.blocks.replies import problem
from bot.flows.outcome import Outcome
from handlers import grammar as g
from handlers.commands import help_reply, roadmap_command
from tests.flows import run

NOW = datetime(2025, 3, 5, 10, tzinfo=UTC)

MEANT = re.compile(
    r"<@[UW][A-Z0-9]+>"  # a person
    r"|<#C[A-Z0-9]+(?:\|[^<>]*)?>"  # a channel
    r"|<!date\^[^<>|]+(?:\|[^<>]*)?>"  # a date in the reader's zone
    r"|<(?:https?|mailto):[^<>|\s]+(?:\|[^<>]*)?>"  # a link
)


def mrkdwn_texts(node, *, top: bool = True) -> list[str]:
    """Every mrkdwn string of a message payload: the fallback `text` and mrkdwn objects."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" or (top and isinstance(node.get("text"), str)):
            found.append(node["text"])
        for key, value in node.items():
            if key != "text" or not isinstance(value, str):
                found += mrkdwn_texts(value, top=False)
    elif isinstance(node, list):
        for item in node:
            found += mrkdwn_texts(item, top=False)
    return found


def stray(text: str) -> list[str]:
    """The `<`s Slack would act on that no code meant (with a little context)."""
    rest = MEANT.sub("", text)
    return [rest[max(0, m.start() - 20) : m.start() + 20] for m in re.finditer("<", rest)]


def assert_escaped(message: Message, what: str) -> None:
    payload = message.to_dict()
    texts = mrkdwn_texts(payload)
    assert texts, what
    for text in texts:
        assert not stray(text), f"{what}: unescaped `<` in {text!r}"


def test_the_checker_finds_a_raw_placeholder_and_passes_meant_sequences() -> None:
    assert stray("`/roadmap status G12 <status>`")
    assert not stray("`/roadmap status G12 &lt;status&gt;` by <@U0123> in <#C0123|eng>")
    assert not stray("<!date^1741168800^{date_short}|5 Mar> <https://x.io/a|doc>")
    assert stray("<!channel>") and stray("<!subteam^S1|@eng>")


def test_the_command_list_and_every_help_topic() -> None:
    assert_escaped(help_reply(None), "/roadmap help")
    for name, spec in g.COMMANDS.items():
        assert_escaped(help_reply(name), f"/roadmap help {name}")
        for alias in spec.aliases:
            assert_escaped(help_reply(alias), f"/roadmap help {alias}")


def test_every_usage_line_under_an_error() -> None:
    usages = {u for spec in g.COMMANDS.values() for u in (*spec.usage, *spec.examples)}
    assert any("<" in u for u in usages)  # there are placeholders to escape
    for usage in sorted(usages):
        assert_escaped(problem("That did not work.", usage=usage), usage)


def test_usage_and_help_strings_read_the_same_once_escaped() -> None:
    """Escaped for Slack, shown by Slack as written: `&lt;status&gt;` reads `<status>`."""
    message = help_reply("status").to_dict()
    section = message["blocks"][1]["text"]["text"]
    assert "&lt;status&gt;" in section and "<status>" not in section


COMMAND_TEXTS = [
    f"{name} {rest}"
    for name in sorted(g.COMMANDS)
    for rest in ("", "<!channel>", "&lt;x&gt; &amp;", "G999", "nonsense words here", "?")
]


@pytest.mark.usefixtures("roadmap")
def test_the_replies_of_every_command_with_odd_input(session_factory, slack) -> None:
    ran = [assert_escaped_reply(session_factory, slack, text) for text in COMMAND_TEXTS]
    assert sum(ran) >= len(g.COMMANDS)  # flows answered, not only the parser


SAMPLE_WORDS = [
    "G1", "G2", "<status>", "<!here>", "&lt;", "&gt;", "&amp;", "R&D", "q2", "60%", "blocked",
    "done", "uptime", "99.9", "every monday", "<@U0123ABCD|bob>", "x",
]  # fmt: skip


@pytest.mark.usefixtures("roadmap")
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.lists(
        st.sampled_from([*sorted(g.COMMANDS), *SAMPLE_WORDS]),
        max_size=6,
    ).map(" ".join)
)
def test_a_sample_of_replies(session_factory, slack, text) -> None:
    assert_escaped_reply(session_factory, slack, text)


def assert_escaped_reply(session_factory, slack, text: str) -> bool:
    """Check every message the command answers with; True when its flow ran."""
    answer = roadmap_command(
        {
            "text": text,
            "user_id": slack.admin,
            "channel_id": slack.channel,
            "trigger_id": "12345.98765.abcd2358fdea",
            "response_url": "https://hooks.slack.com/commands/T0/1/x",
        }
    )
    if isinstance(answer, Outcome):
        assert_escaped(answer.reply, text)
        return False
    result = run(
        session_factory,
        answer.flow,
        answer.request,
        team_id=slack.team_id,
        user_id=slack.admin,
        now=NOW,
        channel_id=slack.channel,
        users={slack.admin: {"is_admin": True, "real_name": "Dana Admin", "tz": "UTC"}},
    )
    if result.outcome.reply is not None:
        assert_escaped(result.outcome.reply, text)
    for effect in result.outcome.effects:
        message = getattr(effect, "message", None)
        if isinstance(message, Message):
            assert_escaped(message, f"{text} → {type(effect).__name__}")
    return True


def test_help_over_signed_http_escapes_its_placeholders(running_app, slack) -> None:
    from tests.harness import run_command

    outcome = run_command(running_app, "help status", user_id=slack.alice, channel_id=slack.channel)
    assert outcome.status == 200
    for message in outcome.messages:
        for text in mrkdwn_texts(message):
            assert not stray(text), text
    assert "&lt;status&gt;" in outcome.text
