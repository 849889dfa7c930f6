"""Reads from Slack that flows need answered (who someone is, who is in a channel).

Flows never call Slack: the edge hands them these lookups, which turn Slack's refusals into
None (and a log line), so a flow only ever sees data.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.kinds.knowledge_sharing import channel_members
from bot.services.people import DirectoryUnavailable, PeopleReads

log = logging.getLogger(__name__)


def user_lookup(client: WebClient) -> Callable[[str], dict | None]:
    """users.info of a user id, or None when Slack would not say."""

    def lookup(user_id: str) -> dict | None:
        try:
            return client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            log.warning("users.info %s failed: %s", user_id, error.response.get("error"))
            return None

    return lookup


def members_lookup(client: WebClient, bot_user_id: str | None) -> Callable[[str], list[str] | None]:
    """conversations.members of a channel (every page, without the bot), or None when Slack
    would not say: for flows that keep a channel's members."""

    def lookup(channel: str) -> list[str] | None:
        try:
            return channel_members(client, channel, bot_user_id)
        except SlackApiError as error:
            log.info("conversations.members %s: %s", channel, error.response.get("error"))
            return None

    return lookup


def display_names(client: WebClient) -> Callable[[str], str | None]:
    """A person's name by user id (display name, else real name, else handle), from
    users.info, asked once per id; None when Slack would not say. For turning mentions in
    message text into names at the edge (bot.slack_text.from_slack)."""
    lookup = user_lookup(client)
    known: dict[str, str | None] = {}

    def name(user_id: str) -> str | None:
        if user_id not in known:
            user = lookup(user_id) or {}
            profile = user.get("profile") or {}
            known[user_id] = (
                profile.get("display_name") or user.get("real_name") or user.get("name") or None
            )
        return known[user_id]

    return name


def people_reads(client: WebClient) -> PeopleReads:
    """users.list (every page, 200 at a time) and users.lookupByEmail for the people
    directory; Slack's refusals (rate limits, missing_scope) become DirectoryUnavailable, so
    the directory answers from its cache and says so."""

    def list_members() -> list[dict]:
        members: list[dict] = []
        cursor = None
        try:
            while True:
                page = client.users_list(limit=200, cursor=cursor)
                members += page.get("members") or []
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return members
        except SlackApiError as error:
            reason = error.response.get("error") or "error"
            log.warning("users.list failed: %s", reason)
            raise DirectoryUnavailable(reason) from error
        except OSError as error:  # URLError included: Slack could not be reached at all
            log.warning("users.list failed: %s", error)
            raise DirectoryUnavailable("Slack could not be reached") from error

    def lookup_email(email: str) -> dict | None:
        try:
            return client.users_lookupByEmail(email=email)["user"]
        except SlackApiError as error:
            reason = error.response.get("error") or "error"
            if reason == "users_not_found":
                return None
            log.warning("users.lookupByEmail failed: %s", reason)
            raise DirectoryUnavailable(reason) from error

    return PeopleReads(list_members, lookup_email)


CHANNELS_CACHED_FOR = 600.0  # seconds a workspace's channel list is reused
CHANNELS_REFRESH_AFTER = 30.0  # an unknown name re-reads a list older than this
_channels: dict[str, tuple[float, dict[str, str]]] = {}  # team id -> (read at, name -> id)
_channels_lock = threading.Lock()


def channels_by_name(client: WebClient) -> dict[str, str]:
    """Every channel the bot can see (public, and private ones it is in), name -> id, from
    every page of conversations.list."""
    found: dict[str, str] = {}
    cursor = None
    while True:
        page = client.conversations_list(
            types="public_channel,private_channel",
            exclude_archived=True,
            limit=200,
            cursor=cursor,
        )
        for channel in page.get("channels") or []:
            found[channel["name"].lower()] = channel["id"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return found


def channel_lookup(client: WebClient, team_id: str | None) -> Callable[[str], str | None]:
    """A channel's id by its name (without "#"), from a list cached per workspace; a name not
    in a list older than CHANNELS_REFRESH_AFTER reads the list again once. None when Slack
    has no such channel (or would not say)."""

    def lookup(name: str) -> str | None:
        key = team_id or ""
        with _channels_lock:
            read_at, names = _channels.get(key, (0.0, {}))
        age = time.monotonic() - read_at
        if name in names and age < CHANNELS_CACHED_FOR:
            return names[name]
        if names and age < CHANNELS_REFRESH_AFTER:
            return None
        try:
            names = channels_by_name(client)
        except SlackApiError as error:
            log.warning("conversations.list failed: %s", error.response.get("error"))
            return None
        with _channels_lock:
            _channels[key] = (time.monotonic(), names)
        return names.get(name)

    return lookup


class SlackReads:
    """The reads of Slack a flow may need, answered at the edge (a listener, the console, a
    test): None when Slack would not say. Team metrics: the roster follows a channel, drops
    people deactivated in users.list, and partner teams are resolved through usergroups.list."""

    def __init__(self, client: WebClient, bot_user_id: str | None = None):
        self.client = client
        self.bot_user_id = bot_user_id

    def members(self, channel: str) -> list[str] | None:
        return members_lookup(self.client, self.bot_user_id)(channel)

    def users(self) -> dict[str, dict] | None:
        """users.list (every page), by id."""
        try:
            found: dict[str, dict] = {}
            for page in self.client.users_list(limit=200):
                found.update({u["id"]: u for u in page.get("members") or []})
            return found
        except SlackApiError as error:
            log.info("users.list: %s", error.response.get("error"))
            return None

    def usergroups(self) -> list[dict] | None:
        """usergroups.list with their members; None without the usergroups:read scope."""
        try:
            return self.client.usergroups_list(include_users=True).get("usergroups") or []
        except SlackApiError as error:
            log.info("usergroups.list: %s", error.response.get("error"))
            return None
