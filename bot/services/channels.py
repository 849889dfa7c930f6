"""Channels people name: an id from a Slack mention (`<#C0123|eng>`) is kept; a name typed
by hand (`#eng-roadmap`) is looked up through the edge's lookup (conversations.list)."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.services.errors import InvalidInput

# conversations.list by name (without "#", lower case): the id, or None when Slack has no
# such channel the bot can see. The edge (a listener, the console, the CLI) provides it.
ChannelLookup = Callable[[str], str | None]

CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{6,}")


def is_channel_id(value: str | None) -> bool:
    return bool(value) and CHANNEL_ID.fullmatch(value) is not None


def resolve_channel(value: str, lookup: ChannelLookup | None) -> str:
    """The channel id for an id or a typed `#name`; a specific InvalidInput otherwise."""
    value = value.strip()
    if is_channel_id(value):
        return value
    name = value.lstrip("#").lower()
    if not name:
        raise InvalidInput("Name the channel, e.g. #eng-roadmap.", field="channel")
    found = lookup(name) if lookup is not None else None
    if found is None:
        raise InvalidInput(
            f"I can't find a channel called #{name}. Check the spelling; if it is private, "
            f"invite me there first (`/invite @Roadmap` in #{name}).",
            field="channel",
        )
    return found
