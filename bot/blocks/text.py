"""Safe text for Slack: user-written text never pings or links anything."""

from __future__ import annotations

from bot.wording import plural  # noqa: F401  (builders import it from here)


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control: &, < and >.

    That neutralises <!channel>, <@U…> and <https://x|label>; nothing else needs escaping.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    """Shorten at a word boundary so the result (with the ellipsis) fits in `limit`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + ellipsis
