"""Moved to bot.kinds (weekly_digest, quarterly_digest, digest_thread); kept so callers
outside the scheduling stream still import."""

from bot.kinds.digest_thread import PostedDigest, digest_calls
from bot.kinds.quarterly_digest import (
    chart_filename,
    chart_png,
    post_quarterly_digest,
    quarterly_digest_calls,
)
from bot.kinds.weekly_digest import post_weekly_digest, weekly_digest_calls

__all__ = [
    "PostedDigest",
    "chart_filename",
    "chart_png",
    "digest_calls",
    "post_quarterly_digest",
    "post_weekly_digest",
    "quarterly_digest_calls",
    "weekly_digest_calls",
]
