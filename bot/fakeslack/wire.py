"""Decoding of incoming HTTP requests: query, form, JSON and multipart bodies."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

# Arguments Slack documents as "JSON-encoded string" when sent as form fields.
JSON_FIELDS = ("blocks", "attachments", "view", "metadata", "unfurls", "files", "user_auth_blocks")


@dataclass
class Part:
    """One multipart/form-data part."""

    name: str
    filename: str | None
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    """A decoded API request."""

    params: dict[str, Any]
    token: str | None
    is_json: bool = False
    bad_json: bool = False
    parts: list[Part] = field(default_factory=list)


def parse_multipart(body: bytes, boundary: str) -> list[Part]:
    """Minimal multipart/form-data parser (stdlib cgi is gone)."""
    parts: list[Part] = []
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        head, _, data = chunk.partition(b"\r\n\r\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, sep, value = line.partition(":")
            if sep:
                headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = re.search(r'(?:^|;)\s*name="([^"]*)"', disposition)
        filename = re.search(r'filename="([^"]*)"', disposition)
        parts.append(
            Part(
                name.group(1) if name else "",
                filename.group(1) if filename else None,
                data,
                headers,
            )
        )
    return parts


def decode_json_fields(params: dict[str, Any]) -> None:
    """Form posts carry blocks/view/... as JSON strings: decode them in place."""
    for key in JSON_FIELDS:
        value = params.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):  # else the method reports the bad format
                params[key] = json.loads(value)


def parse_request(
    query: str, content_type: str, boundary: str | None, auth: str | None, body: bytes
) -> Request:
    """Merge query + body params; token from `Authorization: Bearer` or a `token` field."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    req = Request(params, None)
    if content_type == "application/json" and body:
        req.is_json = True
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            params.update(data)
        else:
            req.bad_json = True
    elif content_type == "multipart/form-data" and boundary:
        req.parts = parse_multipart(body, boundary)
        for part in req.parts:
            if part.filename is None:
                params[part.name] = part.data.decode("utf-8", "replace")
    elif body:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    decode_json_fields(params)
    body_token = params.pop("token", None)
    if auth and auth.lower().startswith("bearer "):
        req.token = auth[7:].strip() or None
    elif not req.is_json and isinstance(body_token, str) and body_token:
        req.token = body_token  # Slack ignores a token inside JSON bodies
    return req
