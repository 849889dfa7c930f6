"""files.getUploadURLExternal / completeUploadExternal / info (+ retired files.upload)."""

from __future__ import annotations

import json
from typing import Any

from . import render
from .api import Ctx, method
from .m_chat import postable
from .messages import Messages
from .state import MAX_TEXT, SlackError, invalid_arguments


def shares_of(ws: Messages, f: dict[str, Any]) -> dict[str, Any]:
    """`shares` object of a file: {"public"|"private": {channel: [{ts, ...}]}}."""
    shares: dict[str, Any] = {}
    for cid, ts in f["share_ts"].items():
        ch = ws._channels[cid]
        bucket = "private" if ws.is_hidden(ch) else "public"
        entry = {
            "ts": ts,
            "channel_name": ch.get("name") or "",
            "team_id": ch["team_id"],
            "share_user_id": f["user"],
            "reply_users": [],
            "reply_users_count": 0,
            "reply_count": 0,
        }
        shares.setdefault(bucket, {})[cid] = [entry]
    return shares


def file_info(ws: Messages, f: dict[str, Any]) -> dict[str, Any]:
    """files.info shape of a stored file."""
    return render.file_obj(f, ws._teams[f["team_id"]], shares_of(ws, f), ws.url)


@method("files.getUploadURLExternal", "files:write")
def get_upload_url(ctx: Ctx) -> dict[str, Any]:
    """Reserve a file id and an upload URL on this fake."""
    filename = ctx.req("filename")
    length = ctx.params.get("length")
    try:
        size = int(length) if length is not None else None
    except (TypeError, ValueError):
        size = None
    if size is None:
        raise invalid_arguments("missing required field: length")
    if size < 1:
        raise invalid_arguments("must be greater than 0 [json-pointer:/length]")
    ws = ctx.ws
    fid = ws.new_id("F")
    ws._files[fid] = {
        "id": fid,
        "team_id": ctx.team_id,
        "user": ctx.user_id,
        "name": filename,
        "title": filename,
        "length": size,
        "content": b"",
        "uploaded": False,
        "completed": False,
        "channels": [],
        "initial_comment": None,
        "thread_ts": None,
        "created": int(ws.now()),
        "alt_txt": ctx.arg("alt_txt"),
        "snippet_type": ctx.arg("snippet_type"),
        "share_ts": {},
    }
    return {"upload_url": f"{ws.url}upload/{fid}", "file_id": fid}


def _targets(ctx: Ctx) -> list[dict[str, Any]]:
    raw = [ctx.arg("channel_id")] if ctx.arg("channel_id") else []
    raw += [c.strip() for c in (ctx.arg("channels") or "").split(",") if c.strip()]
    return [postable(ctx, c) for c in dict.fromkeys(raw)]


@method("files.completeUploadExternal", "files:write")
def complete_upload(ctx: Ctx) -> dict[str, Any]:
    """Finish uploads; shares them into channel_id/channels with one message per channel."""
    entries = ctx.params.get("files")
    if isinstance(entries, str):
        try:
            entries = json.loads(entries)
        except ValueError:
            entries = None
    if (
        not isinstance(entries, list)
        or not entries
        or not all(isinstance(e, dict) and isinstance(e.get("id"), str) for e in entries)
    ):
        raise invalid_arguments(
            "must provide a non-empty array of objects with id [json-pointer:/files]"
        )
    ws = ctx.ws
    stored = []
    for entry in entries:
        f = ws._files.get(entry["id"])
        if f is None or f["team_id"] != ctx.team_id or not f["uploaded"]:
            raise SlackError("file_not_found")
        stored.append((f, entry))
    channels = _targets(ctx)
    thread_ts = ctx.arg("thread_ts")
    if thread_ts and len(channels) != 1:
        raise invalid_arguments("thread_ts requires exactly one channel")
    comment = ctx.arg("initial_comment")
    if comment and len(comment) > MAX_TEXT:
        raise SlackError("msg_too_long")
    parents = {ch["id"]: ws.thread_parent(ch["id"], thread_ts) for ch in channels if thread_ts}
    for f, entry in stored:
        if entry.get("title"):
            f["title"] = str(entry["title"])
        f.update(completed=True, initial_comment=comment, thread_ts=thread_ts)
    for ch in channels:
        ts_parent = parents[ch["id"]]["ts"] if thread_ts else None
        msg = ws.store_message(
            ch["id"],
            text=comment or "",
            thread_ts=ts_parent,
            upload=True,
            display_as_bot=False,
            user=ctx.user_id,
            bot_id=ctx.auth.bot_id,
            app_id=ctx.auth.app_id,
        )
        for f, _ in stored:
            f["channels"].append(ch["id"])
            f["share_ts"][ch["id"]] = msg["ts"]
        msg["files"] = [file_info(ws, f) for f, _ in stored]
    return {"files": [file_info(ws, f) for f, _ in stored]}


@method("files.info", "files:read")
def files_info(ctx: Ctx) -> dict[str, Any]:
    """A completed file of the team."""
    f = ctx.ws._files.get(ctx.arg("file") or "")
    if f is None or f["team_id"] != ctx.team_id or not f["completed"]:
        raise SlackError("file_not_found")
    return {"file": file_info(ctx.ws, f), "comments": [], "response_metadata": {"next_cursor": ""}}


@method("files.upload", "files:write")
def files_upload_v1(ctx: Ctx) -> dict[str, Any]:
    """Retired by Slack (use files_upload_v2)."""
    raise SlackError("method_deprecated")
