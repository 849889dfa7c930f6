"""The console's Slack: the fake Slack (bot/fakeslack) seeded with a small local workspace.

One team, the bot installed in it, a #roadmap channel, you (the default user, an admin) and a
few named members in several time zones. The REPL plays the people's part through the fake's
simulated-user helpers; everything the app shows comes back through the fake's observers.
"""

from __future__ import annotations

import contextlib
import getpass
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.fakeslack import FakeSlack

BOT_USER_ID = "U0LOCALBOT1"
BOT_ID = "B0LOCALBOT1"
APP_ID = "A0LOCALAPP1"
BOT_TOKEN = "xoxb-console"
CHANNEL_ID = "C0LOCALROAD"
CHANNEL_NAME = "roadmap"


@dataclass(frozen=True)
class Member:
    """Someone in the local workspace besides you."""

    user_id: str
    name: str
    real_name: str
    tz: str
    role: str
    is_admin: bool = False


MEMBERS = (
    Member("U0LOCALADA1", "ada", "Ada Lindqvist", "Europe/Berlin", "admin", is_admin=True),
    Member("U0LOCALOMR1", "omar", "Omar Haddad", "America/New_York", "goal owner"),
    Member("U0LOCALKEN1", "kenji", "Kenji Sato", "Asia/Tokyo", "member"),
)


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


def login_name() -> str:
    try:
        name = getpass.getuser()
    except Exception:
        name = ""
    cleaned = "".join(c for c in name.lower() if c.isalnum() or c in "._-")
    return cleaned or "you"


class LocalWorkspace:
    """The seeded fake, and the few things the REPL asks of it (ids, names, people's acts)."""

    def __init__(self, fake: FakeSlack, *, team_id: str, user_id: str):
        self.fake = fake
        self.team_id = team_id
        self.team_name = "Local"
        self.team_domain = "local"
        self.channel_id = CHANNEL_ID
        self.channel_name = CHANNEL_NAME
        self.token = BOT_TOKEN
        fake.add_team(team_id, name=self.team_name, domain=self.team_domain)
        if all(m.user_id != user_id for m in MEMBERS):  # you: the workspace's owner
            name = login_name()
            fake.add_user(
                team_id,
                name=name,
                real_name=name.replace(".", " ").replace("_", " ").title(),
                tz=local_timezone(),
                is_admin=True,
                is_owner=True,
                user_id=user_id,
                email=f"{name}@local.invalid",
            )
        for member in MEMBERS:
            fake.add_user(
                team_id,
                name=member.name,
                real_name=member.real_name,
                tz=member.tz,
                is_admin=member.is_admin,
                user_id=member.user_id,
                email=f"{member.name}@local.invalid",
            )
        fake.install_bot(
            team_id, BOT_TOKEN, BOT_USER_ID, name="roadmap", bot_id=BOT_ID, app_id=APP_ID
        )
        people = [u["id"] for u in self.people()]
        fake.add_channel(team_id, CHANNEL_NAME, [*people, BOT_USER_ID], channel_id=CHANNEL_ID)
        self.user_id = user_id

    # --- people --------------------------------------------------------------------------------

    def user(self, user_id: str) -> dict[str, Any] | None:
        with self.fake.lock:
            return self.fake.user(self.team_id, user_id)

    def user_name(self, user_id: str) -> str | None:
        user = self.user(user_id)
        return user["name"] if user else None

    def people(self) -> list[dict[str, Any]]:
        """Everyone but bots, in the order they joined."""
        with self.fake.lock:
            users = list(self.fake._users.values())
        return [u for u in users if u["team_id"] == self.team_id and not u["is_bot"]]

    def find_person(self, text: str) -> str | None:
        """A user id for "U0…" (known or not) or the name of a member ("ada", "@ada")."""
        wanted = text.strip().lstrip("@")
        for person in self.people():
            if wanted.casefold() in (person["id"].casefold(), person["name"].casefold()):
                return str(person["id"])
        candidate = wanted.upper()
        if candidate[:1] in ("U", "W") and candidate.isalnum() and 3 <= len(candidate) <= 21:
            return candidate
        return None

    def ensure_person(self, user_id: str) -> None:
        """Someone new joins the workspace (and #roadmap) as a plain member."""
        if self.user(user_id) is None:
            self.fake.add_user(
                self.team_id, name=user_id.lower(), tz=local_timezone(), user_id=user_id
            )
            self.fake.join(self.channel_id, user_id)

    def describe(self, person: dict[str, Any]) -> str:
        role = next((m.role for m in MEMBERS if m.user_id == person["id"]), None)
        if role is None:
            role = "admin" if person["is_admin"] or person["is_owner"] else "member"
        return f"@{person['name']} ({person['real_name']}, {role}, {person['tz']})"

    # --- places --------------------------------------------------------------------------------

    def dm_channel(self, user_id: str) -> str:
        """The bot's DM with a person (opened if need be)."""
        return self.fake.open_dm(self.team_id, BOT_USER_ID, user_id)

    def channel_label(self, channel: str | None) -> str:
        if not channel or channel == self.channel_id:
            return "#" + self.channel_name
        with self.fake.lock:
            record = self.fake._channels.get(channel)
        if record is None:
            return "#" + channel
        if record["is_im"]:
            user = str(record["user"])
            return "a DM with @" + (self.user_name(user) or user)
        return "#" + (record.get("name") or channel)

    def channel_name_of(self, channel: str) -> str:
        with self.fake.lock:
            record = self.fake._channels.get(channel) or {}
        return str(record.get("name") or "")

    # --- what Slack hands the app --------------------------------------------------------------

    def trigger_id(self) -> str:
        return self.fake.trigger_id(self.team_id, self.user_id)

    def response_url(self, channel: str, message_ts: str | None = None) -> str:
        return self.fake.response_url(self.team_id, channel, self.user_id, message_ts)

    def next_ts(self) -> str:
        with self.fake.lock:
            return self.fake.next_ts()

    def home(self, user_id: str) -> dict[str, Any] | None:
        return self.fake.home_view(user_id, self.team_id)
