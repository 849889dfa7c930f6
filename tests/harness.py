"""Run the real WSGI app on 127.0.0.1 and drive it with requests signed like Slack's."""

from __future__ import annotations

import itertools
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from tests.signing import command_body, event_body, interaction_body, signed_headers


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


class AppServer:
    """The app's WSGI callable served in a background thread on an ephemeral port."""

    def __init__(self, wsgi_app):
        self._server = make_server(
            "127.0.0.1", 0, wsgi_app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # A short poll: shutdown() waits for the loop to look, and every HTTP test ends so.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> AppServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class HttpResult:
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self):
        return json.loads(self.body)


def http_request(
    url: str, *, data: bytes | None = None, headers: dict | None = None, method: str | None = None
) -> HttpResult:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return HttpResult(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return HttpResult(error.code, error.read(), dict(error.headers))


class SlackDriver:
    """Plays Slack's part towards the app: builds payloads, signs them, posts them."""

    _event_ids = itertools.count(1)

    def __init__(self, app_url: str, signing_secret: str, fake, team_id: str):
        self.app_url = app_url
        self.secret = signing_secret
        self.fake = fake
        self.team_id = team_id

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        extra_headers: dict | None = None,
    ) -> HttpResult:
        headers = signed_headers(secret or self.secret, body, content_type, timestamp)
        headers.update(extra_headers or {})
        return http_request(f"{self.app_url}/slack/events", data=body, headers=headers)

    def command(
        self, text: str, *, user_id: str, channel_id: str, team_id: str | None = None, **kwargs
    ) -> tuple[HttpResult, str]:
        """Send `/roadmap <text>`; returns the HTTP result and the response_url used."""
        team_id = team_id or self.team_id
        response_url = self.fake.response_url(team_id, channel_id, user_id)
        body = command_body(
            text=text,
            team_id=team_id,
            user_id=user_id,
            channel_id=channel_id,
            response_url=response_url,
            trigger_id=self.fake.trigger_id(team_id, user_id),
        )
        return (
            self.post(body, "application/x-www-form-urlencoded", **kwargs),
            response_url,
        )

    def event(
        self,
        event: dict,
        *,
        team_id: str | None = None,
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> HttpResult:
        event_id = event_id or f"Ev{next(self._event_ids):010d}"
        body = event_body(event, team_id=team_id or self.team_id, event_id=event_id)
        extra = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(body, "application/json", extra_headers=extra)

    def interaction(self, payload: dict) -> HttpResult:
        return self.post(interaction_body(payload), "application/x-www-form-urlencoded")


@dataclass
class CommandOutcome:
    """What Slack would show for one slash command: the ack's body and response_url posts."""

    status: int
    ack: dict | str
    responses: list[dict]

    @property
    def messages(self) -> list[dict]:
        return ([self.ack] if isinstance(self.ack, dict) else []) + self.responses

    @property
    def text(self) -> str:
        """All visible text (fallback text and block texts) of every message, joined."""
        return "\n".join(_all_text(m) for m in self.messages)

    @property
    def last(self) -> dict:
        return self.messages[-1]


def _all_text(node) -> str:
    if isinstance(node, dict):
        return "\n".join(
            str(v) if k == "text" and isinstance(v, str) else _all_text(v)
            for k, v in node.items()
            if k not in ("action_id", "block_id", "value", "type")
        )
    if isinstance(node, list):
        return "\n".join(_all_text(x) for x in node)
    return ""


def run_command(driver: SlackDriver, text: str, *, user_id: str, channel_id: str) -> CommandOutcome:
    """Send `/roadmap <text>`, wait for the listener to finish, collect what it answered."""
    result, response_url = driver.command(text, user_id=user_id, channel_id=channel_id)
    assert driver.runtime.listener_executor.wait_idle(15), "listener did not finish"
    try:
        ack = result.json() if result.body else ""
    except ValueError:
        ack = result.text
    return CommandOutcome(result.status, ack, driver.fake.responses(response_url))
