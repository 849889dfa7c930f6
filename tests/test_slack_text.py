"""Text from Slack round-trips: what a person typed is what is stored, shown and exported.

Slack sends message text with `&`, `<`, `>` escaped and mentions, channels and links as
control sequences; bot.slack_text.from_slack makes it plain once, at the edge (the message
handler), and every render escapes it once. Driven here as Slack would: the event's text is
what Slack sends for what the person typed."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.blocks.text import escape_mrkdwn
from bot.flows.outcome import Update
from bot.services.roadmap_export import export_roadmap
from bot.slack_text import from_slack, to_slack, unescape
from handlers.grammar.tokens import free_text
from handlers.messages import thread_reply_event
from models import Checkin, CheckinPrompt, Goal
from tests.flows import run

NOW = datetime(2025, 3, 5, 10, tzinfo=UTC)
NAMES = {"U0ALICE": "Alice Archer", "U0BOB": "Bob Baker"}

# What people type: the characters Slack escapes, things that look like escapes or control
# sequences, emoji, right-to-left text and marks, newlines.
PIECES = [
    "a", "Z", " ", "&", "<", ">", ";", "amp", "lt", "gt", "&amp;", "&lt;", "&gt;", "@", "#",
    "!", "|", ":", "/", "<@U1>", "<!channel>", "<https://x.io|x>", "R&D", "😀", "👩‍💻",
    "\u200f", "\u202e", "שלום", "مرحبا", "\n", "é", "日本",
]  # fmt: skip
typed_text = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)

# A message as Slack sends it, with what the person typed and what should be stored:
# plain text (escaped by Slack), mentions Slack turned into <@U…>, links it turned into <url>.
# (what Slack sends, what was typed, what the /roadmap grammar keeps: people and channels
# as ids).
LINK = "https://example.com/a?b=1&c=2"
segment = st.one_of(
    typed_text.map(lambda t: (to_slack(t), t, t)),
    st.sampled_from(sorted(NAMES)).map(lambda u: (f"<@{u}>", f"@{NAMES[u]}", f"<@{u}>")),
    st.just(("<#C0ENG|eng>", "#eng", "<#C0ENG>")),
    st.just((f"<{to_slack(LINK)}>", LINK, LINK)),
)
segments = st.lists(segment, min_size=1, max_size=6)
message = segments.map(lambda parts: ("".join(p[0] for p in parts), "".join(p[1] for p in parts)))


@given(typed_text)
def test_what_slack_sends_for_typed_text_comes_back_as_typed(typed: str) -> None:
    assert from_slack(to_slack(typed)) == typed


@given(message)
def test_mentions_channels_and_links_read_as_text(sent_and_typed) -> None:
    sent, typed = sent_and_typed
    assert from_slack(sent, NAMES.get) == typed


def test_the_examples_of_the_issue() -> None:
    assert from_slack("R&amp;D sign-off &lt;pending&gt;") == "R&D sign-off <pending>"
    assert from_slack("ask <@U0ALICE>", NAMES.get) == "ask @Alice Archer"
    assert from_slack("ask <@U0CAROL|carol>", NAMES.get) == "ask @carol"  # Slack's label
    assert from_slack("ask <@U0CAROL>") == "ask @U0CAROL"  # nobody to ask: the id
    assert from_slack("<!subteam^S01|@eng> in <#C01|legal>, <!here>") == "@eng in #legal, @here"
    assert from_slack("<mailto:a@b.io|a@b.io> &amp;lt;") == "a@b.io &lt;"
    assert from_slack("&lt;@U0ALICE&gt; typed", NAMES.get) == "<@U0ALICE> typed"


@given(typed_text)
def test_slash_commands_unescape_the_same_way(typed: str) -> None:
    """The grammar's free text is the same translation, whitespace collapsed."""
    assert free_text(to_slack(typed)) == " ".join(typed.split())


@given(segments)
def test_slash_command_free_text_differs_only_in_keeping_people_and_channels_as_ids(
    parts,
) -> None:
    sent = "".join(p[0] for p in parts)
    assert free_text(sent) == " ".join("".join(p[2] for p in parts).split())


# --- reply → store → render → export ------------------------------------------------------------


@pytest.fixture
def prompt(session_factory, slack, roadmap):
    with session_factory() as session, session.begin():
        goal_id = session.scalar(
            select(Goal.id).where(Goal.workspace_id == roadmap, Goal.number == 1)
        )
        session.add(
            CheckinPrompt(
                workspace_id=roadmap,
                goal_id=goal_id,
                cycle="2025-W10",
                recipient=slack.alice,
                channel_id="D0ALICE",
                message_ts="1741168800.000001",
                posted_at=NOW,
            )
        )
    return "D0ALICE", "1741168800.000001", roadmap


def reply(session_factory, slack, prompt, text: str, *, edit: bool = False):
    """Slack's `message` event for a reply (or its edit), through the handler, then the flow."""
    channel, ts, _ = prompt
    message = {"type": "message", "user": slack.alice, "text": text, "ts": "1741168900.000100"}
    message["thread_ts"] = ts
    event = (
        {"type": "message", "subtype": "message_changed", "channel": channel, "message": message}
        if edit
        else {**message, "channel": channel}
    )
    invocation = thread_reply_event(event, NAMES.get)
    assert invocation is not None
    return run(
        session_factory,
        invocation.flow,
        invocation.request,
        team_id=slack.team_id,
        user_id=slack.alice,
        now=NOW,
    )


def prompt_user(session_factory) -> str:
    with session_factory() as session:
        return session.scalar(select(CheckinPrompt.recipient))


def shown(mrkdwn: str) -> str:
    """What Slack shows for mrkdwn the bot sent: control sequences would be links or
    mentions, entities are shown as the characters."""
    return unescape(mrkdwn)


def assert_round_trip(session_factory, result, prompt, typed: str) -> None:
    stored = typed.strip()
    with session_factory() as session:
        (note,) = session.scalars(select(Checkin.note)).all()
        export = json.loads(export_roadmap(session=session, workspace_id=prompt[2], fmt="json"))
    assert note == stored  # stored as typed
    (update,) = result.effects.of_type(Update)
    line = update.message.blocks[-1].elements[0].text
    quoted = re.search(r"“(.*)”", line, re.S).group(1)
    assert quoted == escape_mrkdwn(stored)  # escaped once: no control sequence of its own
    assert not re.search(r"<|&(?!amp;|lt;|gt;)", quoted)
    assert shown(quoted) == stored  # and shown as typed
    assert [c["note"] for c in export["checkins"]] == [stored]  # exported as typed
    assert export["checkins"][0]["user"] == prompt_user(session_factory)  # ids stay ids


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(message, st.booleans())
def test_a_reply_is_stored_shown_and_exported_as_typed(
    session_factory, slack, prompt, sent_and_typed, edit
) -> None:
    sent, typed = sent_and_typed
    if not typed.strip():
        return  # an empty reply is no note
    result = reply(session_factory, slack, prompt, sent, edit=edit)
    assert_round_trip(session_factory, result, prompt, typed)


def test_r_and_d_sign_off_pending_and_a_mention(session_factory, slack, prompt) -> None:
    typed = "R&D sign-off <pending> with @Alice Archer"
    result = reply(
        session_factory, slack, prompt, "R&amp;D sign-off &lt;pending&gt; with <@U0ALICE>"
    )
    assert_round_trip(session_factory, result, prompt, typed)
