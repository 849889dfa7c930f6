"""Non-API endpoints: response_url posts and file upload URLs."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from .api import message_content
from .faults import Response, text_response
from .messages import Messages
from .state import RESPONSE_URL_MAX_POSTS, RESPONSE_URL_TTL, SlackError
from .wire import parse_multipart


def _payload(body: bytes, content_type: str) -> Any:
    if content_type == "application/x-www-form-urlencoded":
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        return json.loads(form.get("payload", ""))
    return json.loads(body)


def _original(ws: Messages, rec: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The message the response_url belongs to: ("channel"|"ephemeral", dict)."""
    ts = rec["message_ts"]
    if not ts:
        return None
    msg = ws.find_message(rec["channel_id"], ts) if rec["channel_id"] in ws._channels else None
    if msg is not None:
        return "channel", msg
    for eph in ws._ephemerals:
        if eph["message_ts"] == ts and eph["channel"] == rec["channel_id"]:
            return "ephemeral", eph
    return None


def post_response_url(ws: Messages, key: str, body: bytes, content_type: str) -> Response:
    """Handle a POST to a response_url (5 uses, 30 minutes, like Slack)."""
    with ws.lock:
        rec = ws._response_urls.get(key)
        if rec is None:
            return text_response(404, "invalid_url")
        if ws.now() - rec["created"] > RESPONSE_URL_TTL:
            return text_response(404, "expired_url")
        if len(rec["posts"]) >= RESPONSE_URL_MAX_POSTS:
            return text_response(404, "used_url")
        try:
            payload = _payload(body, content_type)
        except ValueError:
            return text_response(400, "invalid_payload")
        if not isinstance(payload, dict):
            return text_response(400, "invalid_payload")
        original = _original(ws, rec)
        truthy = ("true", "1", True)
        if payload.get("delete_original") in truthy:
            if original is not None:
                where, msg = original
                if where == "channel":
                    ws.delete_message(rec["channel_id"], msg)
                else:
                    ws._ephemerals.remove(msg)
            rec["posts"].append(payload)
            return text_response(200, "ok")
        try:
            text, blocks, attachments = message_content(payload)
        except SlackError as exc:
            return text_response(400, exc.error)
        fields = {
            "text": text or "",
            "blocks": ws.with_block_ids(blocks or []),
            "attachments": attachments or [],
        }
        if payload.get("replace_original") in truthy and original is not None:
            original[1].update(fields)
        elif payload.get("response_type") == "in_channel":
            bot = ws.bot_token_for_team(rec["team_id"])
            try:
                ws.store_message(
                    rec["channel_id"],
                    text=fields["text"],
                    blocks=blocks,
                    attachments=attachments,
                    thread_ts=payload.get("thread_ts"),
                    user=bot.user_id if bot else None,
                    bot_id=bot.bot_id if bot else None,
                    app_id=bot.app_id if bot else None,
                )
            except (SlackError, KeyError):
                return text_response(404, "channel_not_found")
        else:
            ws._ephemerals.append(
                {
                    **fields,
                    "channel": rec["channel_id"],
                    "user": rec["user_id"],
                    "thread_ts": payload.get("thread_ts"),
                    "message_ts": ws.next_ts(),
                    "team": rec["team_id"],
                    "source": "response_url",
                }
            )
        rec["posts"].append(payload)
        return text_response(200, "ok")


def receive_upload(
    ws: Messages, file_id: str, body: bytes, content_type: str, boundary: str | None
) -> Response:
    """Store bytes POSTed to an upload_url (raw body or multipart `file` field)."""
    with ws.lock:
        f = ws._files.get(file_id)
        if f is None or f["completed"]:
            return text_response(404, "file_not_found")
        data = body
        if content_type == "multipart/form-data" and boundary:
            parts = parse_multipart(body, boundary)
            chosen = next((p for p in parts if p.name == "file"), None) or next(
                (p for p in parts if p.filename is not None), None
            )
            if chosen is None:
                return text_response(400, "no_file_data")
            data = chosen.data
        f["content"] = bytes(data)
        f["uploaded"] = True
        return text_response(200, f"OK - {len(data)}")
