"""Core state of the fake Slack: ids, ts, teams, users, channels, messages, tokens."""

from __future__ import annotations

import random
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from . import render
from .observe import Observer, Shown

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_TEXT = 40000
MAX_MODAL_TITLE = 24
MAX_VIEW_STACK = 3
TRIGGER_TTL = 3.0
RESPONSE_URL_TTL = 30 * 60
RESPONSE_URL_MAX_POSTS = 5

DEFAULT_BOT_SCOPES: tuple[str, ...] = (
    "app_mentions:read",
    "channels:history",
    "channels:join",
    "channels:read",
    "chat:write",
    "commands",
    "files:read",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:read",
    "im:write",
    "mpim:history",
    "mpim:read",
    "mpim:write",
    "reactions:read",
    "reactions:write",
    "team:read",
    "usergroups:read",
    "users:read",
    "users:read.email",
)

_ALNUM = string.ascii_uppercase + string.digits
_MIXED = string.ascii_letters + string.digits
Ref = str | dict[str, Any]


def ref(value: Ref) -> str:
    """Accept an id or a dict carrying an "id" (as returned by add_team/add_user/...)."""
    return str(value["id"]) if isinstance(value, dict) else value


def ts_key(ts: Any) -> Decimal:
    """Sortable value of a Slack ts ("1700000000.000100"); invalid -> ValueError."""
    try:
        return Decimal(str(ts))
    except InvalidOperation as exc:
        raise ValueError(f"bad ts {ts!r}") from exc


@dataclass(frozen=True)
class Call:
    """One Web API request received by the fake (recorded even when it failed)."""

    method: str
    params: dict[str, Any]
    token: str | None
    team_id: str | None
    at: float


@dataclass
class TokenInfo:
    """A bot token installed into a team."""

    token: str
    team_id: str
    user_id: str
    bot_id: str
    app_id: str
    scopes: tuple[str, ...]
    revoked: bool = False


class SlackError(Exception):
    """An API error: answered as {"ok": false, "error": error, **extra} with HTTP `status`."""

    def __init__(self, error: str, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra


def invalid_arguments(*messages: str) -> SlackError:
    """Slack's `invalid_arguments` error with `[ERROR] ...` response_metadata messages."""
    return SlackError(
        "invalid_arguments",
        response_metadata={"messages": [f"[ERROR] {m}" for m in messages]},
    )


class Store:
    """Data of the fake workspace(s). Callers hold `self.lock` while touching it."""

    def __init__(self, seed: int | None = None) -> None:
        self.lock = threading.RLock()
        self.clock: Callable[[], float] = time.time
        # Seeded, the ids and tokens it hands out are the same on every run (tests pass one).
        self._rng = random.Random(seed)
        self._used_ids: set[str] = set()
        self._last_us = 0
        self._base_url: str | None = None
        self._teams: dict[str, dict[str, Any]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._bots: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, TokenInfo] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._members: dict[str, list[str]] = {}
        self._usergroups: dict[str, dict[str, Any]] = {}
        self._history: dict[str, list[dict[str, Any]]] = {}
        self._ims: dict[tuple[str, frozenset[str]], str] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._view_log: list[dict[str, Any]] = []
        self._live_views: dict[str, dict[str, Any]] = {}
        self._modal_stacks: dict[tuple[str, str], list[str]] = {}
        self._home_ids: dict[tuple[str, str], str] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._triggers: dict[str, dict[str, Any]] = {}
        self._response_urls: dict[str, dict[str, Any]] = {}
        self._calls: list[Call] = []
        self.rate_limited_count = 0
        self.observers: list[Observer] = []

    def notify(self, *shown: Shown) -> None:
        """Tell every observer (see observe.py); called with the lock held."""
        for item in shown:
            for observer in list(self.observers):
                observer(item)

    # ---- ids, ts, time -------------------------------------------------------------------
    def now(self) -> float:
        """Current time per the (replaceable) clock."""
        return float(self.clock())

    def new_id(self, prefix: str, length: int = 10) -> str:
        """A fresh Slack-style id: prefix + `length` uppercase alphanumerics."""
        while True:
            ident = prefix + "".join(self._rng.choice(_ALNUM) for _ in range(length))
            if ident not in self._used_ids:
                self._used_ids.add(ident)
                return ident

    def claim_id(self, ident: str | None, prefix: str) -> str:
        """Use a caller-chosen id (must be unused) or generate one."""
        if ident is None:
            return self.new_id(prefix)
        if ident in self._used_ids:
            raise ValueError(f"id {ident} already used")
        self._used_ids.add(ident)
        return ident

    def random_str(self, length: int, alphabet: str = _MIXED) -> str:
        """Random string (tokens, block ids, hashes)."""
        return "".join(self._rng.choice(alphabet) for _ in range(length))

    def next_ts(self) -> str:
        """Next message ts from the clock, strictly increasing (bumped by 1us on ties)."""
        us = round(self.now() * 1_000_000)
        if us <= self._last_us:
            us = self._last_us + 1
        self._last_us = us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    @property
    def url(self) -> str:
        """Base URL "http://127.0.0.1:PORT/" (only once started)."""
        if self._base_url is None:
            raise RuntimeError("FakeSlack is not started")
        return self._base_url

    @property
    def api_url(self) -> str:
        """Web API base URL for WebClient(base_url=...)."""
        return self.url + "api/"

    # ---- lookups -------------------------------------------------------------------------
    def team(self, team_id: Ref) -> dict[str, Any]:
        """Team record or ValueError (test-side helper)."""
        team = self._teams.get(ref(team_id))
        if team is None:
            raise ValueError(f"unknown team {ref(team_id)}")
        return team

    def user(self, team_id: str, user_id: Any) -> dict[str, Any] | None:
        """A user of `team_id` (USLACKBOT exists in every team) or None."""
        if user_id == "USLACKBOT" and team_id in self._teams:
            return render.slackbot(team_id)
        user = self._users.get(user_id) if isinstance(user_id, str) else None
        return user if user is not None and user["team_id"] == team_id else None

    def channel(self, channel_id: Ref) -> dict[str, Any]:
        """Channel record or ValueError (test-side helper)."""
        ch = self._channels.get(ref(channel_id))
        if ch is None:
            raise ValueError(f"unknown channel {ref(channel_id)}")
        return ch

    def find_channel(self, team_id: str, raw: str) -> dict[str, Any] | None:
        """Resolve a channel id, or a name ("#eng" / "eng") like chat.postMessage does."""
        ch = self._channels.get(raw)
        if ch is not None:
            return ch if ch["team_id"] == team_id else None
        name = raw[1:] if raw.startswith("#") else raw
        for ch in self._channels.values():
            if ch["team_id"] == team_id and ch.get("name") == name and not ch["is_im"]:
                return ch
        return None

    def visible_channel(self, team_id: str, viewer: str, raw: Any) -> dict[str, Any]:
        """Channel the viewer may see: private/DM channels need membership."""
        ch = self.find_channel(team_id, raw) if isinstance(raw, str) and raw else None
        if ch is None:
            raise SlackError("channel_not_found")
        if self.is_hidden(ch) and viewer not in self._members[ch["id"]]:
            raise SlackError("channel_not_found")
        return ch

    @staticmethod
    def is_hidden(ch: dict[str, Any]) -> bool:
        """Private channels, DMs and group DMs are invisible to non-members."""
        return bool(ch["is_private"] or ch["is_im"] or ch["is_mpim"])

    def is_member(self, channel_id: str, user_id: str) -> bool:
        """Whether the user is in the conversation."""
        return user_id in self._members.get(channel_id, [])

    def bot_token_for_team(self, team_id: str) -> TokenInfo | None:
        """The team's (first live) bot installation."""
        infos = [t for t in self._tokens.values() if t.team_id == team_id]
        live = [t for t in infos if not t.revoked]
        return (live or infos or [None])[0]

    # ---- creation ------------------------------------------------------------------------
    def create_user(
        self,
        team_id: str,
        *,
        name: str,
        real_name: str | None,
        tz: str,
        is_admin: bool,
        is_owner: bool,
        is_bot: bool,
        deleted: bool,
        user_id: str | None,
        email: str | None = None,
        display_name: str = "",
        is_primary_owner: bool | None = None,
    ) -> dict[str, Any]:
        """Store a user record (users.info shape minus tz_label/tz_offset)."""
        ZoneInfo(tz)  # validate early
        uid = self.claim_id(user_id, "U")
        real = real_name if real_name is not None else name.replace(".", " ").title()
        user = render.user_record(
            uid,
            team_id,
            name=name,
            real_name=real,
            tz=tz,
            is_bot=is_bot,
            deleted=deleted,
            is_admin=is_admin,
            is_owner=is_owner,
            is_primary_owner=is_owner if is_primary_owner is None else is_primary_owner,
            email=email,
            display_name=display_name,
            updated=int(self.now()),
        )
        self._users[uid] = user
        return user

    def create_channel(self, team_id: str, **fields: Any) -> dict[str, Any]:
        """Store a conversation record; members go to self._members."""
        cid = fields.pop("id")
        members = fields.pop("members", [])
        ch = {
            "id": cid,
            "team_id": team_id,
            "name": None,
            "is_private": False,
            "is_archived": False,
            "is_im": False,
            "is_mpim": False,
            "is_general": False,
            "created": int(self.now()),
            "creator": "",
            "topic": "",
            "purpose": "",
            "user": None,
        }
        ch.update(fields)
        self._channels[cid] = ch
        self._members[cid] = list(dict.fromkeys(members))
        self._history[cid] = []
        return ch

    def open_im(self, team_id: str, me: str, users: list[str]) -> tuple[str, bool]:
        """Get or create the DM / group DM between `me` and `users`; returns (id, existed)."""
        people = [u for u in dict.fromkeys(users) if u != me] or [me]
        key = (team_id, frozenset([me, *people]))
        if key in self._ims:
            return self._ims[key], True
        if len(people) == 1:
            ch = self.create_channel(
                team_id,
                id=self.new_id("D"),
                is_im=True,
                user=people[0],
                members=[me, *people],
                creator=me,
            )
        else:
            names = sorted(self.user(team_id, u)["name"] for u in [me, *people])  # type: ignore[index]
            ch = self.create_channel(
                team_id,
                id=self.new_id("C"),
                is_mpim=True,
                is_private=True,
                name="mpdm-" + "--".join(names) + "-1",
                members=[me, *people],
                creator=me,
            )
        self._ims[key] = ch["id"]
        return ch["id"], False

    # ---- rendering (API shapes) ----------------------------------------------------------
    def render_user(self, user: dict[str, Any]) -> dict[str, Any]:
        """users.info shape, tz_label/tz_offset computed at the clock's now."""
        return render.user(user, self.now())

    def render_channel(self, ch: dict[str, Any], viewer: str | None) -> dict[str, Any]:
        """conversations.info shape, is_member relative to `viewer`."""
        members = self._members[ch["id"]]
        other = self.user(ch["team_id"], ch["user"]) if ch["is_im"] else None
        return render.channel(ch, members, viewer, other, self.now())
