"""chat.* and reactions.* methods."""

from __future__ import annotations

from typing import Any

from .api import Ctx, message_content, method
from .state import SlackError


def _bot_fields(ctx: Ctx) -> dict[str, Any]:
    return {"user": ctx.user_id, "bot_id": ctx.auth.bot_id, "app_id": ctx.auth.app_id}


def resolve_target(ctx: Ctx, raw: Any) -> dict[str, Any]:
    """Channel for posting: an id, a "#name", or a user id (-> the app's DM with them)."""
    ws = ctx.ws
    if isinstance(raw, str) and raw[:1] in ("U", "W") and raw not in ws._channels:
        user = ws.user(ctx.team_id, raw)
        if user is None:
            raise SlackError("channel_not_found")
        if user["deleted"]:
            raise SlackError("user_disabled")
        cid, _ = ws.open_im(ctx.team_id, ctx.user_id, [raw])
        return ws._channels[cid]
    return ws.visible_channel(ctx.team_id, ctx.user_id, raw)


def postable(ctx: Ctx, raw: Any) -> dict[str, Any]:
    """Channel the bot may post to: not archived, member (unless chat:write.public)."""
    ch = resolve_target(ctx, raw)
    if ch["is_archived"]:
        raise SlackError("is_archived")
    if not ctx.ws.is_member(ch["id"], ctx.user_id) and not (
        not ctx.ws.is_hidden(ch) and "chat:write.public" in ctx.auth.scopes
    ):
        raise SlackError("not_in_channel")
    return ch


def _metadata(ctx: Ctx) -> dict[str, Any] | None:
    meta = ctx.params.get("metadata")
    if meta is None or meta == "":
        return None
    if (
        not isinstance(meta, dict)
        or not isinstance(meta.get("event_type"), str)
        or not isinstance(meta.get("event_payload", {}), dict)
    ):
        raise SlackError("invalid_metadata_format")
    return meta


def _own_message(ctx: Ctx, error: str) -> tuple[dict[str, Any], dict[str, Any]]:
    ch = ctx.ws.visible_channel(ctx.team_id, ctx.user_id, ctx.params.get("channel"))
    msg = ctx.ws.find_message(ch["id"], ctx.arg("ts"))
    if msg is None or msg.get("subtype") == "tombstone":
        raise SlackError("message_not_found")
    if msg.get("user") != ctx.user_id:
        raise SlackError(error)
    return ch, msg


@method("chat.postMessage", "chat:write")
def post_message(ctx: Ctx) -> dict[str, Any]:
    """Post a message (channel id, #name or user id)."""
    ch = postable(ctx, ctx.params.get("channel"))
    text, blocks, attachments = message_content(ctx.params)
    metadata = _metadata(ctx)
    msg = ctx.ws.store_message(
        ch["id"],
        text=text or "",
        blocks=blocks,
        attachments=attachments,
        thread_ts=ctx.arg("thread_ts"),
        reply_broadcast=ctx.flag("reply_broadcast"),
        metadata=metadata,
        username=ctx.arg("username"),
        **_bot_fields(ctx),
    )
    rendered = ctx.ws.render_message(msg)
    rendered.pop("metadata", None)
    return {"channel": ch["id"], "ts": msg["ts"], "message": rendered}


@method("chat.postEphemeral", "chat:write")
def post_ephemeral(ctx: Ctx) -> dict[str, Any]:
    """Post an ephemeral message visible to one member of the channel."""
    ch = postable(ctx, ctx.params.get("channel"))
    user_id = ctx.arg("user")
    if user_id is None or ctx.ws.user(ctx.team_id, user_id) is None:
        raise SlackError("user_not_found")
    if not ctx.ws.is_member(ch["id"], user_id):
        raise SlackError("user_not_in_channel")
    text, blocks, attachments = message_content(ctx.params)
    ts = ctx.ws.next_ts()
    ctx.ws._ephemerals.append(
        {
            "channel": ch["id"],
            "user": user_id,
            "text": text or "",
            "blocks": ctx.ws.with_block_ids(blocks or []),
            "attachments": attachments or [],
            "thread_ts": ctx.arg("thread_ts"),
            "message_ts": ts,
            "team": ctx.team_id,
            "bot_id": ctx.auth.bot_id,
            "source": "chat.postEphemeral",
        }
    )
    return {"message_ts": ts}


@method("chat.update", "chat:write")
def update(ctx: Ctx) -> dict[str, Any]:
    """Edit a message the bot posted; omitted blocks/attachments are kept (Slack rule)."""
    ch, msg = _own_message(ctx, "cant_update_message")
    has = {k: ctx.params.get(k) is not None for k in ("text", "blocks", "attachments")}
    if not any(has.values()):
        raise SlackError("no_text")
    text, blocks, attachments = message_content(ctx.params, require=False)
    new_blocks = ctx.ws.with_block_ids(blocks or []) if has["blocks"] else msg["blocks"]
    new_atts = (attachments or []) if has["attachments"] else msg["attachments"]
    new_text = (text or "") if has["text"] else msg["text"]
    if not new_text and not new_blocks and not new_atts:
        raise SlackError("no_text")
    msg.update(text=new_text, blocks=new_blocks, attachments=new_atts)
    msg["edited"] = {"user": ctx.user_id, "ts": ctx.ws.next_ts()}
    rendered = ctx.ws.render_message(msg)
    for key in ("ts", "reactions", "reply_count", "reply_users", "reply_users_count"):
        rendered.pop(key, None)
    return {"channel": ch["id"], "ts": msg["ts"], "text": new_text, "message": rendered}


@method("chat.delete", "chat:write")
def delete(ctx: Ctx) -> dict[str, Any]:
    """Delete a message the bot posted."""
    ch, msg = _own_message(ctx, "cant_delete_message")
    ctx.ws.delete_message(ch["id"], msg)
    return {"channel": ch["id"], "ts": msg["ts"]}


@method("chat.getPermalink")
def get_permalink(ctx: Ctx) -> dict[str, Any]:
    """https://<domain>.slack.com/archives/<channel>/p<ts digits>[?thread_ts=..&cid=..]."""
    ch = ctx.ws.visible_channel(ctx.team_id, ctx.user_id, ctx.params.get("channel"))
    msg = ctx.ws.find_message(ch["id"], ctx.arg("message_ts"))
    if msg is None:
        raise SlackError("message_not_found")
    team = ctx.ws._teams[ch["team_id"]]
    link = f"{team['url']}archives/{ch['id']}/p{msg['ts'].replace('.', '')}"
    if msg.get("thread_ts") and msg["thread_ts"] != msg["ts"]:
        link += f"?thread_ts={msg['thread_ts']}&cid={ch['id']}"
    return {"channel": ch["id"], "permalink": link}


def _reaction_target(ctx: Ctx) -> tuple[dict[str, Any], dict[str, Any]]:
    if ctx.arg("timestamp") is None:
        raise SlackError("no_item_specified")
    ch = ctx.ws.visible_channel(ctx.team_id, ctx.user_id, ctx.params.get("channel"))
    msg = ctx.ws.find_message(ch["id"], ctx.arg("timestamp"))
    if msg is None or msg.get("subtype") == "tombstone":
        raise SlackError("message_not_found")
    return ch, msg


@method("reactions.add", "reactions:write")
def reactions_add(ctx: Ctx) -> dict[str, Any]:
    """Add the bot's reaction."""
    _, msg = _reaction_target(ctx)
    ctx.ws.add_reaction(msg, ctx.user_id, ctx.arg("name") or "")
    return {}


@method("reactions.remove", "reactions:write")
def reactions_remove(ctx: Ctx) -> dict[str, Any]:
    """Remove the bot's reaction."""
    _, msg = _reaction_target(ctx)
    ctx.ws.remove_reaction(msg, ctx.user_id, ctx.arg("name") or "")
    return {}


@method("reactions.get", "reactions:read")
def reactions_get(ctx: Ctx) -> dict[str, Any]:
    """Reactions of a message: {type: "message", channel, message: {..., reactions}}."""
    ch, msg = _reaction_target(ctx)
    rendered = ctx.ws.render_message(msg)
    team = ctx.ws._teams[ch["team_id"]]
    rendered["permalink"] = f"{team['url']}archives/{ch['id']}/p{msg['ts'].replace('.', '')}"
    return {"type": "message", "channel": ch["id"], "message": rendered}
