"""The digests as Slack messages (a short summary, and details for its thread) and as plain
text for the CLI. Pure: plain digest data in, Block Kit out.

Every list is capped and summarised ("…and 412 more at-risk: /roadmap list at-risk"), so
however large the roadmap, each message stays within Slack's limits (50 blocks, 3,000
characters per section).
"""

from bot.blocks.digests.quarterly import quarterly_digest_messages
from bot.blocks.digests.style import Style
from bot.blocks.digests.text import digest_text
from bot.blocks.digests.weekly import weekly_digest_messages

__all__ = ["Style", "digest_text", "quarterly_digest_messages", "weekly_digest_messages"]
