"""Slack Web API calls over kept-alive connections: one pool per process.

slack_sdk's WebClient opens a new connection (a TCP and a TLS handshake) for every call, through
urllib. PooledWebClient is the same WebClient (its retry handlers, SlackApiError, SlackResponse,
every method) with only the transport swapped: each request goes out on a kept-alive
`http.client` connection from a process-wide pool, shared by every client and thread of the
process (per origin at most POOL_PER_HOST idle connections are kept). Through a proxy, urllib3's
ProxyManager carries the calls instead (kept alive too).

Why http.client and not urllib3 for direct calls: a digest-sized chat.postMessage through
urllib3's PoolManager cost the calling thread 1.35-1.55x the CPU of the same call on a kept
http.client connection (`python -m bench.http_transport`, 2026-12-03: 0.78 against 0.57 ms on
a slow machine, 0.46 against 0.30 on a faster one),
and a clock makes six calls a digest. The pool here does the little urllib3 did for us: it
keeps idle connections, drops one the server has closed before reusing it, and never retries
a request that may have been sent.

Errors come out as urllib's would, so nothing above notices the swap: an HTTP status of 400 or
more raises urllib.error.HTTPError (slack_sdk turns it into a SlackResponse; a 429 keeps its
Retry-After), a timeout raises URLError(TimeoutError) and a refused or broken connection a
URLError or ConnectionError. A request that may have been sent is never retried here: a POST
that reached Slack and lost its answer would post twice.
"""

from __future__ import annotations

import http.client
import io
import logging
import os
import select
import ssl as ssl_module
import threading
import urllib.error
from collections import deque
from ssl import SSLContext
from typing import Any
from urllib.parse import urlsplit
from urllib.request import Request

import urllib3
from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from urllib3.exceptions import (
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    SSLError,
)
from urllib3.exceptions import (
    TimeoutError as PoolTimeoutError,
)

POOL_PER_HOST = 16  # idle connections kept per origin; more threads open (and drop) extra ones
# Through a proxy: connection failures before anything was sent are retried once (a kept-alive
# connection the server had closed); nothing is retried once the request may have gone out.
RETRIES = urllib3.Retry(total=1, connect=1, read=0, status=0, other=0, redirect=0)

_lock = threading.Lock()
_origins: dict[tuple[str, str, int, int], Origin] = {}
_proxies: dict[tuple[int, str], urllib3.ProxyManager] = {}


class Origin:
    """Idle kept-alive connections to one scheme, host and port (and TLS context)."""

    def __init__(self, scheme: str, host: str, port: int, context: SSLContext | None):
        self.scheme, self.host, self.port = scheme, host, port
        self.context = context
        self._idle: deque[http.client.HTTPConnection] = deque()
        self._lock = threading.Lock()

    def take(self, timeout: float) -> http.client.HTTPConnection:
        """A kept connection the server has not closed, or a new one (not yet connected)."""
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                break
            if _still_open(connection):
                connection.sock.settimeout(timeout)
                connection.timeout = timeout
                return connection
            connection.close()
        if self.scheme == "https":
            context = self.context or ssl_module.create_default_context()
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=timeout, context=context
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def give_back(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < POOL_PER_HOST:
                self._idle.append(connection)
                return
        connection.close()

    def clear(self) -> None:
        with self._lock:
            idle, self._idle = list(self._idle), deque()
        for connection in idle:
            connection.close()


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """False when the server has hung up on an idle connection (or sent what nobody asked
    for): readable before any request means end of file, or garbage."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def origin_for(url: str, context: SSLContext | None) -> tuple[Origin, str]:
    """The process's pool for this URL's origin, and the request's path (with its query)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    host = parts.hostname or ""
    key = (scheme, host, port, id(context))
    origin = _origins.get(key)
    if origin is None:
        with _lock:
            origin = _origins.setdefault(key, Origin(scheme, host, port, context))
    path = parts.path or "/"
    return origin, f"{path}?{parts.query}" if parts.query else path


def proxy_pool(context: SSLContext | None, proxy: str) -> urllib3.ProxyManager:
    """The process's urllib3 pool through this proxy (one in practice)."""
    key = (id(context), proxy)
    pool = _proxies.get(key)
    if pool is None:
        with _lock:
            pool = _proxies.get(key)
            if pool is None:
                options: dict[str, Any] = {"maxsize": POOL_PER_HOST, "retries": RETRIES}
                if context is not None:
                    options["ssl_context"] = context
                pool = _proxies[key] = urllib3.ProxyManager(proxy, **options)
    return pool


def clear_pools() -> None:
    """Close every kept connection (tests; a forked process should start afresh)."""
    with _lock:
        for origin in _origins.values():
            origin.clear()
        _origins.clear()
        for pool in _proxies.values():
            pool.clear()
        _proxies.clear()


def _forget_pools() -> None:
    _origins.clear()
    _proxies.clear()


# A forked child (a gunicorn worker) must not share its parent's sockets: it starts afresh.
os.register_at_fork(after_in_child=_forget_pools)


class PooledWebClient(WebClient):
    """A WebClient whose requests go over the process's kept-alive connections."""

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if not url.lower().startswith("http"):
            raise SlackRequestError(f"Invalid URL detected: {url}")
        if self.proxy is not None and not isinstance(self.proxy, str):
            raise SlackRequestError(f"Invalid proxy detected: {self.proxy} must be a str value")
        headers = dict(req.header_items())
        if self.proxy:
            status, reason, message, data = self._through_proxy(url, req.data, headers)
        else:
            status, reason, message, data = self._direct(url, req.data, headers)
        if status >= 400:  # as urllib does: slack_sdk reads status, headers and body
            raise urllib.error.HTTPError(url, status, reason, message, io.BytesIO(data))
        # As sent (slack_sdk makes a dict of them anyway): reading each through the email
        # package's header policy cost more than the rest of the response.
        headers = dict(message.raw_items())
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if content_type.split(";", 1)[0].strip().lower() == "application/gzip":
            body: bytes | str = data
            shown = "(binary)"
        else:
            body = shown = data.decode(_charset(content_type))
        if self._logger.level <= logging.DEBUG:  # as slack_sdk logs it (bot.redact masks it)
            self._logger.debug(
                "Received the following response - "
                f"status: {status}, headers: {headers}, body: {shown}"
            )
        return {"status": status, "headers": headers, "body": body}

    def _direct(self, url: str, data: bytes | None, headers: dict):
        """One request on a kept connection: (status, reason, headers, body)."""
        origin, path = origin_for(url, self.ssl)
        connection = origin.take(self.timeout)
        if connection.sock is None:
            try:
                connection.connect()  # with TCP_NODELAY, as urllib3's connections
            except OSError as error:  # refused, unreachable, TLS, timed out: nothing was sent
                connection.close()
                raise urllib.error.URLError(error) from error
        try:
            connection.request("POST", path, body=data, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except TimeoutError as error:  # it may have posted: the sender says "uncertain"
            connection.close()
            raise urllib.error.URLError(error) from error
        except (http.client.HTTPException, OSError) as error:  # the connection broke
            connection.close()
            if isinstance(error, ConnectionError):
                raise
            raise ConnectionResetError(str(error) or type(error).__name__) from error
        if response.will_close:
            connection.close()
        else:
            origin.give_back(connection)
        return response.status, response.reason or "", response.msg, body

    def _through_proxy(self, url: str, data: bytes | None, headers: dict):
        timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
        try:
            resp = proxy_pool(self.ssl, self.proxy).request(
                "POST",
                url,
                body=data,
                headers=headers,
                timeout=timeout,
                preload_content=True,
                decode_content=True,
            )
        except MaxRetryError as error:
            raise _as_urllib(error.reason or error) from error
        except (PoolTimeoutError, ProtocolError, SSLError, ProxyError, NewConnectionError) as error:
            raise _as_urllib(error) from error
        message = http.client.HTTPMessage()
        for name, value in resp.headers.items():
            message[name] = value
        return resp.status, resp.reason or "", message, resp.data


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


def _as_urllib(error: BaseException) -> BaseException:
    """The exception urllib would have raised for this urllib3 failure."""
    if isinstance(error, NewConnectionError):  # refused, unreachable: nothing was sent
        return urllib.error.URLError(ConnectionRefusedError(str(error)))
    if isinstance(error, PoolTimeoutError):  # connect or read timeout: it may have posted
        return urllib.error.URLError(TimeoutError(str(error)))
    if isinstance(error, ProtocolError):  # the connection broke mid-request
        cause = error.args[1] if len(error.args) > 1 else None
        if isinstance(cause, TimeoutError):
            return urllib.error.URLError(cause)
        if isinstance(cause, ConnectionError):
            return cause
        return ConnectionResetError(str(error))
    return urllib.error.URLError(error)
