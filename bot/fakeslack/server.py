"""FakeSlack: a Slack Web API look-alike served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from . import m_apps, m_chat, m_conv, m_files, m_views
from .api import METHODS, Ctx, MethodSpec
from .faults import Fault, Faults, RateLimiter, Response, json_response, ratelimited, text_response
from .hooks import post_response_url, receive_upload
from .m_oauth import oauth_v2_access  # noqa: F401 (importing registers oauth.v2.access)
from .observe import Shown, shown_by_call
from .state import Call, SlackError
from .wire import Request, parse_request
from .workspace import Workspace

_REGISTERED = (m_apps, m_chat, m_conv, m_files, m_views)  # importing them registers the methods


class FakeSlack(Workspace):
    """In-process fake of Slack's Web API; see the package docstring for the test API."""

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(seed)
        self._faults = Faults()
        self._limiter = RateLimiter()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.internal_errors: list[str] = []
        # TCP connections accepted since start: a client that keeps its connections alive
        # opens a handful however many calls it makes (HTTP/1.1 keep-alive is served).
        self.connections_opened = 0

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeSlack:
        """Bind 127.0.0.1 on an ephemeral port and serve in a daemon thread."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._stopping.clear()
        host, port = server.server_address[:2]
        self._base_url = f"http://{host}:{port}/"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"fakeslack-{port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (pending delayed answers are woken up) and free the port."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- fault injection -----------------------------------------------------------------
    def fail(
        self,
        method: str,
        error: str | None = None,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
        times: int = 1,
        after: int = 0,
        apply: bool = False,
        body: str | dict[str, Any] | None = None,
    ) -> None:
        """Make `times` calls of `method` fail (or be slow), once `after` more have passed
        normally; see Fault."""
        if error is None and status is None and not delay and body is None:
            raise ValueError("fail() needs error, status, body or delay")
        if status == 429 and retry_after is None:
            retry_after = 1
        with self.lock:
            fault = Fault(error, status, retry_after, delay, apply, body)
            self._faults.add(method, fault, times, after=after)

    def clear_faults(self) -> None:
        """Drop pending faults."""
        with self.lock:
            self._faults.clear()

    def rate_limit(
        self,
        method: str,
        per_channel_per_second: float | None = 1.0,
        per_team_per_minute: int | None = None,
    ) -> None:
        """Enforce posting limits for a method; excess calls get 429 + Retry-After."""
        with self.lock:
            self._limiter.set(method, per_channel_per_second, per_team_per_minute)

    # ---- request handling ----------------------------------------------------------------
    def handle_api(self, method: str, req: Request) -> Response:
        """Record, apply faults, authenticate, rate-limit and run one Web API call."""
        with self.lock:
            info = self._tokens.get(req.token or "")
            self._calls.append(
                Call(
                    method, dict(req.params), req.token, info.team_id if info else None, self.now()
                )
            )
            spec = METHODS.get(method)
            fault = self._faults.take(method) if spec is not None else None
        if spec is None:
            with self.lock:
                self.notify(Shown("error", {"method": method, "error": "unknown_method"}))
            return json_response(404, {"ok": False, "error": "unknown_method"})
        if fault is not None and fault.delay:
            self._stopping.wait(fault.delay)
        if fault is not None and not fault.passes_through:
            if fault.apply:
                self._run(method, spec, req)
            return fault.response()
        return self._run(method, spec, req)

    def _run(self, method: str, spec: MethodSpec, req: Request) -> Response:
        with self.lock:
            info = self._tokens.get(req.token or "")
            headers: dict[str, str] = {}
            try:
                if req.bad_json:
                    raise SlackError("invalid_json")
                if spec.auth:
                    if not req.token:
                        raise SlackError("not_authed")
                    if info is None:
                        raise SlackError("invalid_auth")
                    if info.revoked:
                        raise SlackError("token_revoked")
                    headers = {
                        "X-OAuth-Scopes": ",".join(info.scopes),
                        "X-Accepted-OAuth-Scopes": ",".join(spec.scopes),
                    }
                    if spec.scopes and not set(spec.scopes) & set(info.scopes):
                        raise SlackError(
                            "missing_scope", needed=spec.scopes[0], provided=",".join(info.scopes)
                        )
                    channel = req.params.get("channel") or req.params.get("channel_id")
                    wait = self._limiter.check(
                        method,
                        info.team_id,
                        channel if isinstance(channel, str) else None,
                        self.now(),
                    )
                    if wait is not None:
                        self.rate_limited_count += 1
                        return ratelimited(wait)
                ctx = Ctx(self, info, req.params)  # type: ignore[arg-type]
                data = spec.fn(ctx)
            except SlackError as exc:
                if self.observers:
                    self.notify(Shown("error", {"method": method, "error": exc.error}))
                return json_response(
                    exc.status, {"ok": False, "error": exc.error, **exc.extra}, headers
                )
            if self.observers:
                self.notify(*shown_by_call(self, method, ctx, data))
            return json_response(200, {"ok": True, **data}, headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # bursts of concurrent clients must not hit SYN retries
    fake: FakeSlack

    def server_activate(self) -> None:
        self.open_connections: set[socket.socket] = set()
        super().server_activate()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.fake.lock:
            self.fake.connections_opened += 1
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.fake.lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Hang up on kept-alive clients: a later fake on the same port must not find its
        clients still talking to this one."""
        with self.fake.lock:
            connections, self.open_connections = list(self.open_connections), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that timed out and hung up are expected; report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the body waited for the client's
    # delayed ACK of the headers (40 ms a call on a kept-alive connection), which Slack's
    # servers do not make their clients wait.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        ctype = self.headers.get_content_type()
        boundary = self.headers.get_param("boundary")
        boundary = boundary if isinstance(boundary, str) else None
        path = parts.path
        try:
            if path.startswith("/api/"):
                req = parse_request(
                    parts.query, ctype, boundary, self.headers.get("Authorization"), body
                )
                answer = fake.handle_api(path[len("/api/") :], req)
            elif path.startswith("/upload/") and self.command == "POST":
                answer = receive_upload(fake, path[len("/upload/") :], body, ctype, boundary)
            elif path.startswith("/files-pri/") and self.command == "GET":
                answer = fake.download(path, self.headers.get("Authorization"))
            elif path.startswith("/response/") and self.command == "POST":
                answer = post_response_url(fake, path[len("/response/") :], body, ctype)
            else:
                answer = text_response(404, "not_found")
        except Exception as exc:  # a bug in the fake: answer 500 instead of hanging the client
            fake.internal_errors.append(traceback.format_exc())
            answer = json_response(
                500,
                {
                    "ok": False,
                    "error": "fake_internal_error",
                    "detail": f"{type(exc).__name__}: {exc}",
                },
            )
        status, headers, payload = answer
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
