"""What the console's Slack stand-in remembers: one team, its people, channel, messages, views."""

from __future__ import annotations

import contextlib
import getpass
import os
import secrets
import string
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BOT_USER_ID = "U0LOCALBOT1"
BOT_ID = "B0LOCALBOT1"
CHANNEL_ID = "C0LOCALROAD"
CHANNEL_NAME = "roadmap"
_ALNUM = string.ascii_uppercase + string.digits


def local_timezone() -> str:
    """This machine's IANA time zone name (TZ, /etc/timezone, /etc/localtime), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    with contextlib.suppress(OSError):
        candidates.append(str(Path("/etc/localtime").resolve()).partition("zoneinfo/")[2])
    for name in candidates:
        try:
            if name:
                ZoneInfo(name)
                return name
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return "UTC"


def _login_name() -> str:
    try:
        name = getpass.getuser()
    except Exception:
        name = ""
    cleaned = "".join(c for c in name.lower() if c.isalnum() or c in "._-")
    return cleaned or "you"


class SlackState:
    """The stand-in's memory. Every method is safe to call from the server's threads."""

    def __init__(self, *, team_id: str, user_id: str):
        self.team_id = team_id
        self.team_name = "Local"
        self.team_domain = "local"
        self.user_id = user_id
        self.base_url = ""  # set by the server that serves this state
        self.channel_id = CHANNEL_ID
        self.channel_name = CHANNEL_NAME
        self.timezone = local_timezone()
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.view_ids: dict[str, str] = {}  # external_id -> view id
        self.homes: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self._users: dict[str, str] = {user_id: _login_name(), BOT_USER_ID: "roadmap"}
        self._lock = threading.RLock()
        self._last_ts = 0.0

    # --- people and places ---------------------------------------------------------------------

    def add_user(self, user_id: str, name: str | None = None) -> None:
        with self._lock:
            self._users.setdefault(user_id, name or user_id.lower())

    def user_name(self, user_id: str) -> str | None:
        return self._users.get(user_id)

    def user_ids(self) -> list[str]:
        return [uid for uid in self._users if uid != BOT_USER_ID]

    def user(self, user_id: str) -> dict[str, Any]:
        """A users.info `user`: an admin in this machine's time zone."""
        name = self._users.get(user_id) or user_id.lower()
        real_name = name.replace(".", " ").replace("_", " ").title()
        zone = ZoneInfo(self.timezone)
        now = datetime.now(zone)
        is_bot = user_id == BOT_USER_ID
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": name,
            "display_name_normalized": name,
            "email": None if is_bot else f"{name}@local.invalid",
            "team": self.team_id,
            "image_48": "https://secure.gravatar.com/avatar/local.jpg?s=48&d=mp",
        }
        if is_bot:
            profile["bot_id"] = BOT_ID
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "tz": self.timezone,
            "tz_label": now.tzname() or self.timezone,
            "tz_offset": int((now.utcoffset() or timedelta(0)).total_seconds()),
            "is_admin": not is_bot,
            "is_owner": not is_bot,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "profile": profile,
        }

    def team(self) -> dict[str, Any]:
        return {
            "id": self.team_id,
            "name": self.team_name,
            "domain": self.team_domain,
            "email_domain": "",
            "icon": {"image_default": True},
        }

    def dm_channel(self, user_id: str) -> str:
        return "D" + (user_id[1:] + "0000000000")[:10]

    def channel_for(self, channel: str) -> str:
        """Slack accepts a user id as a channel and posts to the DM with that user."""
        if channel[:1] in ("U", "W"):
            return self.dm_channel(channel)
        if not channel or channel.lstrip("#") == self.channel_name:
            return self.channel_id
        return channel

    def channel_info(self, channel: str) -> dict[str, Any]:
        is_im = channel.startswith("D")
        info: dict[str, Any] = {
            "id": channel,
            "created": int(time.time()) - 86400,
            "is_channel": not is_im,
            "is_group": False,
            "is_im": is_im,
            "is_private": is_im,
            "is_archived": False,
            "is_general": False,
            "is_member": True,
            "context_team_id": self.team_id,
        }
        if is_im:
            user = next((u for u in self._users if self.dm_channel(u) == channel), self.user_id)
            info["user"] = user
        else:
            info["name"] = self.channel_name if channel == self.channel_id else channel.lower()
            info["topic"] = {"value": "", "creator": "", "last_set": 0}
            info["num_members"] = len(self._users)
        return info

    def channel_label(self, channel: str | None) -> str:
        if not channel or channel == self.channel_id:
            return "#" + self.channel_name
        if channel.startswith("D"):
            user = self.channel_info(channel).get("user", "")
            return "a DM with @" + (self.user_name(user) or user)
        return "#" + channel

    # --- messages ------------------------------------------------------------------------------

    def next_ts(self) -> str:
        """A fresh, strictly increasing message ts."""
        with self._lock:
            self._last_ts = max(time.time(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    def make_message(self, params: dict[str, Any], *, user: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "ts": self.next_ts(),
            "user": user,
            "text": str(params.get("text") or ""),
            "team": self.team_id,
        }
        if user == BOT_USER_ID:
            message |= {"bot_id": BOT_ID, "app_id": "A0LOCALAPP1"}
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(key):
                message[key] = params[key]
        return message

    def add_message(self, channel: str, params: dict[str, Any], *, user: str) -> dict[str, Any]:
        message = self.make_message(params, user=user)
        with self._lock:
            self.messages[(channel, message["ts"])] = message
            parent = self.messages.get((channel, str(message.get("thread_ts", ""))))
            if parent is not None:
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent.setdefault("thread_ts", parent["ts"])
        return message

    def update_message(self, channel: str, ts: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            message = self.messages.get((channel, ts)) or {"type": "message", "ts": ts}
            message |= {"text": str(params.get("text") or ""), "edited": {"user": BOT_USER_ID}}
            for key in ("blocks", "attachments"):
                if key in params:
                    message[key] = params[key]
            self.messages[(channel, ts)] = message
            return dict(message)

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        with self._lock:
            found = [
                m
                for (c, t), m in self.messages.items()
                if c == channel and (t == ts or m.get("thread_ts") == ts)
            ]
        return sorted(found, key=lambda m: float(m["ts"]))

    def set_reaction(self, channel: str, ts: str, name: str, user: str, *, added: bool) -> None:
        with self._lock:
            message = self.messages.get((channel, ts))
            if message is None:
                return
            reactions = message.setdefault("reactions", [])
            entry = next((r for r in reactions if r["name"] == name), None)
            if entry is None:
                entry = {"name": name, "users": [], "count": 0}
                reactions.append(entry)
            users = set(entry["users"]) | {user} if added else set(entry["users"]) - {user}
            entry |= {"users": sorted(users), "count": len(users)}
            message["reactions"] = [r for r in reactions if r["count"]]

    # --- views and files -----------------------------------------------------------------------

    def store_view(
        self, view: dict[str, Any], external_id: str | None, view_id: str | None
    ) -> dict[str, Any]:
        with self._lock:
            view_id = view_id or "V" + "".join(secrets.choice(_ALNUM) for _ in range(10))
            stored = {
                "id": view_id,
                "team_id": self.team_id,
                "state": {"values": {}},
                "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
                "private_metadata": "",
                "callback_id": "",
                "external_id": external_id or "",
                "app_id": "A0LOCALAPP1",
                "bot_id": BOT_ID,
                "root_view_id": view_id,
                "previous_view_id": None,
            } | view
            self.views[view_id] = stored
            if external_id:
                self.view_ids[external_id] = view_id
            return stored

    def store_upload(self, file_id: str, content: bytes) -> None:
        with self._lock:
            self.files.setdefault(file_id, {"name": file_id})["content"] = content

    def add_file(self, file_id: str, name: str, content: bytes, *, user: str) -> None:
        """A file someone (not the bot) uploaded."""
        with self._lock:
            self.files[file_id] = {"name": name, "content": content, "user": user}

    def file_info(self, file_id: str, title: str | None, channel: str | None) -> dict[str, Any]:
        stored = self.files.get(file_id, {"name": file_id, "content": b""})
        name = str(stored["name"])
        content = bytes(stored["content"]).decode("utf-8", "replace")
        owner = stored.get("user", BOT_USER_ID)
        return {
            "id": file_id,
            "created": int(time.time()),
            "name": name,
            "title": title or stored.get("title") or name,
            "mimetype": "text/plain",
            "filetype": name.rsplit(".", 1)[-1] if "." in name else "text",
            "size": len(stored["content"]),
            "user": owner,
            "url_private": f"{self.base_url}/files/{file_id}",
            "url_private_download": f"{self.base_url}/files/{file_id}?download=1",
            "permalink": f"https://local.slack.com/files/{owner}/{file_id}/{name}",
            "channels": [channel] if channel else [],
            "preview": content[:1000],
            "lines": content.count("\n") + 1 if content else 0,
        }
