"""Socket Mode: the real app over a WebSocket to the fake Slack, and `python -m bot socket`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.fakeslack.socket_mode import FakeSocketMode
from bot.runtime import Runtime
from bot.socket_mode import run_socket_mode
from tests.harness import CommandOutcome
from tests.signing import command_body, event_body


@pytest.fixture
def sockets(slack):
    with FakeSocketMode(slack.fake) as server:
        yield server
    assert not server.internal_errors, "\n".join(server.internal_errors)


@dataclass
class SocketApp:
    settings: Settings
    runtime: Runtime
    thread: threading.Thread
    stop: threading.Event
    result: dict

    def shutdown(self, timeout: float = 20.0) -> int:
        self.stop.set()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "Socket Mode did not stop"
        return self.result["code"]


@pytest.fixture
def socket_app(settings, slack, sockets, roadmap, frozen_time):
    """The app (create_app, as `python -m bot socket` runs it) connected in a thread."""
    app_settings = replace(
        settings,
        slack_app_token=sockets.add_app_token(slack.team_id),
        slack_signing_secret=None,  # Socket Mode needs none
    )
    runtime = Runtime.from_settings(app_settings)
    stop = threading.Event()
    result: dict = {}

    def run() -> None:
        result["code"] = run_socket_mode(app_settings, runtime, stop_event=stop)

    thread = threading.Thread(target=run, name="socket-mode-app", daemon=True)
    thread.start()
    running = SocketApp(app_settings, runtime, thread, stop, result)
    try:
        sockets.wait_for_connection(1, timeout=15)
        yield running
        assert running.shutdown() == 0  # every test ends with a clean stop
    finally:
        stop.set()
        thread.join(20)
        runtime.close()


def command_payload(slack, text: str) -> tuple[dict, str]:
    """A /roadmap slash command as Socket Mode delivers it (the HTTP form, as JSON)."""
    response_url = slack.fake.response_url(slack.team_id, slack.channel, slack.alice)
    body = command_body(
        text=text,
        team_id=slack.team_id,
        user_id=slack.alice,
        channel_id=slack.channel,
        response_url=response_url,
        trigger_id=slack.fake.trigger_id(slack.team_id, slack.alice),
    )
    return dict(parse_qsl(body.decode())), response_url


def ask(slack, sockets, runtime: Runtime, text: str) -> CommandOutcome:
    payload, response_url = command_payload(slack, text)
    envelope_id = sockets.send_envelope("slash_commands", payload)
    ack = sockets.wait_for_ack(envelope_id, timeout=15)
    assert runtime.listener_executor.wait_idle(15), "listener did not finish"
    return CommandOutcome(200, ack.get("payload", ""), slack.fake.responses(response_url))


# ---- the fake's apps.connections.open --------------------------------------------------------


def test_connections_open_wants_an_app_token(slack, sockets):
    client = WebClient(base_url=slack.fake.api_url)
    app_token = sockets.add_app_token(slack.team_id)
    url = client.apps_connections_open(app_token=app_token)["url"]
    assert url.startswith(f"ws://127.0.0.1:{sockets.port}/link/?ticket=")
    for token, error in ((slack.bot_token, "not_allowed_token_type"), ("xapp-1-x", "invalid_auth")):
        with pytest.raises(SlackApiError) as raised:
            client.apps_connections_open(app_token=token)
        assert raised.value.response["error"] == error


# ---- the app over Socket Mode ----------------------------------------------------------------


def test_connects_with_the_app_token_to_the_configured_api_url(socket_app, slack, sockets):
    calls = slack.fake.calls_to("apps.connections.open")
    assert [c.token for c in calls] == [socket_app.settings.slack_app_token]
    assert sockets.connections == 1 and sockets.open_connections == 1


def test_help_is_answered_in_the_ack(socket_app, slack, sockets):
    outcome = ask(slack, sockets, socket_app.runtime, "help")
    assert isinstance(outcome.ack, dict) and outcome.ack["response_type"] == "ephemeral"
    for usage in ("/roadmap list", "/roadmap show", "/roadmap progress"):
        assert usage in outcome.text
    assert outcome.responses == []


def test_list_is_acked_then_answered_at_the_response_url(socket_app, slack, sockets):
    outcome = ask(slack, sockets, socket_app.runtime, "list")
    assert outcome.ack == ""  # a bare ack: {"envelope_id": ...}
    assert outcome.responses, "no reply at the response_url"
    assert "Q1 2025" in outcome.text and "13 goals" in outcome.text


def test_app_home_opened_event_publishes_the_home_tab(socket_app, slack, sockets):
    event = {"type": "app_home_opened", "user": slack.alice, "channel": "D0001", "tab": "home"}
    payload = json.loads(event_body(event, team_id=slack.team_id, event_id="Ev0000000001"))
    envelope_id = sockets.send_envelope("events_api", payload)
    ack = sockets.wait_for_ack(envelope_id, timeout=15)
    assert ack == {"envelope_id": envelope_id}
    assert socket_app.runtime.listener_executor.wait_idle(15)
    view = slack.fake.home_view(slack.alice)
    assert view is not None and "Q1 2025" in json.dumps(view)


@pytest.mark.parametrize("how", ["refresh", "close", "abrupt"])
def test_reconnects_when_slack_drops_the_connection(socket_app, slack, sockets, how):
    assert sockets.drop_connections(how) == 1
    # Well within the default 10 s ping interval: the SDK alone takes ~5 pings after "abrupt".
    sockets.wait_for_connection(2, timeout=8)
    assert len(slack.fake.calls_to("apps.connections.open")) == 2
    outcome = ask(slack, sockets, socket_app.runtime, "help")
    assert "/roadmap list" in outcome.text
    sockets.wait_for_open(1, timeout=10)  # the old socket was let go of


def test_stops_cleanly(socket_app, sockets):
    assert socket_app.shutdown() == 0
    sockets.wait_for_open(0, timeout=10)


def test_refused_app_token_exits_1(settings, slack, sockets, capsys):
    bad = replace(settings, slack_app_token="xapp-1-A000-0000-unknown")
    assert run_socket_mode(bad, stop_event=threading.Event()) == 1
    err = capsys.readouterr().err
    assert "invalid_auth" in err and "SLACK_APP_TOKEN" in err
    assert sockets.connections == 0


# ---- the command line ------------------------------------------------------------------------


def _socket_argv() -> list[str]:
    from bot.cli import COMMAND_MODULES

    if "bot.cli.socket" in COMMAND_MODULES:
        return [sys.executable, "-m", "bot", "socket"]
    # Until the sub-command is listed in COMMAND_MODULES: the same main() with it added.
    code = (
        "import bot.cli as c; c.COMMAND_MODULES += ('bot.cli.socket',); "
        "raise SystemExit(c.main(['socket']))"
    )
    return [sys.executable, "-c", code]


def _env(tmp_path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", **values})
    return env


def test_cli_without_app_token_exits_2_naming_it(tmp_path, monkeypatch, capsys):
    import bot.cli

    if "bot.cli.socket" not in bot.cli.COMMAND_MODULES:
        monkeypatch.setattr(
            bot.cli, "COMMAND_MODULES", (*bot.cli.COMMAND_MODULES, "bot.cli.socket")
        )
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    for name in list(os.environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-abc")
    assert bot.cli.main(["socket"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_APP_TOKEN" in err and "connections:write" in err
    assert not (tmp_path / "bot.db").exists()  # refused before touching the database


@pytest.mark.slow
def test_cli_process_without_app_token_exits_2(tmp_path):
    result = subprocess.run(
        _socket_argv(),
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN" in result.stderr and "SLACK_BOT_TOKEN" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_process_serves_and_stops_on_signal(tmp_path, slack, sockets, stop_signal):
    env = _env(
        tmp_path,
        SLACK_API_URL=slack.fake.api_url,
        SLACK_APP_TOKEN=sockets.add_app_token(slack.team_id),
        SLACK_BOT_TOKEN=slack.bot_token,
    )
    process = subprocess.Popen(
        _socket_argv(), cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        sockets.wait_for_connection(1, timeout=60)
        payload, _ = command_payload(slack, "help")
        ack = sockets.wait_for_ack(sockets.send_envelope("slash_commands", payload), timeout=30)
        assert "/roadmap list" in json.dumps(ack["payload"])
        process.send_signal(stop_signal)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    sockets.wait_for_open(0, timeout=10)
