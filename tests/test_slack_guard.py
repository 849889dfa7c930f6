"""What /slack/events refuses before Bolt: big bodies, bytes that are not UTF-8, bad
timestamps; and what a forged request leaves in the log."""

from __future__ import annotations

import http.client
import json
import logging
from urllib.parse import urlsplit

from sqlalchemy import func, select

from models import Workspace
from tests.harness import http_request
from tests.signing import signed_headers

EVENTS = "/slack/events"


def _post(running_app, body: bytes, headers: dict):
    return http_request(f"{running_app.app_url}{EVENTS}", data=body, headers=headers)


def _no_effects(running_app, slack, before: int) -> None:
    running_app.runtime.listener_executor.wait_idle()
    assert len(slack.fake.calls) == before
    with running_app.runtime.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Workspace)) == 0


def _announce_only(running_app, length: int, headers: dict) -> tuple[int, bytes]:
    """Send the headers of a POST with this Content-Length and no body: a server that waits
    to read the body before refusing it would hang here."""
    host, port = urlsplit(running_app.app_url).hostname, urlsplit(running_app.app_url).port
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.putrequest("POST", EVENTS)
    for name, value in {**headers, "Content-Length": str(length)}.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    try:
        return response.status, response.read()
    finally:
        connection.close()


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(running_app, slack, caplog):
    before = len(slack.fake.calls)
    body = b'{"type": "event_callback", "x": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    headers = signed_headers(running_app.secret, body, "application/json")
    with caplog.at_level(logging.INFO):
        status, answer = _announce_only(running_app, len(body), headers)
    assert status == 413
    assert json.loads(answer) == {"error": "body_too_large"}
    refusals = [r for r in caplog.records if "over" in r.getMessage()]
    assert len(refusals) == 1 and len(refusals[0].getMessage()) < 200
    _no_effects(running_app, slack, before)


def test_a_body_that_is_not_utf8_is_a_400(running_app, slack):
    before = len(slack.fake.calls)
    body = b"token=x&text=\xff\xfe\xfd"
    headers = signed_headers(running_app.secret, body, "application/x-www-form-urlencoded")
    result = _post(running_app, body, headers)
    assert result.status == 400
    assert result.json() == {"error": "invalid_encoding"}
    _no_effects(running_app, slack, before)


def test_a_timestamp_that_is_not_a_number_is_a_401(running_app, slack):
    before = len(slack.fake.calls)
    body = b"command=%2Froadmap&text=help"
    headers = signed_headers(running_app.secret, body, "application/x-www-form-urlencoded")
    headers["X-Slack-Request-Timestamp"] = "yesterday"
    result = _post(running_app, body, headers)
    assert result.status == 401
    _no_effects(running_app, slack, before)


def test_a_forged_body_is_logged_cut_short(running_app, slack, caplog):
    body = b'{"type": "event_callback", "forged": "' + b"z" * 100_000 + b'"}'
    headers = signed_headers("not-the-secret", body, "application/json")
    with caplog.at_level(logging.INFO, logger="slack_bolt"):
        result = _post(running_app, body, headers)
    assert result.status == 401
    lines = [r.getMessage() for r in caplog.records if "signature" in r.getMessage()]
    assert lines, "Bolt says why it refused"
    assert all(len(line) < 600 for line in lines)
    assert "z" * 300 not in caplog.text


def test_a_signed_request_within_the_limit_still_works(running_app, slack):
    result, _ = running_app.command("help", user_id=slack.alice, channel_id=slack.channel)
    assert result.status == 200
    assert "/roadmap" in result.text
