"""Fault injection, rate limits, response_url rules and thread safety of the fake."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.fakeslack import RESPONSE_URL_MAX_POSTS, RESPONSE_URL_TTL
from tests.fakeslack_tests.conftest import Env


def error_of(call: Any, **kwargs: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return info.value


def post_json(url: str, body: Any) -> tuple[int, str]:
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_for(predicate: Any, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_fail_with_error_then_recovers(env: Env) -> None:
    env.fake.fail("chat.postMessage", error="channel_not_found", times=2)
    for _ in range(2):
        err = error_of(env.client.chat_postMessage, channel=env.chan, text="x")
        assert err.response.status_code == 200 and err.response["error"] == "channel_not_found"
    assert env.client.chat_postMessage(channel=env.chan, text="x")["ok"]
    assert len(env.fake.messages(env.chan)) == 1 and len(env.fake.calls) == 3


def test_fail_429_has_retry_after(env: Env) -> None:
    env.fake.fail("chat.postMessage", status=429, retry_after=2)
    err = error_of(env.client.chat_postMessage, channel=env.chan, text="x")
    assert err.response.status_code == 429 and err.response["error"] == "ratelimited"
    assert err.response.headers["Retry-After"] == "2"
    assert env.fake.messages(env.chan) == []


def test_fail_after_lets_calls_pass_first(env: Env) -> None:
    env.fake.fail("chat.postMessage", "is_archived", after=2)
    assert env.client.chat_postMessage(channel=env.chan, text="1")["ok"]
    assert env.client.chat_postMessage(channel=env.chan, text="2")["ok"]
    err = error_of(env.client.chat_postMessage, channel=env.chan, text="3")
    assert err.response["error"] == "is_archived"
    assert env.client.chat_postMessage(channel=env.chan, text="4")["ok"]
    assert [m["text"] for m in env.fake.messages(env.chan)] == ["1", "2", "4"]


def test_fail_500_json_and_text(env: Env) -> None:
    env.fake.fail("users.info", status=500)
    err = error_of(env.client.users_info, user=env.alice["id"])
    assert err.response.status_code == 500 and err.response["error"] == "internal_error"
    env.fake.fail("users.info", status=503, body="Service Unavailable")
    err = error_of(env.client.users_info, user=env.alice["id"])
    assert err.response.status_code == 503
    assert env.client.users_info(user=env.alice["id"])["ok"]


def test_slow_call_applied_after_client_timeout(env: Env) -> None:
    env.fake.fail("chat.postMessage", delay=0.3, apply=True)
    impatient = WebClient(token=env.token, base_url=env.fake.api_url, timeout=0.05)  # type: ignore[arg-type]
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel=env.chan, text="did it land?")
    assert wait_for(lambda: len(env.fake.messages(env.chan)) == 1)


def test_slow_call_not_applied(env: Env) -> None:
    env.fake.fail("chat.postMessage", delay=0.05)
    err = error_of(env.client.chat_postMessage, channel=env.chan, text="x")
    assert err.response["error"] == "request_timeout" and env.fake.messages(env.chan) == []


def test_error_with_apply_still_takes_effect(env: Env) -> None:
    env.fake.fail("chat.postMessage", error="internal_error", apply=True)
    error_of(env.client.chat_postMessage, channel=env.chan, text="ghost")
    assert [m["text"] for m in env.fake.messages(env.chan)] == ["ghost"]


def test_rate_limit_per_channel(env: Env) -> None:
    env.fake.rate_limit("chat.postMessage", per_channel_per_second=1.0)
    other = env.fake.add_channel(env.team, "other", members=[env.bot])
    assert env.client.chat_postMessage(channel=env.chan, text="1")["ok"]
    assert env.client.chat_postMessage(channel=other["id"], text="other channel ok")["ok"]
    env.clock.advance(0.4)
    err = error_of(env.client.chat_postMessage, channel=env.chan, text="2")
    assert err.response.status_code == 429 and err.response.headers["Retry-After"] == "1"
    assert env.fake.rate_limited_count == 1
    env.clock.advance(0.7)
    assert env.client.chat_postMessage(channel=env.chan, text="3")["ok"]
    assert [m["text"] for m in env.fake.messages(env.chan)] == ["1", "3"]


def test_rate_limit_per_team_per_minute(env: Env) -> None:
    env.fake.rate_limit("chat.postMessage", per_channel_per_second=None, per_team_per_minute=2)
    for _ in range(2):
        env.client.chat_postMessage(channel=env.chan, text="x")
    env.clock.advance(10)
    err = error_of(env.client.chat_postMessage, channel=env.chan, text="x")
    assert err.response.headers["Retry-After"] == "50"
    env.clock.advance(50)
    assert env.client.chat_postMessage(channel=env.chan, text="x")["ok"]


def test_response_url_ephemeral_in_channel_and_limits(env: Env) -> None:
    url = env.fake.response_url(env.team, env.chan, env.alice)
    assert url.startswith(env.fake.url + "response/")
    hook = WebhookClient(url)
    assert hook.send(text="only you").status_code == 200
    assert env.fake.ephemerals[-1]["user"] == env.alice["id"]
    assert env.fake.ephemerals[-1]["text"] == "only you"
    assert hook.send(text="everyone", response_type="in_channel").body == "ok"
    (msg,) = env.fake.messages(env.chan)
    assert msg["text"] == "everyone" and msg["user"] == env.bot
    for _ in range(RESPONSE_URL_MAX_POSTS - 2):
        assert post_json(url, {"text": "more"})[0] == 200
    assert post_json(url, {"text": "sixth"}) == (404, "used_url")
    assert len(env.fake.responses(url)) == RESPONSE_URL_MAX_POSTS
    fresh = env.fake.response_url(env.team, env.chan, env.alice)
    assert post_json(fresh, {}) == (400, "no_text")
    env.clock.advance(RESPONSE_URL_TTL + 1)
    assert post_json(fresh, {"text": "late"}) == (404, "expired_url")


def test_response_url_replace_and_delete_original(env: Env) -> None:
    ts = env.client.chat_postMessage(channel=env.chan, text="pick one")["ts"]
    url = env.fake.response_url(env.team, env.chan, env.alice, message_ts=ts)
    assert post_json(url, {"replace_original": True, "text": "picked"})[0] == 200
    assert env.fake.message(env.chan, ts)["text"] == "picked"  # type: ignore[index]
    assert post_json(url, {"delete_original": True})[0] == 200
    assert env.fake.message(env.chan, ts) is None


def test_concurrent_posts_get_unique_increasing_ts(env: Env) -> None:
    def post(i: int) -> str:
        client = WebClient(token=env.token, base_url=env.fake.api_url)
        return str(client.chat_postMessage(channel=env.chan, text=str(i))["ts"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        stamps = list(pool.map(post, range(40)))
    assert len(set(stamps)) == 40
    stored = [m["ts"] for m in env.fake.messages(env.chan)]
    assert stored == sorted(stored) and len(stored) == 40


def test_bolt_app_command_with_respond_and_modal(env: Env) -> None:
    app = App(
        client=env.client,
        signing_secret="secret",
        request_verification_enabled=False,
        process_before_response=True,
    )

    @app.command("/roadmap")
    def roadmap(ack: Any, respond: Any, client: WebClient, body: dict[str, Any]) -> None:
        ack()
        respond(text="on it", response_type="in_channel")
        client.views_open(
            trigger_id=body["trigger_id"],
            view={"type": "modal", "title": {"type": "plain_text", "text": "Plan"}, "blocks": []},
        )

    form = {
        "command": "/roadmap",
        "text": "",
        "team_id": env.team["id"],
        "channel_id": env.chan,
        "user_id": env.alice["id"],
        "response_url": env.fake.response_url(env.team, env.chan, env.alice),
        "trigger_id": env.fake.trigger_id(env.team, env.alice),
    }
    headers = {"content-type": ["application/x-www-form-urlencoded"]}
    assert app.dispatch(BoltRequest(body=urlencode(form), headers=headers)).status == 200
    assert [m["text"] for m in env.fake.messages(env.chan)] == ["on it"]
    assert env.fake.views[-1]["user"] == env.alice["id"]
    assert [c.method for c in env.fake.calls] == ["auth.test", "views.open"]
