"""Slack calls over kept-alive connections (bot.slack_http): a handful of connections however
many calls, and every answer and failure as slack_sdk's own transport gives it."""

from __future__ import annotations

import socket
import threading
import urllib.error
from dataclasses import replace

import pytest
from slack_sdk.errors import SlackApiError

from bot.runtime import make_web_client
from bot.telemetry import CountingWebClient, counting


def test_many_posts_open_one_connection(settings, slack):
    before = slack.fake.connections_opened
    for n in range(40):
        # A client per call, as the clock makes one per delivery: the pool is the process's.
        client = make_web_client(settings, slack.bot_token, wait_on_rate_limit=False)
        client.chat_postMessage(channel=slack.channel, text=f"post {n}")
    assert len(slack.fake.messages(slack.channel)) == 40
    assert slack.fake.connections_opened - before <= 1


def test_threads_share_a_bounded_set_of_connections(settings, slack):
    before = slack.fake.connections_opened
    errors: list[Exception] = []

    def post(n: int) -> None:
        try:
            for m in range(10):
                client = make_web_client(settings, slack.bot_token, wait_on_rate_limit=False)
                client.chat_postMessage(channel=slack.channel, text=f"{n}.{m}")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(slack.fake.messages(slack.channel)) == 40
    assert slack.fake.connections_opened - before <= 4  # one per thread at most


def test_a_429_keeps_its_status_and_retry_after(settings, slack):
    slack.fake.fail("chat.postMessage", status=429, retry_after=7)
    client = make_web_client(settings, slack.bot_token, wait_on_rate_limit=False)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=slack.channel, text="hi")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"
    client.chat_postMessage(channel=slack.channel, text="again")  # the connection still serves
    assert [m["text"] for m in slack.fake.messages(slack.channel)] == ["again"]


def test_a_server_error_and_a_slack_error_are_slack_api_errors(settings, slack):
    client = make_web_client(settings, slack.bot_token, wait_on_rate_limit=False)
    slack.fake.fail("chat.postMessage", status=503)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=slack.channel, text="hi")
    assert raised.value.response.status_code == 503
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0NOSUCH", text="hi")
    assert raised.value.response["error"] == "channel_not_found"
    assert raised.value.response.status_code == 200


def test_a_timeout_is_a_urllib_timeout_and_the_next_call_works(settings, slack):
    client = make_web_client(replace(settings, slack_timeout=0.3), slack.bot_token)
    slack.fake.fail("chat.postMessage", delay=0.6, times=1)
    with pytest.raises(urllib.error.URLError) as raised:
        client.chat_postMessage(channel=slack.channel, text="slow")
    assert isinstance(raised.value.reason, TimeoutError)  # the sender's "uncertain"
    client.chat_postMessage(channel=slack.channel, text="fine")
    assert [m["text"] for m in slack.fake.messages(slack.channel)] == ["fine"]


def test_a_refused_connection_is_a_urllib_error(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    client = make_web_client(
        replace(settings, slack_api_url=f"http://127.0.0.1:{port}/api/"), "xoxb-1"
    )
    with pytest.raises(urllib.error.URLError) as raised:
        client.auth_test()
    assert not isinstance(raised.value.reason, TimeoutError)  # retried later, not "uncertain"


def test_a_restarted_server_is_reconnected_to(settings, slack):
    from bot.fakeslack import FakeSlack

    client = make_web_client(settings, slack.bot_token)
    client.chat_postMessage(channel=slack.channel, text="one")
    with FakeSlack() as other:  # a kept connection to a stopped fake is hung up on
        team = other.add_team(name="Other")
        token = other.install_bot(team["id"])
        channel = other.add_channel(team["id"], name="x", members=[])["id"]
        other.join(channel, other.bot_user_id(token))
        other_client = make_web_client(replace(settings, slack_api_url=other.api_url), token)
        other_client.chat_postMessage(channel=channel, text="elsewhere")
    slack.fake.stop()
    slack.fake.start()  # a new port: the client follows the new base URL
    client = make_web_client(replace(settings, slack_api_url=slack.fake.api_url), slack.bot_token)
    client.chat_postMessage(channel=slack.channel, text="two")
    assert [m["text"] for m in slack.fake.messages(slack.channel)] == ["one", "two"]


def test_bolt_clients_are_counted_and_pooled(settings, slack):
    from slack_sdk import WebClient

    wrapped = counting(WebClient(token=slack.bot_token, base_url=slack.fake.api_url))
    assert isinstance(wrapped, CountingWebClient)
    before = slack.fake.connections_opened
    for n in range(5):
        wrapped.chat_postMessage(channel=slack.channel, text=str(n))
    assert slack.fake.connections_opened - before <= 1
