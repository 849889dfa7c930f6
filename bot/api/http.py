"""Plain WSGI plumbing for the API: bearer tokens, bounded JSON bodies, JSON responses."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from bot.api.errors import ApiError, ErrorCode

MAX_BODY_BYTES = 64 * 1024
REALM = 'Bearer realm="roadmap-bot"'


@dataclass(frozen=True)
class Reply:
    """An operation's answer: its status and the JSON payload."""

    status: int
    payload: object


def status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


def json_body(payload: Any) -> bytes:
    """Strict JSON: NaN and infinities raise instead of writing text no parser accepts."""
    return json.dumps(payload, ensure_ascii=False, allow_nan=False).encode()


def json_response(
    start_response: Callable,
    status: int,
    payload: Any,
    *,
    headers: list[tuple[str, str]] | None = None,
    head: bool = False,
) -> list[bytes]:
    """Send `payload` (or bytes from json_body) as JSON; `head` sends the headers only."""
    body = payload if isinstance(payload, bytes) else json_body(payload)
    start_response(
        status_line(status),
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            *(headers or []),
        ],
    )
    return [] if head else [body]


def bearer_token(environ: dict) -> str:
    """The token of an `Authorization: Bearer <token>` header, or a missing_token error."""
    header = environ.get("HTTP_AUTHORIZATION", "").strip()
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(
            ErrorCode.MISSING_TOKEN,
            "Send your API token as `Authorization: Bearer <token>`; an admin creates one with "
            "`/roadmap config api-token create`.",
            headers=[("WWW-Authenticate", REALM)],
        )
    return token


def invalid_token() -> ApiError:
    return ApiError(
        ErrorCode.INVALID_TOKEN,
        "This API token is unknown or has been revoked.",
        headers=[("WWW-Authenticate", f'{REALM}, error="invalid_token"')],
    )


def require_json(environ: dict) -> None:
    media_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        shown = media_type or "none"
        raise ApiError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            f"Send the body as `Content-Type: application/json` (got {shown}).",
        )


def _too_large() -> ApiError:
    return ApiError(
        ErrorCode.BODY_TOO_LARGE,
        f"The body may be at most {MAX_BODY_BYTES // 1024} KiB; send fewer readings at a time.",
    )


def read_body(environ: dict, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refused by its Content-Length before reading, and never read past
    `limit` (+1 byte, to notice a chunked body that is too long)."""
    stream = environ.get("wsgi.input")
    length_text = (environ.get("CONTENT_LENGTH") or "").strip()
    if length_text:
        if not length_text.isdigit():
            raise ApiError(ErrorCode.INVALID_REQUEST, "The Content-Length header is not a number.")
        length = int(length_text)
        if length > limit:
            raise _too_large()
        return stream.read(length) if stream is not None and length else b""
    if stream is None or not environ.get("wsgi.input_terminated"):
        return b""  # no length and a stream we may not read to its end: no body
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise _too_large()
    return body


def read_json(environ: dict) -> Any:
    """The body parsed as JSON, after the media type and size checks."""
    require_json(environ)
    body = read_body(environ)
    if not body.strip():
        raise ApiError(ErrorCode.INVALID_JSON, "The body is empty; send a JSON object.")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError
        detail = f": {error.msg}" if isinstance(error, json.JSONDecodeError) else ""
        raise ApiError(ErrorCode.INVALID_JSON, f"The body is not valid JSON{detail}.") from None
