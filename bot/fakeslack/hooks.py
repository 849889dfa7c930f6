"""Non-API endpoints: response_url posts and file upload URLs."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from .api import message_content
from .faults import Response, text_response
from .messages import Messages
from .observe import Shown, ephemeral_message
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
        try:
            respond(ws, rec, payload)
        except SlackError as exc:
            return text_response(404 if exc.error == "channel_not_found" else 400, exc.error)
        rec["posts"].append(payload)
        return text_response(200, "ok")


def respond(ws: Messages, rec: dict[str, Any], payload: dict[str, Any]) -> None:
    """Show a message payload the way Slack shows a response_url post (or a command's ack):
    delete or replace the original, post in the channel, or show it to the user only."""
    original = _original(ws, rec)
    truthy = ("true", "1", True)
    channel, user = rec["channel_id"], rec["user_id"]
    if payload.get("delete_original") in truthy:
        if original is not None:
            where, msg = original
            if where == "channel":
                ws.delete_message(channel, msg)
                ws.notify(Shown("delete", {"ts": msg["ts"]}, channel=channel))
            else:
                ws._ephemerals.remove(msg)
                ws.notify(Shown("delete", {"ts": msg["message_ts"]}, channel, user))
        return
    text, blocks, attachments = message_content(payload)
    fields = {
        "text": text or "",
        "blocks": ws.with_block_ids(blocks or []),
        "attachments": attachments or [],
    }
    if payload.get("replace_original") in truthy and original is not None:
        where, msg = original
        msg.update(fields)
        if where == "channel":
            ws.notify(Shown("update", ws.render_message(msg), channel=channel))
        else:
            ws.notify(Shown("update", ephemeral_message(msg), channel, user))
    elif payload.get("response_type") == "in_channel":
        bot = ws.bot_token_for_team(rec["team_id"])
        try:
            msg = ws.store_message(
                channel,
                text=fields["text"],
                blocks=blocks,
                attachments=attachments,
                thread_ts=payload.get("thread_ts"),
                user=bot.user_id if bot else None,
                bot_id=bot.bot_id if bot else None,
                app_id=bot.app_id if bot else None,
            )
        except (SlackError, KeyError):
            raise SlackError("channel_not_found") from None
        ws.notify(Shown("message", ws.render_message(msg), channel=channel))
    else:
        eph = {
            **fields,
            "channel": channel,
            "user": user,
            "thread_ts": payload.get("thread_ts"),
            "message_ts": ws.next_ts(),
            "team": rec["team_id"],
            "source": "response_url",
        }
        ws._ephemerals.append(eph)
        ws.notify(Shown("ephemeral", ephemeral_message(eph), channel, user))


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
