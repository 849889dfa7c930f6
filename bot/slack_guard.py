"""What `/slack/events` refuses before Bolt sees it: bodies too large, text that is not
UTF-8, and timestamps that are not numbers.

Bolt reads the whole body and verifies its signature; a forged 50 MB body cost a worker
300 MiB and seconds of CPU, and Bolt logged it whole. Here the size is checked from
Content-Length and while reading, so nothing over the limit is ever held in memory, and the
log gets one line.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
LOGGED_BODY_BYTES = 200


def _refuse(start_response, status: str, error: str) -> list[bytes]:
    body = json.dumps({"error": error}).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def _read_limited(environ: dict, limit: int) -> bytes | None:
    """The body, or None when it is larger than `limit` (never read past limit + 1 bytes)."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length_text = (environ.get("CONTENT_LENGTH") or "").strip()
    if length_text:
        length = int(length_text)
        if length > limit:
            return None
        return stream.read(length) if length else b""
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and a stream we may not read to its end
    body = stream.read(limit + 1)
    return None if len(body) > limit else body


def guard_slack_requests(app: WSGIApp, *, max_body: int) -> WSGIApp:
    """Wrap Bolt's WSGI handler: 413 over `max_body`, 400 for a body that is not UTF-8 or a
    Content-Length that is not a number, 401 for a timestamp header that is not a number."""

    def guarded(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return app(environ, start_response)
        length_text = (environ.get("CONTENT_LENGTH") or "").strip()
        if length_text and not length_text.isdigit():
            log.info("refused a Slack request: Content-Length %r", length_text[:20])
            return _refuse(start_response, "400 Bad Request", "invalid_content_length")
        body = _read_limited(environ, max_body)
        if body is None:
            log.info("refused a Slack request over %d bytes", max_body)
            return _refuse(start_response, "413 Request Entity Too Large", "body_too_large")
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            log.info("refused a Slack request whose body is not UTF-8")
            return _refuse(start_response, "400 Bad Request", "invalid_encoding")
        timestamp = (environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "").strip()
        if not timestamp.isdigit():
            log.info("refused a Slack request with timestamp %r", timestamp[:20])
            return _refuse(start_response, "401 Unauthorized", "invalid request")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return app(environ, start_response)

    return guarded


class ShortBodies(logging.Filter):
    """Cut the request body out of Bolt's "Invalid request signature" line: a forged body is
    anybody's text and any size."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        marker = ", body: "
        if message.startswith("Invalid request signature") and marker in message:
            head, _, body = message.partition(marker)
            if len(body) > LOGGED_BODY_BYTES:
                body = body[:LOGGED_BODY_BYTES] + f"… ({len(body)} characters)"
            record.msg, record.args = f"{head}{marker}{body}", None
        return True
