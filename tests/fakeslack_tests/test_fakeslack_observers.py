"""Observers (what the app made visible) and the console's simulated-user hooks."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.fakeslack import RESPONSE_URL_MAX_POSTS, Shown
from tests.fakeslack_tests.conftest import Env


def test_response_url_posts_and_command_replies_reach_observers(env: Env) -> None:
    shown: list[Shown] = []
    env.fake.observers.append(shown.append)
    ts = env.client.chat_postMessage(channel=env.chan, text="original")["ts"]
    url = env.fake.response_url(env.team, env.chan, env.alice, message_ts=ts)
    hook = WebhookClient(url)

    assert hook.send(text="only alice").status_code == 200
    assert hook.send(text="everyone", response_type="in_channel").status_code == 200
    assert hook.send(text="changed", replace_original=True).status_code == 200
    assert hook.send(delete_original=True).status_code == 200
    for _ in range(RESPONSE_URL_MAX_POSTS):  # a command's ack uses none of the url's posts
        env.fake.command_reply(url, {"text": "ack"})

    kinds = [(s.kind, s.channel, s.user) for s in shown]
    assert kinds == [
        ("message", env.chan, None),
        ("ephemeral", env.chan, env.alice["id"]),
        ("message", env.chan, None),
        ("update", env.chan, None),
        ("delete", env.chan, None),
        *[("ephemeral", env.chan, env.alice["id"])] * RESPONSE_URL_MAX_POSTS,
    ]
    assert shown[3].data["text"] == "changed" and shown[4].data == {"ts": ts}
    assert hook.send(text="fifth").status_code == 200


def test_observers_hear_of_slacks_errors_but_not_of_injected_faults(env: Env) -> None:
    shown: list[Shown] = []
    env.fake.observers.append(shown.append)
    env.fake.fail("chat.postMessage", "fatal_error")
    with pytest.raises(SlackApiError, match="fatal_error"):
        env.client.chat_postMessage(channel=env.chan, text="hi")
    with pytest.raises(SlackApiError, match="channel_not_found"):
        env.client.conversations_info(channel="C0NOPE")

    assert shown == [Shown("error", {"method": "conversations.info", "error": "channel_not_found"})]


def test_a_submission_closes_the_modal_unless_the_ack_keeps_it(env: Env) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "M"}, "blocks": []}
    trigger = env.fake.trigger_id(env.team, env.alice)
    view = env.client.views_open(trigger_id=trigger, view=modal)["view"]
    errors = {"response_action": "errors", "errors": {"x": "no"}}

    assert env.fake.user_submitted_view(env.team, env.alice, view["id"], errors) is None
    env.client.views_update(view_id=view["id"], view=modal)  # still open
    env.fake.user_submitted_view(env.team, env.alice, view["id"], {"response_action": "clear"})
    with pytest.raises(SlackApiError, match="not_found"):
        env.client.views_update(view_id=view["id"], view=modal)
    dm = env.fake.open_dm(env.team, env.bot, env.alice)
    assert env.fake.open_dm(env.team, env.alice, env.bot) == dm
    assert env.fake.dm_channel(env.team, env.bot, env.alice) == dm
