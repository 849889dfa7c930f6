"""A fake of Slack's Socket Mode endpoint: a small RFC 6455 WebSocket server on 127.0.0.1.

    with FakeSlack() as fake, FakeSocketMode(fake) as sockets:
        app_token = sockets.add_app_token(team_id)          # "xapp-1-..."; connections:write
        ... start the app: it calls apps.connections.open on the fake, gets
        ... ws://127.0.0.1:PORT/link/?ticket=...&app_id=..., connects, and receives a hello
        sockets.wait_for_connection(1)
        envelope_id = sockets.send_envelope("slash_commands", {...})
        ack = sockets.wait_for_ack(envelope_id)             # {"envelope_id", "payload"?}
        sockets.drop_connections()                          # Slack's refresh: "disconnect"
        sockets.wait_for_connection(2)                      # the app came back

Frames follow RFC 6455 as far as Slack's clients use it: masked client frames, unmasked
server frames, text, ping/pong (pings are answered), close. Tickets are single-use, like the
URLs apps.connections.open hands out. Failures of the fake itself land in `internal_errors`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import itertools
import json
import socket
import struct
import threading
import traceback
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .state import TokenInfo

if TYPE_CHECKING:
    from .server import FakeSlack

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
# Slack asks for a response payload for these; events and block_actions are acked bare.
_RESPONSE_PAYLOAD_KINDS = {"slash_commands"}
_RESPONSE_PAYLOAD_INTERACTIONS = {"view_submission", "block_suggestion"}


def frame(opcode: int, payload: bytes = b"") -> bytes:
    """One unmasked, final server frame."""
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    return head + payload


def _read_exact(stream: Any, size: int) -> bytes:
    data = stream.read(size) if size else b""
    if len(data) < size:
        raise EOFError("connection closed")
    return data


def read_frame(stream: Any) -> tuple[bool, int, bytes]:
    """(fin, opcode, unmasked payload) of the next frame on a buffered socket stream."""
    first, second = _read_exact(stream, 2)
    size = second & 0x7F
    if size == 126:
        (size,) = struct.unpack("!H", _read_exact(stream, 2))
    elif size == 127:
        (size,) = struct.unpack("!Q", _read_exact(stream, 8))
    mask = _read_exact(stream, 4) if second & 0x80 else b""
    data = _read_exact(stream, size)
    if mask:
        key = int.from_bytes((mask * (size // 4 + 1))[:size], "big")
        data = (int.from_bytes(data, "big") ^ key).to_bytes(size, "big")
    return bool(first & 0x80), first & 0x0F, data


class _Connection:
    """One accepted WebSocket: sending is serialised, state is guarded by the server's lock."""

    def __init__(self, sock: socket.socket, number: int) -> None:
        self.sock = sock
        self.number = number
        self.app_id = ""
        self.ready = False  # handshake done and hello sent
        self.draining = False  # told to go away: gets no new envelopes
        self.closed = False
        self._send_lock = threading.Lock()

    def send(self, opcode: int, payload: bytes = b"") -> bool:
        with self._send_lock:
            try:
                self.sock.sendall(frame(opcode, payload))
                return True
            except OSError:
                return False

    def send_json(self, message: dict[str, Any]) -> bool:
        return self.send(TEXT, json.dumps(message).encode())

    def shut(self) -> None:
        """Close the TCP connection at once (no close frame)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class FakeSocketMode:
    """Slack's side of Socket Mode for one FakeSlack; see the module docstring."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.internal_errors: list[str] = []
        self.envelopes: list[dict[str, Any]] = []  # what was sent, in order
        self.received: list[dict[str, Any]] = []  # every JSON message the app sent
        self._cond = threading.Condition()
        self._app_tokens: dict[str, str] = {}  # token -> app id
        self._tickets: dict[str, str] = {}  # unused ticket -> app id
        self._conns: list[_Connection] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._hellos = 0
        self._numbers = itertools.count(1)
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeSocketMode:
        """Listen on 127.0.0.1 (ephemeral port) and answer apps.connections.open on the fake."""
        if self._listener is not None:
            return self
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stopping.clear()
        self._spawn(self._accept_loop, "accept")
        self.fake.socket_mode = self  # type: ignore[attr-defined]  # read by m_apps
        return self

    def stop(self) -> None:
        """Close every connection and the listening socket."""
        listener, self._listener = self._listener, None
        if listener is None:
            return
        self.fake.socket_mode = None  # type: ignore[attr-defined]
        self._stopping.set()
        with self._cond:
            conns = list(self._conns)
        for conn in conns:
            conn.shut()
        for thread in self._threads:
            thread.join(timeout=5)
        listener.close()

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("FakeSocketMode is not started")
        return int(self._listener.getsockname()[1])

    # ---- tokens and URLs -----------------------------------------------------------------
    def add_app_token(
        self, team_id: Any, app_id: str | None = None, scopes: tuple[str, ...] | None = None
    ) -> str:
        """An app-level token ("xapp-1-...") of the app installed in `team_id`.

        Add it after install_bot(): like any token it joins the fake's token table, and the
        team's first token is the one response_url posts are attributed to."""
        fake = self.fake
        with fake.lock:
            tid = fake.team(team_id)["id"]
            bot = fake.bot_token_for_team(tid)
            aid = app_id or (bot.app_id if bot else fake.new_id("A"))
            token = (
                f"xapp-1-{aid}-{fake.random_str(13, '0123456789')}-"
                f"{fake.random_str(64, '0123456789abcdef')}"
            )
            fake._tokens[token] = TokenInfo(
                token, tid, "", "", aid, scopes if scopes is not None else ("connections:write",)
            )
        with self._cond:
            self._app_tokens[token] = aid
        return token

    def open_url(self, app_token: str) -> str:
        """A fresh single-use WebSocket URL (what apps.connections.open answers)."""
        with self._cond:
            app_id = self._app_tokens[app_token]
            ticket = str(uuid.uuid4())
            self._tickets[ticket] = app_id
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={app_id}"

    # ---- test API ------------------------------------------------------------------------
    @property
    def connections(self) -> int:
        """How many connections have been established (hello sent) so far."""
        with self._cond:
            return self._hellos

    @property
    def open_connections(self) -> int:
        """Connections currently open, draining ones included."""
        with self._cond:
            return len(self._open())

    def wait_for_connection(self, n: int = 1, timeout: float = 10.0) -> None:
        """Wait until `n` connections were established and one can take envelopes."""
        if not self._wait(lambda: self._hellos >= n and self._live() is not None, timeout):
            raise TimeoutError(
                f"expected {n} Socket Mode connection(s), saw {self._hellos} "
                f"({self.open_connections} open)"
            )

    def wait_for_open(self, n: int, timeout: float = 10.0) -> None:
        """Wait until exactly `n` connections are open (0: the app has disconnected)."""
        if not self._wait(lambda: len(self._open()) == n, timeout):
            raise TimeoutError(f"expected {n} open connection(s), saw {self.open_connections}")

    def send_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        envelope_id: str | None = None,
        timeout: float = 10.0,
    ) -> str:
        """Send an envelope as Slack does ("slash_commands", "events_api", "interactive") on
        the newest live connection (waiting up to `timeout` for one); returns its id."""
        if accepts_response_payload is None:
            accepts_response_payload = type in _RESPONSE_PAYLOAD_KINDS or (
                type == "interactive" and payload.get("type") in _RESPONSE_PAYLOAD_INTERACTIONS
            )
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id or str(uuid.uuid4()),
            "payload": payload,
            "type": type,
            "accepts_response_payload": accepts_response_payload,
        }
        if type == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        if not self._wait(lambda: self._live() is not None, timeout):
            raise TimeoutError("no Socket Mode connection to send the envelope on")
        with self._cond:
            conn = self._live()
            self.envelopes.append(envelope)
        if conn is None or not conn.send_json(envelope):
            raise ConnectionError("the Socket Mode connection went away while sending")
        return str(envelope["envelope_id"])

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The app's acknowledgement: {"envelope_id": ..., "payload": {...}?}."""
        if not self._wait(lambda: envelope_id in self._acks, timeout):
            raise TimeoutError(f"no ack for envelope {envelope_id} within {timeout} s")
        with self._cond:
            return self._acks[envelope_id]

    def drop_connections(self, how: str = "refresh", *, grace: float = 5.0) -> int:
        """End every live connection; returns how many.

        "refresh": Slack's `{"type": "disconnect", "reason": "refresh_requested"}`; the socket
        is closed when the app's next connection is up, or after `grace` seconds; "close": a
        close frame (1001), same timing; "abrupt": the TCP connection just goes away.
        """
        if how not in ("refresh", "link_disabled", "close", "abrupt"):
            raise ValueError(f"unknown way to drop a connection: {how}")
        with self._cond:
            conns = [c for c in self._open() if not c.draining]
            for conn in conns:
                conn.draining = True
        for conn in conns:
            if how == "abrupt":
                conn.shut()
                continue
            if how == "close":
                conn.send(CLOSE, struct.pack("!H", 1001) + b"going away")
            else:
                reason = "refresh_requested" if how == "refresh" else how
                conn.send_json(
                    {"type": "disconnect", "reason": reason, "debug_info": self._debug_info()}
                )
            timer = threading.Timer(grace, conn.shut)
            timer.daemon = True
            timer.start()
        return len(conns)

    # ---- internals -----------------------------------------------------------------------
    def _wait(self, predicate: Any, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def _open(self) -> list[_Connection]:
        """Connections past their hello and not closed (call with the lock held)."""
        return [c for c in self._conns if c.ready and not c.closed]

    def _live(self) -> _Connection | None:
        """Newest connection that may take envelopes (call with the lock held)."""
        return next((c for c in reversed(self._open()) if not c.draining), None)

    def _debug_info(self) -> dict[str, Any]:
        return {"host": f"applink-fake-{self.port}", "build_number": 1}

    def _spawn(self, target: Any, name: str, *args: Any) -> None:
        def run() -> None:
            try:
                target(*args)
            except Exception:
                if not self._stopping.is_set():
                    self.internal_errors.append(traceback.format_exc())

        thread = threading.Thread(target=run, name=f"fake-socket-{name}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        listener = self._listener
        while listener is not None and not self._stopping.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            conn = _Connection(sock, next(self._numbers))
            with self._cond:
                self._conns.append(conn)
            self._spawn(self._serve, f"conn-{conn.number}", conn)

    def _serve(self, conn: _Connection) -> None:
        stream = conn.sock.makefile("rb")
        try:
            if self._handshake(conn, stream):
                self._read_loop(conn, stream)
        except (EOFError, OSError):
            pass  # the peer went away (or was made to)
        finally:
            stream.close()
            conn.shut()
            with self._cond:
                conn.closed = True
                self._cond.notify_all()

    def _handshake(self, conn: _Connection, stream: Any) -> bool:
        request_line = stream.readline(65536).decode("latin-1").split()
        headers = http.client.parse_headers(stream)
        path = request_line[1] if len(request_line) == 3 else ""
        ticket = (parse_qs(urlsplit(path).query).get("ticket") or [""])[0]
        with self._cond:
            app_id = self._tickets.pop(ticket, None)
        key = headers.get("Sec-WebSocket-Key", "")
        upgrade = headers.get("Upgrade", "").lower() == "websocket"
        if request_line[:1] != ["GET"] or not upgrade or not key or app_id is None:
            status = "401 Unauthorized" if upgrade and key else "400 Bad Request"
            conn.sock.sendall(
                f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            return False
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        conn.sock.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        with self._cond:
            conn.app_id = app_id
            live = [c for c in self._open() if c.app_id == app_id]
        hello = {
            "type": "hello",
            "num_connections": len(live) + 1,
            "debug_info": {**self._debug_info(), "approximate_connection_time": 18060},
            "connection_info": {"app_id": app_id},
        }
        conn.send_json(hello)
        with self._cond:
            conn.ready = True
            self._hellos += 1
            replaced = [c for c in self._conns if c.draining and c.app_id == app_id]
            self._cond.notify_all()
        for old in replaced:  # a refreshed socket is closed once its replacement is up
            old.shut()
        return True

    def _read_loop(self, conn: _Connection, stream: Any) -> None:
        parts: list[bytes] = []
        while True:
            fin, opcode, data = read_frame(stream)
            if opcode == PING:
                conn.send(PONG, data)
            elif opcode == CLOSE:
                conn.send(CLOSE, data[:2])
                return
            elif opcode in (TEXT, 0x0):
                parts.append(data)
                if fin:
                    self._on_text(b"".join(parts))
                    parts = []

    def _on_text(self, data: bytes) -> None:
        try:
            message: Any = json.loads(data)
        except ValueError:
            message = {"invalid_json": data.decode("utf-8", "replace")}
        with self._cond:
            self.received.append(message)
            envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
            if envelope_id and envelope_id not in self._acks:
                self._acks[envelope_id] = message
            self._cond.notify_all()
