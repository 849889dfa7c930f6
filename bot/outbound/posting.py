"""Moved to bot.kinds.posting; kept so callers outside the scheduling stream still import."""

from bot.kinds.posting import NotInChannel, join_public_channel, post_message

__all__ = ["NotInChannel", "join_public_channel", "post_message"]
