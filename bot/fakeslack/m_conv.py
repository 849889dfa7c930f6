"""auth.*, api.test, conversations.*, users.*, team.info and bots.info."""

from __future__ import annotations

from typing import Any

from . import render
from .api import Ctx, method, paginate
from .state import SlackError, invalid_arguments, ts_key

_READ = ("channels:read", "groups:read", "im:read", "mpim:read")
_HISTORY = ("channels:history", "groups:history", "im:history", "mpim:history")


@method("api.test", auth=False)
def api_test(ctx: Ctx) -> dict[str, Any]:
    """Echo arguments; `error=x` makes it fail with x."""
    args = {k: v for k, v in ctx.params.items() if k != "token"}
    if args.get("error"):
        raise SlackError(str(args["error"]), args=args)
    return {"args": args}


@method("auth.test")
def auth_test(ctx: Ctx) -> dict[str, Any]:
    """Who am I."""
    team = ctx.ws._teams[ctx.team_id]
    user = ctx.ws.user(ctx.team_id, ctx.user_id) or {"name": ""}
    out = {
        "url": team["url"],
        "team": team["name"],
        "user": user["name"],
        "team_id": team["id"],
        "user_id": ctx.user_id,
        "bot_id": ctx.auth.bot_id,
        "is_enterprise_install": False,
    }
    if team.get("enterprise_id"):
        out["enterprise_id"] = team["enterprise_id"]
    return out


def _member_gate(ctx: Ctx, ch: dict[str, Any]) -> None:
    """Bots need membership to read history of public channels too."""
    if not ctx.ws.is_member(ch["id"], ctx.user_id):
        raise SlackError("not_in_channel")


@method("conversations.open", "im:write", "mpim:write")
def conversations_open(ctx: Ctx) -> dict[str, Any]:
    """Open (or find) the DM / group DM with `users` ("U1" or "U1,U2")."""
    if ctx.arg("channel"):
        ch = ctx.ws.visible_channel(ctx.team_id, ctx.user_id, ctx.arg("channel"))
        cid, existed = ch["id"], True
    else:
        raw = ctx.params.get("users")
        users = raw if isinstance(raw, list) else str(raw or "").split(",")
        users = [u.strip() for u in users if u and u.strip()]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > 8:
            raise SlackError("too_many_users")
        for uid in users:
            user = ctx.ws.user(ctx.team_id, uid)
            if user is None:
                raise SlackError("user_not_found")
            if user["deleted"]:
                raise SlackError("user_disabled")
            if user["is_bot"] and uid != ctx.user_id and len(users) == 1:
                raise SlackError("cannot_dm_bot")
        cid, existed = ctx.ws.open_im(ctx.team_id, ctx.user_id, users)
    ch = ctx.ws._channels[cid]
    body = ctx.ws.render_channel(ch, ctx.user_id) if ctx.flag("return_im") else {"id": cid}
    out: dict[str, Any] = {"channel": body}
    if existed:
        out.update(no_op=True, already_open=True)
    return out


@method("conversations.info", *_READ)
def conversations_info(ctx: Ctx) -> dict[str, Any]:
    """Channel info; private channels/DMs the bot is not in are channel_not_found."""
    ch = ctx.ws.visible_channel(ctx.team_id, ctx.user_id, ctx.arg("channel"))
    out = ctx.ws.render_channel(ch, ctx.user_id)
    if ctx.flag("include_num_members"):
        out["num_members"] = len(ctx.ws._members[ch["id"]])
    return {"channel": out}


@method("conversations.list", *_READ)
def conversations_list(ctx: Ctx) -> dict[str, Any]:
    """Conversations of `types` (default public_channel) the bot can see, paginated."""
    types = set((ctx.arg("types") or "public_channel").replace(" ", "").split(","))

    def kind(ch: dict[str, Any]) -> str:
        if ch["is_im"]:
            return "im"
        if ch["is_mpim"]:
            return "mpim"
        return "private_channel" if ch["is_private"] else "public_channel"

    found = [
        ch
        for ch in ctx.ws._channels.values()
        if ch["team_id"] == ctx.team_id
        and kind(ch) in types
        and not (ctx.flag("exclude_archived") and ch["is_archived"])
        and (not ctx.ws.is_hidden(ch) or ctx.ws.is_member(ch["id"], ctx.user_id))
    ]
    page, cursor = paginate(ctx, found, 100)
    return {
        "channels": [ctx.ws.render_channel(ch, ctx.user_id) for ch in page],
        "response_metadata": {"next_cursor": cursor},
    }


@method("conversations.members", *_READ)
def conversations_members(ctx: Ctx) -> dict[str, Any]:
    """Member ids with cursor pagination (default limit 100)."""
    ch = ctx.ws.visible_channel(ctx.team_id, ctx.user_id, ctx.arg("channel"))
    page, cursor = paginate(ctx, list(ctx.ws._members[ch["id"]]), 100)
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


@method("conversations.join", "channels:join")
def conversations_join(ctx: Ctx) -> dict[str, Any]:
    """Join a public channel."""
    ch = ctx.ws.find_channel(ctx.team_id, ctx.arg("channel") or "")
    if ch is None or ch["id"] != ctx.arg("channel"):
        raise SlackError("channel_not_found")
    if ctx.ws.is_hidden(ch):
        raise SlackError("method_not_supported_for_channel_type")
    if ch["is_archived"]:
        raise SlackError("is_archived")
    out: dict[str, Any] = {}
    if ctx.ws.is_member(ch["id"], ctx.user_id):
        out.update(
            warning="already_in_channel", response_metadata={"warnings": ["already_in_channel"]}
        )
    else:
        ctx.ws._members[ch["id"]].append(ctx.user_id)
    out["channel"] = ctx.ws.render_channel(ch, ctx.user_id)
    return out


def _window(ctx: Ctx, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Filter by oldest/latest (exclusive unless inclusive=true)."""
    inclusive = ctx.flag("inclusive")
    try:
        oldest = ts_key(ctx.arg("oldest") or "0")
        latest = ts_key(ctx.arg("latest")) if ctx.arg("latest") else None
    except ValueError:
        which = "oldest" if ctx.arg("oldest") else "latest"
        raise SlackError(f"invalid_ts_{which}") from None

    def keep(m: dict[str, Any]) -> bool:
        ts = ts_key(m["ts"])
        low = ts >= oldest if inclusive else ts > oldest
        high = latest is None or (ts <= latest if inclusive else ts < latest)
        return low and high

    return [m for m in messages if keep(m)]


@method("conversations.history", *_HISTORY)
def conversations_history(ctx: Ctx) -> dict[str, Any]:
    """Top-level messages (and thread broadcasts), newest first."""
    ch = ctx.ws.visible_channel(ctx.team_id, ctx.user_id, ctx.arg("channel"))
    _member_gate(ctx, ch)
    top = [
        m
        for m in ctx.ws._history[ch["id"]]
        if not m.get("thread_ts")
        or m["thread_ts"] == m["ts"]
        or m.get("subtype") == "thread_broadcast"
    ]
    items = list(reversed(_window(ctx, top)))
    page, cursor = paginate(ctx, items, 100)
    out: dict[str, Any] = {
        "messages": [_history_item(ctx, m) for m in page],
        "has_more": bool(cursor),
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
    }
    if cursor:
        out["response_metadata"] = {"next_cursor": cursor}
    return out


def _history_item(ctx: Ctx, msg: dict[str, Any]) -> dict[str, Any]:
    out = ctx.ws.render_message(msg)
    if not ctx.flag("include_all_metadata"):
        out.pop("metadata", None)
    return out


@method("conversations.replies", *_HISTORY)
def conversations_replies(ctx: Ctx) -> dict[str, Any]:
    """A thread: parent first, then replies (ts may name the parent or any reply)."""
    ch = ctx.ws.visible_channel(ctx.team_id, ctx.user_id, ctx.arg("channel"))
    _member_gate(ctx, ch)
    ts = ctx.arg("ts")
    if ts is None:
        raise invalid_arguments("missing required field: ts")
    target = ctx.ws.find_message(ch["id"], ts)
    if target is None:
        raise SlackError("thread_not_found")
    root = target.get("thread_ts") or target["ts"]
    thread = [m for m in ctx.ws._history[ch["id"]] if m["ts"] == root or m.get("thread_ts") == root]
    page, cursor = paginate(ctx, _window(ctx, thread), 1000)
    out: dict[str, Any] = {
        "messages": [_history_item(ctx, m) for m in page],
        "has_more": bool(cursor),
    }
    if cursor:
        out["response_metadata"] = {"next_cursor": cursor}
    return out


@method("users.info", "users:read")
def users_info(ctx: Ctx) -> dict[str, Any]:
    """One user (deleted users are returned with deleted: true)."""
    user = ctx.ws.user(ctx.team_id, ctx.arg("user"))
    if user is None:
        raise SlackError("user_not_found")
    out = ctx.ws.render_user(user)
    if ctx.flag("include_locale"):
        out["locale"] = "en-US"
    if "users:read.email" not in ctx.auth.scopes:
        out["profile"].pop("email", None)
    return {"user": out}


@method("users.list", "users:read")
def users_list(ctx: Ctx) -> dict[str, Any]:
    """All users of the team incl. bots, deleted users and USLACKBOT (is_bot: false!)."""
    users = [u for u in ctx.ws._users.values() if u["team_id"] == ctx.team_id]
    users.append(render.slackbot(ctx.team_id))
    page, cursor = paginate(ctx, users, 1000)
    members = [ctx.ws.render_user(u) for u in page]
    if "users:read.email" not in ctx.auth.scopes:
        for member in members:
            member["profile"].pop("email", None)
    return {
        "members": members,
        "cache_ts": int(ctx.ws.now()),
        "response_metadata": {"next_cursor": cursor},
    }


@method("users.lookupByEmail", "users:read.email")
def users_lookup_by_email(ctx: Ctx) -> dict[str, Any]:
    """Find a user by profile email."""
    email = (ctx.arg("email") or "").lower()
    for user in ctx.ws._users.values():
        if user["team_id"] == ctx.team_id and user["profile"].get("email", "").lower() == email:
            return {"user": ctx.ws.render_user(user)}
    raise SlackError("users_not_found")


@method("team.info", "team:read")
def team_info(ctx: Ctx) -> dict[str, Any]:
    """The token's team (or `team` if it is the same one)."""
    wanted = ctx.arg("team") or ctx.team_id
    if wanted != ctx.team_id:
        raise SlackError("team_not_found")
    return {"team": render.team(ctx.ws._teams[ctx.team_id])}


@method("bots.info", "users:read")
def bots_info(ctx: Ctx) -> dict[str, Any]:
    """A bot of the team."""
    bot = ctx.ws._bots.get(ctx.arg("bot") or "")
    if bot is None or bot["team_id"] != ctx.team_id:
        raise SlackError("bot_not_found")
    return {"bot": {k: v for k, v in bot.items() if k != "team_id"}}


@method("usergroups.list", "usergroups:read")
def usergroups_list(ctx: Ctx) -> dict[str, Any]:
    """The team's user groups (no pagination); `users` only with include_users, disabled
    groups (date_delete set) only with include_disabled, `user_count` with include_count."""
    found = []
    for group in ctx.ws._usergroups.values():
        if group["team_id"] != ctx.team_id:
            continue
        if group["date_delete"] and not ctx.flag("include_disabled"):
            continue
        out = {k: v for k, v in group.items() if k != "users"}
        out["prefs"] = {"channels": [], "groups": []}
        if ctx.flag("include_users"):
            out["users"] = list(group["users"])
        if ctx.flag("include_count"):
            out["user_count"] = len(group["users"])
        found.append(out)
    return {"usergroups": found}
