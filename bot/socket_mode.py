"""Socket Mode: the same Bolt app, over a WebSocket the app opens to Slack (no public URL).

Slack's part: apps.connections.open (called with the app-level token, on SLACK_API_URL) hands
out a one-time wss:// URL; Slack sends a `hello`, then envelopes that the app acks on the same
socket, and now and then a `disconnect` asking the app to reconnect. slack_sdk's builtin
SocketModeClient does the protocol (and reconnects); this module wires it to our app, runtime
and settings, and runs it until told to stop.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient

from bot.app import create_app
from bot.config import Settings
from bot.runtime import Runtime, make_web_client

log = logging.getLogger(__name__)

# Ping Slack this often (seconds); a connection with no pong for 4 intervals is replaced.
DEFAULT_PING_INTERVAL = 10.0
WATCHDOG_INTERVAL = 1.0  # seconds between checks that the connection is still there
APP_TOKEN_HINT = (
    "Create an app-level token with the connections:write scope (api.slack.com/apps > your app > "
    "Basic Information > App-Level Tokens; it starts with xapp-), set SLACK_APP_TOKEN to it, and "
    "turn on socket_mode_enabled in manifest.yml (Settings > Socket Mode)."
)


def socket_mode_problems(settings: Settings) -> list[str]:
    """What keeps Socket Mode from starting: one line per missing or malformed variable."""
    problems = []
    if not settings.slack_app_token:
        problems.append("SLACK_APP_TOKEN is not set (an app-level token, xapp-...).")
    elif not settings.slack_app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must be an app-level token (it starts with 'xapp-').")
    if not settings.slack_bot_token:
        problems.append("SLACK_BOT_TOKEN is not set (the Bot User OAuth Token, xoxb-...).")
    return problems


def problems_message(problems: list[str]) -> str:
    lines = "\n".join(f"  - {p}" for p in problems)
    return f"Socket Mode cannot start:\n{lines}\n{APP_TOKEN_HINT}"


class SocketModeConfigError(ValueError):
    """Settings lack what Socket Mode needs (see socket_mode_problems)."""


class SocketModeRunner:
    """The Bolt app connected over Socket Mode: start() connects, close() disconnects.

    Envelopes are dispatched to the app on the SDK's worker threads; listeners keep running
    on the runtime's listener executor after their ack, exactly as over HTTP.
    """

    def __init__(
        self,
        settings: Settings,
        runtime: Runtime | None = None,
        *,
        app: App | None = None,
        ping_interval: float = DEFAULT_PING_INTERVAL,
    ) -> None:
        problems = socket_mode_problems(settings)
        if problems:
            raise SocketModeConfigError(problems_message(problems))
        self.settings = settings
        self._owns_runtime = runtime is None
        self.runtime = runtime or Runtime.from_settings(settings)
        self.app = app or create_app(settings, self.runtime)
        self.ping_interval = ping_interval
        self.handler: SocketModeHandler | None = None
        self._stopping = threading.Event()
        self._watchdog: threading.Thread | None = None

    def start(self) -> None:
        """Ask Slack for a WebSocket URL and connect; raises SlackApiError when Slack refuses
        the app token, OSError (or URLError) when SLACK_API_URL cannot be reached."""
        if self.handler is not None:
            return
        handler = SocketModeHandler(
            self.app,
            app_token=self.settings.slack_app_token,
            # apps.connections.open goes to SLACK_API_URL with the app token (passed per call).
            web_client=make_web_client(self.settings, None),
            logger=logging.getLogger("slack_sdk.socket_mode"),
            ping_interval=self.ping_interval,
        )
        try:
            handler.connect()
        except BaseException:
            handler.close()
            raise
        self.handler = handler
        self._stopping.clear()
        self._watchdog = threading.Thread(
            target=self._watch, args=(handler.client,), name="socket-mode-watchdog", daemon=True
        )
        self._watchdog.start()

    def is_connected(self) -> bool:
        return self.handler is not None and self.handler.client.is_connected()

    def close(self, timeout: float = 10.0) -> None:
        """Disconnect, let running listeners finish, and release a runtime made here."""
        handler, self.handler = self.handler, None
        self._stopping.set()
        if self._watchdog is not None:
            self._watchdog.join(timeout)
            self._watchdog = None
        if handler is not None:
            # The SDK's reader holds a lock inside a blocking recv (3 s timeout) that close()
            # waits for; shutting the socket down first wakes it, so stopping is immediate.
            session = handler.client.current_session
            if session is not None and session.sock is not None:
                with contextlib.suppress(OSError):
                    session.sock.shutdown(socket.SHUT_RDWR)
            handler.close()
        if not self.runtime.listener_executor.wait_idle(timeout):
            log.warning("listeners still running after %.0f s; stopping anyway", timeout)
        if self._owns_runtime:
            self.runtime.close()

    def _watch(self, client: SocketModeClient) -> None:
        """Replace a connection as soon as Slack has gone from it.

        The SDK's reader does not notice a closed TCP connection: it spins on empty reads
        (a whole CPU) until its ping checks give up, about 5 ping intervals later; after a
        close frame it waits a ping interval before reconnecting. Checked once a second here,
        both lead to one prompt reconnect; the SDK's monitor keeps retrying after that.
        """
        was_connected = True
        while not self._stopping.wait(WATCHDOG_INTERVAL):
            session = client.current_session
            sock = session.sock if session is not None else None
            if session is not None and sock is not None and _peer_closed(sock):
                log.info("Slack closed the Socket Mode connection")
                session.disconnect()
            connected = client.is_connected()
            if was_connected and not connected and not self._stopping.is_set():
                log.info("Reconnecting to Slack over Socket Mode")
                try:
                    client.connect_to_new_endpoint()
                except Exception as error:  # the SDK's monitor retries every ping interval
                    log.warning("Socket Mode reconnect failed: %s", error)
                connected = client.is_connected()
            was_connected = connected

    def __enter__(self) -> SocketModeRunner:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _peer_closed(sock: socket.socket) -> bool:
    """True once the peer has closed the TCP connection. Reads nothing: it peeks through a
    duplicate descriptor, which works under TLS too."""
    try:
        if not select.select([sock], [], [], 0)[0]:
            return False
        with socket.socket(fileno=os.dup(sock.fileno())) as probe:
            flags = socket.MSG_PEEK | getattr(socket, "MSG_DONTWAIT", 0)
            return probe.recv(1, flags) == b""
    except ConnectionError:  # reset by the peer
        return True
    except (OSError, ValueError):  # nothing to read yet, or closed under us (the SDK's doing)
        return False


def run_socket_mode(
    settings: Settings,
    runtime: Runtime | None = None,
    *,
    stop_event: threading.Event | None = None,
    ping_interval: float = DEFAULT_PING_INTERVAL,
) -> int:
    """Serve Slack over Socket Mode until `stop_event` is set (or, on the main thread,
    SIGTERM/SIGINT arrives). Returns 0 after a clean stop, 2 when settings are missing,
    1 when Slack refuses the app token or cannot be reached."""
    problems = socket_mode_problems(settings)
    if problems:
        print(problems_message(problems), file=sys.stderr)
        return 2
    stop = stop_event or threading.Event()
    runner = SocketModeRunner(settings, runtime, ping_interval=ping_interval)
    with _stop_on_signals(stop.set):
        try:
            try:
                runner.start()
            except SlackApiError as error:
                reason = error.response.get("error") if error.response is not None else error
                print(
                    f"Slack refused to open a Socket Mode connection: {reason}. "
                    f"Check SLACK_APP_TOKEN. {APP_TOKEN_HINT}",
                    file=sys.stderr,
                )
                return 1
            except OSError as error:  # URLError is an OSError
                print(f"Cannot reach Slack at {settings.slack_api_url}: {error}", file=sys.stderr)
                return 1
            log.info("Connected to Slack over Socket Mode; SIGTERM or Ctrl-C stops.")
            while not stop.wait(0.5):
                pass
            log.info("Stopping Socket Mode")
            return 0
        finally:
            runner.close()


@contextmanager
def _stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """Route SIGTERM and SIGINT to `stop` while inside (only the main thread gets signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}

    def handle(signum: int, frame: object) -> None:
        log.info("%s received", signal.Signals(signum).name)
        stop()

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, handle)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
