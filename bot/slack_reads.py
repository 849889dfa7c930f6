"""Reads from Slack that flows need answered (who someone is, who is in a channel).

Flows never call Slack: the edge hands them these lookups, which turn Slack's refusals into
None (and a log line), so a flow only ever sees data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.kinds.knowledge_sharing import channel_members

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

    def channel_named(self, name: str) -> str | None:
        """The id of the channel called `#name` the bot can see (conversations.list)."""
        wanted = name.lstrip("#").casefold()
        try:
            for page in self.client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=200
            ):
                for channel in page.get("channels") or []:
                    if (channel.get("name") or "").casefold() == wanted:
                        return channel["id"]
        except SlackApiError as error:
            log.info("conversations.list: %s", error.response.get("error"))
        return None

    def usergroups(self) -> list[dict] | None:
        """usergroups.list with their members; None without the usergroups:read scope."""
        try:
            return self.client.usergroups_list(include_users=True).get("usergroups") or []
        except SlackApiError as error:
            log.info("usergroups.list: %s", error.response.get("error"))
            return None
