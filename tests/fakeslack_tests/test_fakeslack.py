"""The fake's core Web API (auth, chat, reactions, conversations, users) via slack_sdk."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.fakeslack import MAX_HEADER_TEXT, MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT, MAX_TEXT, FakeSlack
from tests.fakeslack_tests.conftest import Env


def error_of(call: Any, **kwargs: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return info.value


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_lifecycle_urls_and_ids(fake: FakeSlack) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", fake.url)
    assert fake.api_url == fake.url + "api/"
    team = fake.add_team()
    user = fake.add_user(team)
    assert re.fullmatch(r"T[A-Z0-9]{10}", team["id"])
    assert re.fullmatch(r"U[A-Z0-9]{10}", user["id"])
    assert fake.install_bot(team).startswith("xoxb-")
    with pytest.raises(RuntimeError):
        FakeSlack().url  # noqa: B018


def test_auth(env: Env) -> None:
    res = env.client.auth_test()
    assert res["ok"] and res["team_id"] == "T0000000001" and res["user_id"] == env.bot
    assert res["url"] == "https://acme.slack.com/" and res["bot_id"].startswith("B")
    assert res["is_enterprise_install"] is False and "enterprise_id" not in res
    assert error_of(WebClient(base_url=env.fake.api_url).auth_test).response["error"] == (
        "not_authed"
    )
    bad = WebClient(token="xoxb-nope", base_url=env.fake.api_url)
    assert error_of(bad.auth_test).response["error"] == "invalid_auth"
    env.fake.revoke_token(env.token)
    assert error_of(env.client.auth_test).response["error"] == "token_revoked"
    assert [c.method for c in env.fake.calls] == ["auth.test"] * 4
    assert env.fake.calls[0].team_id == "T0000000001" and env.fake.calls[1].team_id is None


def test_enterprise_auth_test(fake: FakeSlack) -> None:
    team = fake.add_team(enterprise_id="E0000000001")
    client = WebClient(token=fake.install_bot(team), base_url=fake.api_url)
    assert client.auth_test()["enterprise_id"] == "E0000000001"


def test_unknown_method_and_api_test(env: Env) -> None:
    err = error_of(env.client.api_call, api_method="chat.nope")
    assert err.response.status_code == 404 and err.response["error"] == "unknown_method"
    assert env.client.api_test(foo="bar")["args"] == {"foo": "bar"}
    assert error_of(env.client.api_test, error="boom").response["error"] == "boom"


def test_transports_form_get_and_token_param(env: Env) -> None:
    base = env.fake.api_url
    body = f"token={env.token}&channel={env.chan}&text=form&blocks=" + json.dumps([section("b")])
    req = urllib.request.Request(base + "chat.postMessage", data=body.encode(), method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(req) as resp:
        data = json.loads(resp.read())
    assert data["ok"] and data["message"]["blocks"][0]["text"]["text"] == "b"
    call = env.fake.calls_to("chat.postMessage")[-1]
    assert call.token == env.token and "token" not in call.params
    assert isinstance(call.params["blocks"], list)
    with urllib.request.urlopen(f"{base}auth.test?token={env.token}") as resp:
        assert json.loads(resp.read())["user_id"] == env.bot
    # Slack ignores a token inside a JSON body
    req = urllib.request.Request(
        base + "auth.test",
        data=json.dumps({"token": env.token}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        assert json.loads(resp.read())["error"] == "not_authed"


def test_post_message_shape_and_storage(env: Env) -> None:
    res = env.client.chat_postMessage(
        channel=env.chan,
        text="hello",
        blocks=[section("hi")],
        metadata={"event_type": "x", "event_payload": {"a": 1}},
    )
    assert res["channel"] == env.chan and res["ts"] == "1700000000.000000"
    msg = res["message"]
    assert msg["user"] == env.bot and msg["bot_id"] and msg["team"] == "T0000000001"
    assert msg["blocks"][0]["block_id"]  # Slack fills in block ids
    assert "thread_ts" not in msg and "reactions" not in msg and "bot_profile" in msg
    second = env.client.chat_postMessage(channel=env.chan, text="same microsecond")
    assert second["ts"] == "1700000000.000001"  # strictly increasing on a frozen clock
    stored = env.fake.message(env.chan, res["ts"])
    assert stored is not None
    assert stored["text"] == "hello" and stored["reactions"] == [] and stored["edited"] is None
    assert stored["metadata"]["event_type"] == "x" and stored["thread_ts"] is None
    assert [m["text"] for m in env.fake.messages(env.chan)] == ["hello", "same microsecond"]


def test_post_by_name_and_to_user_dm(env: Env) -> None:
    assert env.client.chat_postMessage(channel="#eng-roadmap", text="x")["channel"] == env.chan
    first = env.client.chat_postMessage(channel=env.alice["id"], text="psst")
    assert first["channel"].startswith("D")
    again = env.client.chat_postMessage(channel=env.alice["id"], text="again")
    assert again["channel"] == first["channel"]
    assert env.fake.dm_channel(env.team, env.bot, env.alice) == first["channel"]
    assert [m["text"] for m in env.fake.messages(first["channel"])] == ["psst", "again"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_errors(env: Env) -> None:
    post = env.client.chat_postMessage
    other_team = env.fake.add_team()
    foreign = env.fake.add_channel(other_team, "x")
    outside = env.fake.add_channel(env.team, "random")
    secret = env.fake.add_channel(env.team, "secret", is_private=True)
    archived = env.fake.add_channel(env.team, "old", members=[env.bot], is_archived=True)
    cases = [
        ({"channel": "C0000000000", "text": "x"}, "channel_not_found"),
        ({"channel": foreign["id"], "text": "x"}, "channel_not_found"),
        ({"channel": secret["id"], "text": "x"}, "channel_not_found"),
        ({"channel": outside["id"], "text": "x"}, "not_in_channel"),
        ({"channel": archived["id"], "text": "x"}, "is_archived"),
        ({"channel": env.chan}, "no_text"),
        ({"channel": env.chan, "text": "x" * (MAX_TEXT + 1)}, "msg_too_long"),
        ({"channel": env.chan, "text": "x", "thread_ts": "1.000001"}, "invalid_thread_ts"),
        ({"channel": env.chan, "text": "x", "metadata": {"nope": 1}}, "invalid_metadata_format"),
        ({"channel": "U0000000000", "text": "x"}, "channel_not_found"),
    ]
    for kwargs, expected in cases:
        assert error_of(post, **kwargs).response["error"] == expected, kwargs
    assert env.fake.messages(env.chan) == []
    assert len(env.fake.calls_to("chat.postMessage")) == len(cases)


def test_chat_write_public_allows_posting_without_joining(fake: FakeSlack) -> None:
    team = fake.add_team()
    token = fake.install_bot(team, scopes=["chat:write", "chat:write.public"])
    chan = fake.add_channel(team, "general")
    client = WebClient(token=token, base_url=fake.api_url)
    assert client.chat_postMessage(channel=chan["id"], text="hi")["ok"]
    err = error_of(client.users_list)
    assert err.response["error"] == "missing_scope" and err.response["needed"] == "users:read"


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section("x")] * (MAX_MESSAGE_BLOCKS + 1), "no more than 50 items allowed"),
        ([section("x" * (MAX_SECTION_TEXT + 1))], "must be less than 3001 characters"),
        (
            [
                {
                    "type": "header",
                    "text": {"type": "plain_text", "text": "h" * (MAX_HEADER_TEXT + 1)},
                }
            ],
            "must be less than 151 characters",
        ),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "/blocks/0/text"),
        ([{"type": "bogus"}], "failed to match all allowed schemas"),
        ([{"text": "no type"}], "missing required field: type"),
        ([{"type": "section"}], "either text or fields"),
        ([{"type": "actions", "elements": []}], "elements"),
        ([{**section("a"), "block_id": "b"}, {**section("c"), "block_id": "b"}], "duplicate"),
    ],
)
def test_invalid_blocks(env: Env, blocks: list[Any], pointer: str) -> None:
    err = error_of(env.client.chat_postMessage, channel=env.chan, text="t", blocks=blocks)
    assert err.response["error"] == "invalid_blocks"
    messages = err.response["response_metadata"]["messages"]
    assert messages[0].startswith("[ERROR] ") and pointer in " ".join(messages)


def test_block_limits_exactly_at_the_edge_are_fine(env: Env) -> None:
    blocks = [section("x" * MAX_SECTION_TEXT)] * (MAX_MESSAGE_BLOCKS - 1) + [
        {"type": "header", "text": {"type": "plain_text", "text": "h" * MAX_HEADER_TEXT}}
    ]
    assert env.client.chat_postMessage(channel=env.chan, text="t", blocks=blocks)["ok"]
    assert env.client.chat_postMessage(channel=env.chan, text="x" * MAX_TEXT)["ok"]


def test_invalid_blocks_format_from_form_post(env: Env) -> None:
    err = error_of(
        env.client.api_call,
        api_method="chat.postMessage",
        params={"channel": env.chan, "blocks": "[not json"},
    )
    assert err.response["error"] == "invalid_blocks_format"


def test_threads_replies_and_history(env: Env) -> None:
    post = env.client.chat_postMessage
    parent = post(channel=env.chan, text="parent")["ts"]
    env.clock.advance(1)
    reply = post(channel=env.chan, text="r1", thread_ts=parent)
    assert reply["message"]["thread_ts"] == parent
    assert reply["message"]["parent_user_id"] == env.bot
    env.clock.advance(1)
    human = env.fake.user_post(env.chan, env.alice["id"], "r2", thread_ts=reply["ts"])
    env.clock.advance(1)
    post(channel=env.chan, text="bcast", thread_ts=parent, reply_broadcast=True)
    stored = env.fake.message(env.chan, parent)
    assert stored is not None and stored["reply_count"] == 3
    assert stored["reply_users"] == [env.bot, env.alice["id"]]
    thread = env.client.conversations_replies(channel=env.chan, ts=human)
    assert [m["text"] for m in thread["messages"]] == ["parent", "r1", "r2", "bcast"]
    assert thread["has_more"] is False
    history = env.client.conversations_history(channel=env.chan)
    assert [m["text"] for m in history["messages"]] == ["bcast", "parent"]
    assert history["messages"][0]["subtype"] == "thread_broadcast"
    limited = env.client.conversations_history(channel=env.chan, limit=1)
    assert limited["has_more"] and len(limited["messages"]) == 1
    nxt = env.client.conversations_history(
        channel=env.chan, limit=1, cursor=limited["response_metadata"]["next_cursor"]
    )
    assert nxt["messages"][0]["text"] == "parent"
    windowed = env.client.conversations_history(channel=env.chan, oldest=parent)
    assert [m["text"] for m in windowed["messages"]] == ["bcast"]
    err = error_of(env.client.conversations_replies, channel=env.chan, ts="1.2")
    assert err.response["error"] == "thread_not_found"
    outside = env.fake.add_channel(env.team, "random")
    err = error_of(env.client.conversations_history, channel=outside["id"])
    assert err.response["error"] == "not_in_channel"


def test_update_delete_permalink(env: Env) -> None:
    ts = env.client.chat_postMessage(channel=env.chan, text="v1", blocks=[section("b1")])["ts"]
    env.clock.advance(5)
    res = env.client.chat_update(channel=env.chan, ts=ts, text="v2")
    assert res["text"] == "v2" and res["ts"] == ts and res["channel"] == env.chan
    stored = env.fake.message(env.chan, ts)
    assert stored is not None and stored["edited"]["user"] == env.bot
    assert stored["blocks"][0]["text"]["text"] == "b1"  # omitted blocks are kept
    env.client.chat_update(channel=env.chan, ts=ts, text="v3", blocks=[])
    assert env.fake.message(env.chan, ts)["blocks"] == []  # type: ignore[index]
    human = env.fake.user_post(env.chan, env.alice["id"], "mine")
    upd = env.client.chat_update
    assert error_of(upd, channel=env.chan, ts=human, text="x").response["error"] == (
        "cant_update_message"
    )
    assert error_of(upd, channel=env.chan, ts="1.1", text="x").response["error"] == (
        "message_not_found"
    )
    link = env.client.chat_getPermalink(channel=env.chan, message_ts=ts)["permalink"]
    assert link == f"https://acme.slack.com/archives/{env.chan}/p{ts.replace('.', '')}"
    assert env.client.chat_delete(channel=env.chan, ts=ts)["ts"] == ts
    assert env.fake.message(env.chan, ts) is None
    dele = env.client.chat_delete
    assert error_of(dele, channel=env.chan, ts=ts).response["error"] == "message_not_found"
    assert error_of(dele, channel=env.chan, ts=human).response["error"] == "cant_delete_message"


def test_deleting_a_parent_leaves_a_tombstone(env: Env) -> None:
    parent = env.client.chat_postMessage(channel=env.chan, text="p")["ts"]
    env.client.chat_postMessage(channel=env.chan, text="r", thread_ts=parent)
    env.client.chat_delete(channel=env.chan, ts=parent)
    stored = env.fake.message(env.chan, parent)
    assert stored is not None and stored["subtype"] == "tombstone" and stored["reply_count"] == 1


def test_ephemeral(env: Env) -> None:
    res = env.client.chat_postEphemeral(channel=env.chan, user=env.alice["id"], text="psst")
    assert re.fullmatch(r"\d+\.\d{6}", res["message_ts"])
    assert env.fake.ephemerals[0]["user"] == env.alice["id"]
    assert env.fake.ephemerals[0]["text"] == "psst" and env.fake.messages(env.chan) == []
    err = error_of(env.client.chat_postEphemeral, channel=env.chan, user=env.bob["id"], text="x")
    assert err.response["error"] == "user_not_in_channel"
    dm = env.client.conversations_open(users=env.bob["id"])["channel"]["id"]
    assert env.client.chat_postEphemeral(channel=dm, user=env.bob["id"], text="ok")["ok"]


def test_reactions(env: Env) -> None:
    ts = env.client.chat_postMessage(channel=env.chan, text="x")["ts"]
    env.client.reactions_add(channel=env.chan, timestamp=ts, name="thumbsup")
    env.client.reactions_add(channel=env.chan, timestamp=ts, name="+1::skin-tone-3")
    env.fake.user_react(env.chan, ts, env.alice["id"], "thumbsup")
    got = env.client.reactions_get(channel=env.chan, timestamp=ts)
    assert got["type"] == "message" and got["channel"] == env.chan
    assert got["message"]["reactions"][0] == {
        "name": "thumbsup",
        "users": [env.bot, env.alice["id"]],
        "count": 2,
    }
    add, rm = env.client.reactions_add, env.client.reactions_remove
    assert (
        error_of(add, channel=env.chan, timestamp=ts, name="thumbsup").response["error"]
        == "already_reacted"
    )
    assert (
        error_of(add, channel=env.chan, timestamp=ts, name=":bad name:").response["error"]
        == "invalid_name"
    )
    assert (
        error_of(add, channel=env.chan, timestamp="1.1", name="x").response["error"]
        == "message_not_found"
    )
    rm(channel=env.chan, timestamp=ts, name="+1::skin-tone-3")
    assert (
        error_of(rm, channel=env.chan, timestamp=ts, name="+1::skin-tone-3").response["error"]
        == "no_reaction"
    )
    assert [r["name"] for r in env.fake.message(env.chan, ts)["reactions"]] == [  # type: ignore[index]
        "thumbsup"
    ]


def test_conversations_open_info_join(env: Env) -> None:
    first = env.client.conversations_open(users=env.alice["id"])
    assert re.fullmatch(r"D[A-Z0-9]{10}", first["channel"]["id"]) and "no_op" not in first
    again = env.client.conversations_open(users=env.alice["id"], return_im=True)
    assert again["channel"]["id"] == first["channel"]["id"] and again["already_open"] is True
    assert again["channel"]["is_im"] is True and again["channel"]["user"] == env.alice["id"]
    group = env.client.conversations_open(users=f"{env.alice['id']},{env.bob['id']}")
    assert group["channel"]["id"] != first["channel"]["id"]
    opn = env.client.conversations_open
    assert error_of(opn, users="U0000000000").response["error"] == "user_not_found"
    gone = env.fake.add_user(env.team, name="gone", deleted=True)
    assert error_of(opn, users=gone["id"]).response["error"] == "user_disabled"
    info = env.client.conversations_info(channel=env.chan, include_num_members=True)["channel"]
    assert info["name"] == "eng-roadmap" and info["is_member"] and info["num_members"] == 2
    assert info["is_channel"] and not info["is_private"] and not info["is_archived"]
    err = error_of(env.client.conversations_info, channel="C0000000000")
    assert err.response["error"] == "channel_not_found"
    public = env.fake.add_channel(env.team, "public")
    joined = env.client.conversations_join(channel=public["id"])
    assert joined["channel"]["is_member"] and env.bot in env.fake.members(public)
    assert env.client.conversations_join(channel=public["id"])["warning"] == "already_in_channel"
    private = env.fake.add_channel(env.team, "priv", is_private=True, members=[env.bot])
    join = env.client.conversations_join
    assert error_of(join, channel=private["id"]).response["error"] == (
        "method_not_supported_for_channel_type"
    )
    env.fake.archive_channel(public)
    assert error_of(join, channel=public["id"]).response["error"] == "is_archived"


def test_conversations_list(env: Env) -> None:
    env.fake.add_channel(env.team, "secret", is_private=True)
    mine = env.fake.add_channel(env.team, "mine", is_private=True, members=[env.bot])
    old = env.fake.add_channel(env.team, "old", is_archived=True)
    names = [c["name"] for c in env.client.conversations_list()["channels"]]
    assert names == ["eng-roadmap", "old"]
    both = env.client.conversations_list(
        types="public_channel,private_channel", exclude_archived=True
    )["channels"]
    assert [c["id"] for c in both] == [env.chan, mine["id"]] and old["id"] not in both


def test_members_pagination(env: Env) -> None:
    users = [env.fake.add_user(env.team, name=f"u{i}")["id"] for i in range(5)]
    chan = env.fake.add_channel(env.team, "big", members=[*users, env.bot])
    seen: list[str] = []
    pages = 0
    for page in env.client.conversations_members(channel=chan["id"], limit=2):
        seen += page["members"]
        pages += 1
    assert seen == [*users, env.bot] and pages == 3
    err = error_of(env.client.conversations_members, channel=chan["id"], cursor="garbage!")
    assert err.response["error"] == "invalid_cursor"


def test_users_team_bots(env: Env) -> None:
    env.clock.now = 1_720_000_000.0  # July: summer time
    user = env.client.users_info(user=env.alice["id"])["user"]
    assert user["tz"] == "Europe/Berlin" and user["tz_offset"] == 7200
    assert user["tz_label"] == "Central European Summer Time"
    assert user["profile"]["real_name"] == "Alice A" and user["profile"]["image_48"]
    assert (
        user["is_bot"] is False and user["deleted"] is False and user["team_id"] == ("T0000000001")
    )
    assert env.client.users_info(user=env.bot)["user"]["is_bot"] is True
    err = error_of(env.client.users_info, user="U0000000000")
    assert err.response["error"] == "user_not_found"
    members: list[dict[str, Any]] = []
    for page in env.client.users_list(limit=2):
        members += page["members"]
    assert {m["id"] for m in members} == {env.alice["id"], env.bob["id"], env.bot, "USLACKBOT"}
    slackbot = next(m for m in members if m["id"] == "USLACKBOT")
    assert slackbot["is_bot"] is False  # the classic gotcha, like real Slack
    team = env.client.team_info()["team"]
    assert team == env.fake.team_info(env.team) and team["domain"] == "acme"
    bot_id = env.client.auth_test()["bot_id"]
    bot = env.client.bots_info(bot=bot_id)["bot"]
    assert bot["user_id"] == env.bot and bot["app_id"].startswith("A")
    assert error_of(env.client.bots_info, bot="B0").response["error"] == "bot_not_found"
