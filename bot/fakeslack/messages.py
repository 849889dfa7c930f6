"""Message storage of the fake: posting, threads, deletion, reactions."""

from __future__ import annotations

import copy
import re
from typing import Any

from . import render
from .state import SlackError, Store


class Messages(Store):
    """Messages and reactions (callers hold `self.lock`)."""

    def find_message(self, channel_id: str, ts: Any) -> dict[str, Any] | None:
        """Message (top-level or reply) with that ts."""
        for msg in self._history.get(channel_id, []):
            if msg["ts"] == ts:
                return msg
        return None

    def thread_parent(self, channel_id: str, thread_ts: Any) -> dict[str, Any]:
        """Parent of the thread that `thread_ts` names (a reply's ts resolves to its parent)."""
        target = self.find_message(channel_id, thread_ts) if isinstance(thread_ts, str) else None
        if target is None:
            raise SlackError("invalid_thread_ts")
        parent_ts = target.get("thread_ts") or target["ts"]
        return self.find_message(channel_id, parent_ts) or target

    def store_message(
        self,
        channel_id: str,
        *,
        user: str | None,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[Any] | None = None,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        bot_id: str | None = None,
        app_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Append a message (a reply if thread_ts) and return the stored dict."""
        parent = self.thread_parent(channel_id, thread_ts) if thread_ts else None
        ts = self.next_ts()
        msg: dict[str, Any] = {
            "type": "message",
            "subtype": None,
            "user": user,
            "bot_id": bot_id,
            "app_id": app_id,
            "text": text or "",
            "blocks": self.with_block_ids(blocks or []),
            "attachments": copy.deepcopy(attachments or []),
            "ts": ts,
            "thread_ts": None,
            "parent_user_id": None,
            "team": self._channels[channel_id]["team_id"],
            "reactions": [],
            "edited": None,
            "files": [],
            "metadata": None,
        }
        msg.update(extra)
        if parent is None:
            msg.update(reply_count=0, reply_users=[], reply_users_count=0, latest_reply=None)
        else:
            msg["thread_ts"] = parent["ts"]
            msg["parent_user_id"] = parent["user"]
            if reply_broadcast:
                msg["subtype"] = "thread_broadcast"
            parent["thread_ts"] = parent["ts"]
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            if user and user not in parent.setdefault("reply_users", []):
                parent["reply_users"].append(user)
            parent["reply_users_count"] = len(parent["reply_users"])
            parent["latest_reply"] = ts
        self._history[channel_id].append(msg)
        return msg

    def delete_message(self, channel_id: str, msg: dict[str, Any]) -> None:
        """Delete like Slack: a parent with replies becomes a tombstone."""
        history = self._history[channel_id]
        if msg.get("reply_count") and msg.get("thread_ts") == msg["ts"]:
            msg.update(
                subtype="tombstone",
                text="This message was deleted.",
                user="USLACKBOT",
                hidden=True,
                blocks=[],
                attachments=[],
                files=[],
                reactions=[],
                bot_id=None,
                app_id=None,
            )
            return
        history.remove(msg)
        if msg.get("thread_ts") and msg["thread_ts"] != msg["ts"]:
            parent = self.find_message(channel_id, msg["thread_ts"])
            if parent is not None:
                replies = [
                    m for m in history if m.get("thread_ts") == parent["ts"] and m is not parent
                ]
                parent["reply_count"] = len(replies)
                parent["reply_users"] = list(dict.fromkeys(m["user"] for m in replies if m["user"]))
                parent["reply_users_count"] = len(parent["reply_users"])
                parent["latest_reply"] = replies[-1]["ts"] if replies else None

    def with_block_ids(self, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Deep copy of blocks; like Slack, blocks without a block_id get a generated one."""
        out = copy.deepcopy(blocks)
        for block in out:
            if isinstance(block, dict) and "block_id" not in block:
                block["block_id"] = self.random_str(5)
        return out

    def add_reaction(self, msg: dict[str, Any], user_id: str, name: str) -> None:
        """Add a reaction; `already_reacted` / `invalid_name` like reactions.add."""
        if not re.fullmatch(r"[a-z0-9_+'\-]+(::skin-tone-[2-6])?", name or ""):
            raise SlackError("invalid_name")
        for reaction in msg["reactions"]:
            if reaction["name"] == name:
                if user_id in reaction["users"]:
                    raise SlackError("already_reacted")
                reaction["users"].append(user_id)
                reaction["count"] = len(reaction["users"])
                return
        msg["reactions"].append({"name": name, "users": [user_id], "count": 1})

    def remove_reaction(self, msg: dict[str, Any], user_id: str, name: str) -> None:
        """Remove a reaction; `no_reaction` if the user had not reacted with it."""
        for reaction in msg["reactions"]:
            if reaction["name"] == name and user_id in reaction["users"]:
                reaction["users"].remove(user_id)
                reaction["count"] = len(reaction["users"])
                if not reaction["users"]:
                    msg["reactions"].remove(reaction)
                return
        raise SlackError("no_reaction")

    def render_message(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Message as the API returns it (no null/empty bookkeeping keys, bot_profile)."""
        bot = self._bots.get(msg.get("bot_id") or "")
        return render.message(msg, bot)
