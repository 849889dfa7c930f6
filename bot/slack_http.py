"""Slack Web API calls over kept-alive connections: one urllib3 pool per process.

slack_sdk's WebClient opens a new connection (a TCP and a TLS handshake) for every call, through
urllib. PooledWebClient is the same WebClient (its retry handlers, SlackApiError, SlackResponse,
every method) with only the transport swapped: each request goes out on a connection from a
process-wide urllib3 PoolManager, kept alive between calls and shared by every client and
thread of the process (per host at most POOL_PER_HOST idle connections are kept).

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
import threading
import urllib.error
from ssl import SSLContext
from typing import Any
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

POOL_PER_HOST = 16  # idle connections kept per host; more threads open (and drop) extra ones
# Connection failures before anything was sent are retried once (a kept-alive connection the
# server had closed); nothing is retried once the request may have gone out.
RETRIES = urllib3.Retry(total=1, connect=1, read=0, status=0, other=0, redirect=0)

_lock = threading.Lock()
_pools: dict[tuple[int, str | None], urllib3.PoolManager] = {}


def pool_for(ssl: SSLContext | None, proxy: str | None) -> urllib3.PoolManager:
    """The process's pool for this TLS context and proxy (one in practice)."""
    key = (id(ssl), proxy)
    pool = _pools.get(key)
    if pool is None:
        with _lock:
            pool = _pools.get(key)
            if pool is None:
                options: dict[str, Any] = {"maxsize": POOL_PER_HOST, "retries": RETRIES}
                if ssl is not None:
                    options["ssl_context"] = ssl
                pool = (
                    urllib3.ProxyManager(proxy, **options)
                    if proxy
                    else urllib3.PoolManager(**options)
                )
                _pools[key] = pool
    return pool


def clear_pools() -> None:
    """Close every kept connection (tests; a forked process should start afresh)."""
    with _lock:
        for pool in _pools.values():
            pool.clear()
        _pools.clear()


# A forked child (a gunicorn worker) must not share its parent's sockets: it starts afresh.
os.register_at_fork(after_in_child=_pools.clear)


def _message(headers: urllib3.HTTPHeaderDict) -> http.client.HTTPMessage:
    message = http.client.HTTPMessage()
    for name, value in headers.items():
        message[name] = value
    return message


class PooledWebClient(WebClient):
    """A WebClient whose requests go over the process's kept-alive connections."""

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if not url.lower().startswith("http"):
            raise SlackRequestError(f"Invalid URL detected: {url}")
        if self.proxy is not None and not isinstance(self.proxy, str):
            raise SlackRequestError(f"Invalid proxy detected: {self.proxy} must be a str value")
        timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
        try:
            resp = pool_for(self.ssl, self.proxy).request(
                "POST",
                url,
                body=req.data,
                headers=dict(req.header_items()),
                timeout=timeout,
                preload_content=True,
                decode_content=True,
            )
        except MaxRetryError as error:
            raise _as_urllib(error.reason or error) from error
        except (PoolTimeoutError, ProtocolError, SSLError, ProxyError, NewConnectionError) as error:
            raise _as_urllib(error) from error
        if resp.status >= 400:  # as urllib does: slack_sdk reads status, headers and body
            raise urllib.error.HTTPError(
                url, resp.status, resp.reason or "", _message(resp.headers), io.BytesIO(resp.data)
            )
        content_type = resp.headers.get("Content-Type", "")
        if content_type.split(";", 1)[0].strip().lower() == "application/gzip":
            body: bytes | str = resp.data
            shown = "(binary)"
        else:
            body = shown = resp.data.decode(_charset(content_type))
        if self._logger.level <= logging.DEBUG:  # as slack_sdk logs it (bot.redact masks it)
            self._logger.debug(
                "Received the following response - "
                f"status: {resp.status}, headers: {dict(resp.headers)}, body: {shown}"
            )
        return {"status": resp.status, "headers": resp.headers, "body": body}


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
