"""A local Slack stand-in for the console: answers the Web API the app calls, shows what it posts.

It is a display, not a test fake: it checks little, answers in Slack's shapes with plausible
ids, and hands every post, update, ephemeral, view and file to a callback as it happens.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.console.slack_state import BOT_ID, BOT_USER_ID, SlackState, local_timezone

__all__ = ["BOT_ID", "BOT_USER_ID", "LocalSlack", "SlackOutput", "local_timezone"]

JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata", "unfurls")
_ALNUM = string.ascii_uppercase + string.digits


def slack_id(prefix: str, length: int = 10) -> str:
    """A random Slack-looking id: `prefix` then upper-case letters and digits."""
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


@dataclass(frozen=True)
class SlackOutput:
    """Something the app made visible: a message, an update, a view, a file, a reaction."""

    kind: str  # message | ephemeral | update | delete | modal | home | file | reaction | note
    data: dict[str, Any] = field(default_factory=dict)
    channel: str | None = None
    user: str | None = None
    action: str = ""  # for modal: open | push | update; for reaction: added | removed


class LocalSlack(SlackState):
    """The stand-in: a ThreadingHTTPServer on 127.0.0.1 serving `/api/<method>` and friends."""

    def __init__(self, on_output: Callable[[SlackOutput], None], *, team_id: str, user_id: str):
        super().__init__(team_id=team_id, user_id=user_id)
        self._emit = on_output
        self._numbers = itertools.count(1)
        self._responses: dict[str, dict[str, Any]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self.api_url = self.base_url + "/api/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="local-slack", daemon=True
        )

    def start(self) -> LocalSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what the console hands out ------------------------------------------------------------

    def trigger_id(self) -> str:
        return f"{next(self._numbers)}{int(time.time())}.{secrets.randbelow(10**12)}.{slack_id('')}"

    def response_url(
        self, *, channel: str, user: str, message_ts: str | None = None, ephemeral: bool = True
    ) -> str:
        """A response_url; posts to it show up as replies to (or updates of) `message_ts`."""
        key = f"{next(self._numbers)}{secrets.token_hex(8)}"
        self._responses[key] = {
            "channel": channel,
            "user": user,
            "message_ts": message_ts,
            "ephemeral": ephemeral,
        }
        return f"{self.base_url}/response/{self.team_id}/{key}"

    # --- API methods ---------------------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Answer one Web API call."""
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            self._emit(SlackOutput("note", {"text": f"(the console's Slack has no {method})"}))
            return {"ok": False, "error": "unknown_method"}
        return {"ok": True} | handler(params)

    def api_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://local.slack.com/",
            "team": self.team_name,
            "user": "roadmap",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def api_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_for(str(p.get("channel", "")))
        message = self.add_message(channel, p, user=BOT_USER_ID)
        self._emit(SlackOutput("message", message, channel=channel))
        return {"channel": channel, "ts": message["ts"], "message": message}

    def api_chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_for(str(p.get("channel", "")))
        message = self.make_message(p, user=BOT_USER_ID)
        self._emit(SlackOutput("ephemeral", message, channel=channel, user=p.get("user")))
        return {"message_ts": message["ts"]}

    def api_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_for(str(p.get("channel", "")))
        message = self.update_message(channel, str(p.get("ts", "")), p)
        self._emit(SlackOutput("update", message, channel=channel))
        return {
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": message,
        }

    def api_chat_delete(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_for(str(p.get("channel", "")))
        ts = str(p.get("ts", ""))
        self.messages.pop((channel, ts), None)
        self._emit(SlackOutput("delete", {"ts": ts}, channel=channel))
        return {"channel": channel, "ts": ts}

    def api_chat_getPermalink(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(p.get("channel", "")), str(p.get("message_ts", ""))
        link = f"https://local.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"channel": channel, "permalink": link}

    def api_reactions_add(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._react(p, added=True)

    def api_reactions_remove(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._react(p, added=False)

    def _react(self, p: dict[str, Any], *, added: bool) -> dict[str, Any]:
        channel = self.channel_for(str(p.get("channel", "")))
        ts, name = str(p.get("timestamp", "")), str(p.get("name", ""))
        self.set_reaction(channel, ts, name, BOT_USER_ID, added=added)
        data = {"name": name, "ts": ts, "user": BOT_USER_ID}
        verb = "added" if added else "removed"
        self._emit(SlackOutput("reaction", data, channel=channel, action=verb))
        return {}

    def api_reactions_get(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_for(str(p.get("channel", "")))
        message = self.messages.get((channel, str(p.get("timestamp", ""))), {})
        return {"type": "message", "channel": channel, "message": message}

    def api_views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._show_view(p, "open")

    def api_views_push(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._show_view(p, "push")

    def api_views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._show_view(p, "update")

    def api_views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        user = str(p.get("user_id", self.user_id))
        view = self.store_view(p.get("view") or {}, None, self.homes.get(user, {}).get("id"))
        self.homes[user] = view
        self._emit(SlackOutput("home", view, user=user))
        return {"view": view}

    def _show_view(self, p: dict[str, Any], action: str) -> dict[str, Any]:
        view_id = p.get("view_id") or self.view_ids.get(str(p.get("external_id", "")))
        view = self.store_view(p.get("view") or {}, p.get("external_id"), view_id)
        kind = "home" if view.get("type") == "home" else "modal"
        self._emit(SlackOutput(kind, view, user=self.user_id, action=action))
        return {"view": view}

    def api_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"user": self.user(str(p.get("user", self.user_id)))}

    def api_users_list(self, p: dict[str, Any]) -> dict[str, Any]:
        members = [self.user(uid) for uid in self.user_ids()]
        return {"members": members, "cache_ts": int(time.time()), "response_metadata": _end()}

    def api_team_info(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"team": self.team()}

    def api_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        users = str(p.get("users", "")).split(",")
        channel = str(p.get("channel") or self.dm_channel(users[0].strip() or self.user_id))
        return {"no_op": True, "already_open": True, "channel": self.channel_info(channel)}

    def api_conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self.channel_info(str(p.get("channel", self.channel_id)))}

    def api_conversations_join(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self.channel_info(str(p.get("channel", self.channel_id)))}

    def api_conversations_members(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"members": [*self.user_ids(), BOT_USER_ID], "response_metadata": _end()}

    def api_conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_for(str(p.get("channel", "")))
        messages = self.thread(channel, str(p.get("ts", "")))
        return {"messages": messages, "has_more": False, "response_metadata": _end()}

    def api_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_for(str(p.get("channel", "")))
        history = [m for (c, _), m in sorted(self.messages.items(), reverse=True) if c == channel]
        return {"messages": history[:100], "has_more": False, "response_metadata": _end()}

    def api_files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = slack_id("F")
        self.files[file_id] = {"name": str(p.get("filename", "file")), "content": b""}
        return {"upload_url": f"{self.base_url}/upload/v1/{file_id}", "file_id": file_id}

    def api_files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = p.get("channel_id") or p.get("channels")
        done = []
        for item in p.get("files") or []:
            info = self.file_info(str(item.get("id", "")), item.get("title"), channel)
            done.append(info)
            content = self.files.get(info["id"], {}).get("content", b"")
            data = info | {
                "initial_comment": p.get("initial_comment") or "",
                "content": bytes(content).decode("utf-8", "replace"),
            }
            self._emit(SlackOutput("file", data, channel=channel))
        return {"files": done}

    def api_files_info(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"file": self.file_info(str(p.get("file", "")), None, None), "comments": []}

    # --- response_url and uploads --------------------------------------------------------------

    def respond(self, key: str, body: dict[str, Any]) -> bool:
        """A post to a response_url: a new message, or a change to the original one."""
        target = self._responses.get(key)
        if target is None:
            return False
        channel, ts = target["channel"], target["message_ts"]
        if body.get("delete_original"):
            self.messages.pop((channel, ts or ""), None)
            self._emit(SlackOutput("delete", {"ts": ts}, channel=channel))
        elif body.get("replace_original") and ts:
            message = self.update_message(channel, ts, body)
            self._emit(SlackOutput("update", message, channel=channel, user=target["user"]))
        elif body.get("response_type") == "in_channel":
            message = self.add_message(channel, body, user=BOT_USER_ID)
            self._emit(SlackOutput("message", message, channel=channel))
        else:
            message = self.make_message(body, user=BOT_USER_ID)
            self._emit(SlackOutput("ephemeral", message, channel=channel, user=target["user"]))
        return True


def _end() -> dict[str, str]:
    return {"next_cursor": ""}


def decode_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Arguments from the query string and a form or JSON body; JSON-string fields decoded."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if body and "json" in content_type:
        decoded = json.loads(body)
        if isinstance(decoded, dict):
            params.update(decoded)
    elif body:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    for key in JSON_FIELDS:
        value = params.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def _handler_for(slack: LocalSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # the console stays quiet
            pass

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            path = parts.path.strip("/").split("/")
            try:
                if path[0] == "api" and len(path) == 2:
                    ctype = self.headers.get("Content-Type", "")
                    params = decode_params(parts.query, body, ctype)
                    self._send(200, json.dumps(slack.call(path[1], params)), "application/json")
                elif path[0] == "response" and len(path) == 3:
                    found = slack.respond(path[2], json.loads(body or b"{}"))
                    self._send(200 if found else 404, "ok" if found else "no_such_url")
                elif path[:2] == ["upload", "v1"] and len(path) == 3:
                    slack.store_upload(path[2], body)
                    self._send(200, f"OK - {len(body)}")
                elif path[0] == "files" and len(path) == 2:
                    self._send(200, slack.files.get(path[1], {}).get("content", b""))
                else:
                    self._send(404, "not_found")
            except Exception as error:  # a display must not take the app down with it
                self._send(500, json.dumps({"ok": False, "error": f"console_error: {error}"}))

        def _send(self, status: int, body: str | bytes, ctype: str = "text/plain") -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
