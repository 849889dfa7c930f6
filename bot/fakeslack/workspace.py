"""Test-facing helpers of the fake: seed teams/users/channels, inspect what the app did."""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from . import render
from .messages import Messages
from .state import (
    DEFAULT_BOT_SCOPES,
    TRIGGER_TTL,
    Call,
    Ref,
    SlackError,
    TokenInfo,
    ref,
)


class Workspace(Messages):
    """Seeding and inspection API (all methods are thread-safe)."""

    # ---- seeding -------------------------------------------------------------------------
    def add_team(
        self,
        team_id: str | None = None,
        name: str = "Acme",
        domain: str | None = None,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
    ) -> dict[str, Any]:
        """Create a workspace; returns {"id", "name", "domain", "url", ...}."""
        with self.lock:
            tid = self.claim_id(team_id, "T")
            dom = domain or re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "team"
            self._teams[tid] = {
                "id": tid,
                "name": name,
                "domain": dom,
                "url": f"https://{dom}.slack.com/",
                "enterprise_id": enterprise_id,
                "enterprise_name": enterprise_name or (f"{name} Grid" if enterprise_id else None),
            }
            return dict(self._teams[tid])

    def add_user(
        self,
        team_id: Ref,
        name: str = "alice",
        real_name: str | None = None,
        tz: str = "Europe/Berlin",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        user_id: str | None = None,
        *,
        email: str | None = None,
        display_name: str = "",
        is_primary_owner: bool | None = None,
    ) -> dict[str, Any]:
        """Create a user; returns the users.info `user` dict."""
        with self.lock:
            tid = self.team(team_id)["id"]
            user = self.create_user(
                tid,
                name=name,
                real_name=real_name,
                tz=tz,
                is_admin=is_admin,
                is_owner=is_owner,
                is_bot=is_bot,
                deleted=deleted,
                user_id=user_id,
                email=email,
                display_name=display_name,
                is_primary_owner=is_primary_owner,
            )
            return self.render_user(user)

    def add_channel(
        self,
        team_id: Ref,
        name: str = "eng-roadmap",
        members: list[Ref] | None = None,
        is_private: bool = False,
        is_archived: bool = False,
        channel_id: str | None = None,
        *,
        topic: str = "",
        purpose: str = "",
        is_general: bool = False,
    ) -> dict[str, Any]:
        """Create a channel; returns its conversations.info dict (plus "members")."""
        with self.lock:
            tid = self.team(team_id)["id"]
            ids = [ref(m) for m in members or []]
            for uid in ids:
                if self.user(tid, uid) is None:
                    raise ValueError(f"unknown user {uid} in team {tid}")
            ch = self.create_channel(
                tid,
                id=self.claim_id(channel_id, "C"),
                name=name,
                members=ids,
                is_private=is_private,
                is_archived=is_archived,
                topic=topic,
                purpose=purpose,
                is_general=is_general,
                creator=ids[0] if ids else "",
            )
            out = self.render_channel(ch, None)
            out["members"] = list(ids)
            return out

    def add_usergroup(
        self,
        team_id: Ref,
        handle: str = "platform-team",
        name: str | None = None,
        users: list[Ref] | None = None,
        *,
        disabled: bool = False,
    ) -> dict[str, Any]:
        """Create a user group (usergroups.list shape); returns it."""
        with self.lock:
            tid = self.team(team_id)["id"]
            gid = self.new_id("S")
            now = int(self.now())
            self._usergroups[gid] = {
                "id": gid,
                "team_id": tid,
                "is_usergroup": True,
                "is_subteam": True,
                "name": name or handle.replace("-", " ").title(),
                "description": "",
                "handle": handle,
                "is_external": False,
                "date_create": now,
                "date_update": now,
                "date_delete": now if disabled else 0,
                "auto_type": None,
                "created_by": "",
                "updated_by": "",
                "deleted_by": None,
                "users": [ref(u) for u in users or []],
            }
            return copy.deepcopy(self._usergroups[gid])

    def deactivate_user(self, team_id: Ref, user_id: Ref) -> None:
        """The user leaves the workspace: users.list and users.info show `deleted: true`."""
        with self.lock:
            user = self.user(self.team(team_id)["id"], ref(user_id))
            if user is None:
                raise ValueError(f"unknown user {ref(user_id)}")
            user["deleted"] = True

    def install_bot(
        self,
        team_id: Ref,
        token: str | None = None,
        bot_user_id: str | None = None,
        scopes: tuple[str, ...] | list[str] | str | None = None,
        *,
        name: str = "roadmap-bot",
        bot_id: str | None = None,
        app_id: str | None = None,
    ) -> str:
        """Install the app: creates the bot user + bot; returns an "xoxb-..." token."""
        with self.lock:
            tid = self.team(team_id)["id"]
            user = self.create_user(
                tid,
                name=name,
                real_name=name,
                tz="America/Los_Angeles",
                is_admin=False,
                is_owner=False,
                is_bot=True,
                deleted=False,
                user_id=bot_user_id,
            )
            bid = self.claim_id(bot_id, "B")
            aid = app_id or self.new_id("A")
            user["profile"].update(bot_id=bid, api_app_id=aid, always_active=True)
            self._bots[bid] = {
                "id": bid,
                "deleted": False,
                "name": name,
                "updated": int(self.now()),
                "app_id": aid,
                "user_id": user["id"],
                "team_id": tid,
                "icons": {
                    f"image_{s}": f"https://a.slack-edge.com/bot_{s}.png" for s in (36, 48, 72)
                },
            }
            digits = "0123456789"
            tok = token or (
                f"xoxb-{self.random_str(13, digits)}-{self.random_str(13, digits)}-"
                f"{self.random_str(24)}"
            )
            if tok in self._tokens:
                raise ValueError("token already installed")
            if isinstance(scopes, str):
                scopes = [s.strip() for s in scopes.split(",") if s.strip()]
            self._tokens[tok] = TokenInfo(
                tok, tid, user["id"], bid, aid, tuple(scopes or DEFAULT_BOT_SCOPES)
            )
            return tok

    def revoke_token(self, token: str) -> None:
        """Later calls with this token fail with token_revoked."""
        with self.lock:
            self._tokens[token].revoked = True

    def bot_user_id(self, token: str) -> str:
        """Bot user id behind a token."""
        with self.lock:
            return self._tokens[token].user_id

    def join(self, channel_id: Ref, user_id: Ref) -> None:
        """Make a user (or the bot user) a member of the channel."""
        with self.lock:
            members = self._members[self.channel(channel_id)["id"]]
            if ref(user_id) not in members:
                members.append(ref(user_id))

    def leave(self, channel_id: Ref, user_id: Ref) -> None:
        """Remove a member from the channel."""
        with self.lock:
            members = self._members[self.channel(channel_id)["id"]]
            if ref(user_id) in members:
                members.remove(ref(user_id))

    def archive_channel(self, channel_id: Ref) -> None:
        """Archive a channel (posts then fail with is_archived)."""
        with self.lock:
            self.channel(channel_id)["is_archived"] = True

    def members(self, channel_id: Ref) -> list[str]:
        """Current member ids of a conversation."""
        with self.lock:
            return list(self._members[self.channel(channel_id)["id"]])

    # ---- simulated users (state changes only, no events are sent) ------------------------
    def user_post(
        self,
        channel_id: Ref,
        user_id: Ref,
        text: str,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> str:
        """A human posts a message (or thread reply); returns its ts."""
        with self.lock:
            ch = self.channel(channel_id)
            msg = self.store_message(
                ch["id"],
                user=ref(user_id),
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                client_msg_id=str(uuid.uuid4()),
            )
            return str(msg["ts"])

    def user_share_file(
        self, channel_id: Ref, user_id: Ref, name: str, content: bytes, text: str = ""
    ) -> tuple[dict[str, Any], str]:
        """A human uploads a file into a conversation; returns the file object and the ts of
        the `file_share` message (the app learns of it from the event the test sends)."""
        from . import m_files

        with self.lock:
            ch = self.channel(channel_id)
            fid = self.new_id("F")
            team_id = ch["team_id"]
            self._files[fid] = {
                "id": fid,
                "team_id": team_id,
                "user": ref(user_id),
                "name": name,
                "title": name,
                "length": len(content),
                "content": content,
                "uploaded": True,
                "completed": True,
                "channels": [ch["id"]],
                "initial_comment": None,
                "thread_ts": None,
                "created": int(self.now()),
                "alt_txt": None,
                "snippet_type": None,
                "share_ts": {},
            }
            file = m_files.file_info(self, self._files[fid])
            msg = self.store_message(
                ch["id"], user=ref(user_id), text=text, subtype="file_share", files=[file]
            )
            self._files[fid]["share_ts"][ch["id"]] = msg["ts"]
            return file, str(msg["ts"])

    def download(self, path: str, authorization: str | None):
        """GET of a file's url_private(_download): needs a token of the file's team, like Slack
        (without one Slack answers with its sign-in page, here a 302 to it)."""

        token = (authorization or "").removeprefix("Bearer ").strip()
        # /files-pri/<team>-<file id>/[download/]<name>
        key = path.split("/")[2] if path.count("/") >= 3 else ""
        team_id, _, file_id = key.partition("-")
        with self.lock:
            info = self._tokens.get(token)
            f = self._files.get(file_id)
            if info is None or info.revoked or f is None or info.team_id != team_id:
                return 302, {"Location": "https://slack.com/signin"}, b""
            return 200, {"Content-Type": "application/octet-stream"}, bytes(f["content"])

    def user_react(self, channel_id: Ref, ts: str, user_id: Ref, name: str) -> None:
        """A human adds a reaction to a message."""
        with self.lock:
            msg = self.find_message(self.channel(channel_id)["id"], ts)
            if msg is None:
                raise SlackError("message_not_found")
            self.add_reaction(msg, ref(user_id), name)

    def user_unreact(self, channel_id: Ref, ts: str, user_id: Ref, name: str) -> None:
        """A human removes a reaction."""
        with self.lock:
            msg = self.find_message(self.channel(channel_id)["id"], ts)
            if msg is None:
                raise SlackError("message_not_found")
            self.remove_reaction(msg, ref(user_id), name)

    def user_close_modal(self, user_id: Ref, team_id: Ref | None = None) -> None:
        """The user closes their open modal stack (views.update on it -> not_found)."""
        with self.lock:
            for (tid, uid), stack in list(self._modal_stacks.items()):
                if uid == ref(user_id) and (team_id is None or tid == ref(team_id)):
                    for vid in stack:
                        self._live_views.pop(vid, None)
                    del self._modal_stacks[(tid, uid)]

    def user_submitted_view(
        self, team_id: Ref, user_id: Ref, view_id: str, answer: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The user submitted a modal and the app acked with `answer` (the ack's JSON body):
        close it, keep it (errors), clear the stack, or update/push a view, as Slack does.
        Returns the view now shown by update/push (observers see it too), else None."""
        from . import m_views

        with self.lock:
            return m_views.after_submission(self, ref(team_id), ref(user_id), view_id, answer)

    def user_close_view(self, team_id: Ref, user_id: Ref, view_id: str) -> None:
        """The user closes one modal of their stack (the one below shows again)."""
        from . import m_views

        with self.lock:
            m_views.close_views(self, ref(team_id), ref(user_id), [view_id])

    def open_dm(self, team_id: Ref, user_a: Ref, user_b: Ref) -> str:
        """Id of the DM between two users, opened if it did not exist yet."""
        with self.lock:
            return self.open_im(ref(team_id), ref(user_a), [ref(user_b)])[0]

    # ---- triggers ------------------------------------------------------------------------
    def trigger_id(self, team_id: Ref, user_id: Ref) -> str:
        """A trigger id usable once by views.open/push within 3 s of fake.clock()."""
        with self.lock:
            digits = "0123456789"
            trig = (
                f"{self.random_str(13, digits)}.{self.random_str(13, digits)}."
                f"{uuid.UUID(int=self._rng.getrandbits(128)).hex}"
            )
            self._triggers[trig] = {
                "team_id": ref(team_id),
                "user_id": ref(user_id),
                "created": self.now(),
                "used": False,
            }
            return trig

    def consume_trigger(self, team_id: str, trigger_id: str | None) -> str:
        """Exchange a trigger for its user id, enforcing Slack's single-use 3 s window."""
        trig = self._triggers.get(trigger_id or "")
        if trig is None or trig["team_id"] != team_id:
            raise SlackError("invalid_trigger_id")
        if trig["used"]:
            raise SlackError("exchanged_trigger_id")
        if self.now() - trig["created"] > TRIGGER_TTL:
            raise SlackError("expired_trigger_id")
        trig["used"] = True
        return str(trig["user_id"])

    # ---- response_url --------------------------------------------------------------------
    def response_url(
        self,
        team_id: Ref,
        channel_id: Ref,
        user_id: Ref,
        message_ts: str | None = None,
    ) -> str:
        """A response_url as sent with slash commands / interactions."""
        with self.lock:
            tid = self.team(team_id)["id"]
            key = f"{tid}/{self.random_str(13, '0123456789')}/{self.random_str(24)}"
            self._response_urls[key] = {
                "team_id": tid,
                "channel_id": ref(channel_id),
                "user_id": ref(user_id),
                "message_ts": message_ts,
                "created": self.now(),
                "posts": [],
            }
            return f"{self.url}response/{key}"

    def command_reply(self, url: str, payload: dict[str, Any]) -> None:
        """Show a slash command's (or an action's) ack body as Slack does: like a post to the
        request's response_url, without using up one of its posts. SlackError if invalid."""
        from .hooks import respond

        with self.lock:
            respond(self, self._response_urls[url.split("/response/", 1)[-1]], payload)

    def responses(self, url: str) -> list[Any]:
        """JSON bodies accepted by a response_url, in order."""
        with self.lock:
            key = url.split("/response/", 1)[-1]
            return copy.deepcopy(self._response_urls[key]["posts"])

    # ---- inspection ----------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        """Every Web API request received, in order (failed ones included)."""
        with self.lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of one method."""
        with self.lock:
            return [c for c in self._calls if c.method == method]

    def reset_calls(self) -> None:
        """Forget recorded calls."""
        with self.lock:
            self._calls.clear()

    def messages(self, channel_id: Ref) -> list[dict[str, Any]]:
        """All messages of a conversation incl. thread replies, oldest first."""
        with self.lock:
            return copy.deepcopy(self._history[self.channel(channel_id)["id"]])

    def message(self, channel_id: Ref, ts: str) -> dict[str, Any] | None:
        """One stored message or None."""
        with self.lock:
            return copy.deepcopy(self.find_message(ref(channel_id), ts))

    def dm_channel(self, team_id: Ref, user_a: Ref, user_b: Ref) -> str | None:
        """Id of the DM between two users if it exists."""
        with self.lock:
            return self._ims.get((ref(team_id), frozenset([ref(user_a), ref(user_b)])))

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """Ephemeral messages (chat.postEphemeral and ephemeral response_url posts)."""
        with self.lock:
            return copy.deepcopy(self._ephemerals)

    @property
    def views(self) -> list[dict[str, Any]]:
        """Every view opened/pushed/updated/published (with "user" and "method")."""
        with self.lock:
            return copy.deepcopy(self._view_log)

    def home_view(self, user_id: Ref, team_id: Ref | None = None) -> dict[str, Any] | None:
        """Latest published (or updated) home view of the user, or None."""
        with self.lock:
            for (tid, uid), vid in reversed(list(self._home_ids.items())):
                if uid == ref(user_id) and (team_id is None or tid == ref(team_id)):
                    view = self._live_views.get(vid)
                    return copy.deepcopy(view) if view else None
            return None

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        """Uploaded files by id: name, title, content (bytes), channels, initial_comment..."""
        with self.lock:
            return copy.deepcopy(self._files)

    def team_info(self, team_id: Ref) -> dict[str, Any]:
        """team.info shape of a team."""
        with self.lock:
            return render.team(self.team(team_id))
