"""Safe text for Slack: user-written text never pings or links anything."""

from __future__ import annotations


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


_IRREGULAR = {"person": "people", "reply": "replies", "entry": "entries", "category": "categories"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """ "1 goal", "2 goals", "0 goals"; "1 person", "3 people"."""
    if count == 1:
        return f"{count} {noun}"
    many = (
        many
        or _IRREGULAR.get(noun)
        or (noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s")
    )
    return f"{count} {many}"
