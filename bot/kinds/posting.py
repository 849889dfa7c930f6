"""Posting into channels the bot may not be in yet: join public ones, explain private ones."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class NotInChannel(Exception):
    """The bot is not in a private channel (or may not join): someone must invite it."""

    def __init__(self, channel: str):
        self.channel = channel
        super().__init__(
            f"I'm not in <#{channel}>: invite me there (type `/invite @roadmap` in the "
            "channel), then try again."
        )


def post_message(client: WebClient, *, channel: str, **kwargs) -> dict:
    """chat.postMessage; on not_in_channel, join a public channel and post once more."""
    try:
        return client.chat_postMessage(channel=channel, **kwargs).data
    except SlackApiError as error:
        if error.response.get("error") != "not_in_channel":
            raise
    join_public_channel(client, channel)
    return client.chat_postMessage(channel=channel, **kwargs).data


def join_public_channel(client: WebClient, channel: str) -> None:
    """conversations.join (channels:join scope); raises NotInChannel when it cannot."""
    try:
        client.conversations_join(channel=channel)
        log.info("joined channel %s to post there", channel)
    except SlackApiError as error:
        log.info("could not join %s: %s", channel, error.response.get("error"))
        raise NotInChannel(channel) from error
