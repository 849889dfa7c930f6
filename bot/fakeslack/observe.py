"""Observers: what the app made visible in Slack, reported as it happens (the console prints it).

`fake.observers.append(callback)`; the callback gets a `Shown` for every message, ephemeral,
update, deletion, reaction, modal, Home tab and file the app shows through the Web API or a
response_url, and for every Web API call Slack answered with an error. Callbacks run on the
server's threads with the fake's lock held, in the order things happened: they must be quick
(e.g. `queue.put`) and must not block.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import Ctx
    from .messages import Messages


@dataclass(frozen=True)
class Shown:
    """Something Slack showed because of the app (or an error Slack answered the app with).

    `kind`: message | ephemeral | update | delete | reaction | modal | home | file | error.

    `action`: for modal open | push | update | close; for reaction added | removed.
    `user`: who sees it (ephemerals, ephemeral updates, views); None for channel messages.
    """

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    channel: str | None = None
    user: str | None = None
    action: str = ""


Observer = Callable[[Shown], None]


def ephemeral_message(eph: dict[str, Any]) -> dict[str, Any]:
    """A stored ephemeral as the message a client would show."""
    message = {"type": "message", "ts": eph["message_ts"], "text": eph.get("text") or ""}
    for key in ("blocks", "attachments", "thread_ts", "bot_id"):
        if eph.get(key):
            message[key] = copy.deepcopy(eph[key])
    return message


def shown_by_call(ws: Messages, method: str, ctx: Ctx, answer: dict[str, Any]) -> list[Shown]:
    """What a successful Web API call made visible."""
    params = ctx.params
    if method == "chat.postMessage":
        return [Shown("message", copy.deepcopy(answer["message"]), channel=answer["channel"])]
    if method == "chat.postEphemeral":
        eph = ws._ephemerals[-1]
        return [Shown("ephemeral", ephemeral_message(eph), eph["channel"], eph["user"])]
    if method == "chat.update":
        msg = ws.find_message(answer["channel"], answer["ts"])
        data = ws.render_message(msg) if msg else {"ts": answer["ts"], **answer["message"]}
        return [Shown("update", data, channel=answer["channel"])]
    if method == "chat.delete":
        return [Shown("delete", {"ts": answer["ts"]}, channel=answer["channel"])]
    if method in ("reactions.add", "reactions.remove"):
        channel = ws.find_channel(ctx.team_id, str(params.get("channel") or ""))
        data = {"name": ctx.arg("name"), "ts": ctx.arg("timestamp"), "user": ctx.user_id}
        verb = "added" if method == "reactions.add" else "removed"
        return [Shown("reaction", data, channel["id"] if channel else None, action=verb)]
    if method.startswith("views."):
        view = copy.deepcopy(answer["view"])
        user = ws._live_views.get(view["id"], {}).get("user")
        kind = "home" if view.get("type") == "home" else "modal"
        return [Shown(kind, view, user=user, action=method.removeprefix("views."))]
    if method == "files.completeUploadExternal":
        shown = []
        for info in answer["files"]:
            stored = ws._files[info["id"]]
            channels = stored["channels"]
            data = copy.deepcopy(info) | {
                "initial_comment": stored.get("initial_comment") or "",
                "content": bytes(stored["content"]).decode("utf-8", "replace"),
            }
            shown.append(Shown("file", data, channel=channels[0] if channels else None))
        return shown
    return []
