"""The running HTTP app: signatures, health, and Web API calls that land in the fake Slack."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from models import Workspace
from tests.harness import http_request
from tests.signing import command_body


def _workspace_count(runtime) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Workspace))


def test_healthz_reports_the_database(running_app):
    result = http_request(f"{running_app.app_url}/healthz")
    assert result.status == 200
    assert result.json()["database"] == "ok"
    assert result.json()["schema"]


def test_healthz_is_503_when_the_database_is_gone(settings, slack, tmp_path):
    from bot.app import create_app
    from bot.runtime import Runtime
    from bot.web import create_wsgi_app
    from tests.harness import AppServer

    broken = settings.__class__(
        **{**settings.__dict__, "database_url": f"sqlite:///{tmp_path}/missing/dir/x.db"}
    )
    runtime = Runtime.from_settings(broken)
    with AppServer(create_wsgi_app(create_app(broken, runtime), runtime)) as server:
        result = http_request(f"{server.url}/healthz")
    assert result.status == 503
    assert result.json() == {"status": "unavailable", "database": "unreachable"}


def test_signed_command_is_answered(running_app, slack):
    result, _ = running_app.command("help", user_id=slack.alice, channel_id=slack.channel)
    assert result.status == 200
    assert "/roadmap" in result.text


def test_wrong_signature_is_refused_and_changes_nothing(running_app, slack):
    before = len(slack.fake.calls)
    result, _ = running_app.command(
        "help", user_id=slack.alice, channel_id=slack.channel, secret="not-the-secret"
    )
    assert result.status == 401
    event = {"type": "app_home_opened", "user": slack.alice, "channel": "D1", "tab": "home"}
    body = json.dumps({"type": "event_callback", "team_id": slack.team_id, "event": event})
    result = running_app.post(body.encode(), "application/json", secret="nope")
    assert result.status == 401
    running_app.runtime.listener_executor.wait_idle()
    assert len(slack.fake.calls) == before
    assert _workspace_count(running_app.runtime) == 0


def test_stale_timestamp_is_refused(running_app, slack):
    six_minutes_ago = int(time.time()) - 6 * 60
    result, _ = running_app.command(
        "help", user_id=slack.alice, channel_id=slack.channel, timestamp=six_minutes_ago
    )
    assert result.status == 401
    running_app.runtime.listener_executor.wait_idle()
    assert _workspace_count(running_app.runtime) == 0


def test_unsigned_request_is_refused(running_app, slack):
    body = command_body(
        text="help",
        team_id=slack.team_id,
        user_id=slack.alice,
        channel_id=slack.channel,
        response_url="http://127.0.0.1:9/",
        trigger_id="1.2.3",
    )
    result = http_request(
        f"{running_app.app_url}/slack/events",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert result.status == 401


def test_web_api_calls_go_to_slack_api_url(running_app, slack):
    result = running_app.event(
        {"type": "app_home_opened", "user": slack.alice, "channel": "D0000000001", "tab": "home"}
    )
    assert result.status == 200
    assert running_app.runtime.listener_executor.wait_idle()
    publishes = slack.fake.calls_to("views.publish")
    assert len(publishes) == 1
    assert publishes[0].token == slack.bot_token
    assert slack.fake.home_view(slack.alice) is not None
    assert _workspace_count(running_app.runtime) == 1


def test_unhandled_event_is_acked(running_app, slack):
    result = running_app.event({"type": "channel_rename", "channel": {"id": slack.channel}})
    assert result.status == 200


def test_url_verification_challenge(running_app):
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    result = running_app.post(body.encode(), "application/json")
    assert result.status == 200
    assert "abc123" in result.text
