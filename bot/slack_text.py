"""Text as Slack sends it, made into the plain text the person typed: one helper for every
entry point.

Slack sends message text (events, edits, slash commands) with the `&`, `<` and `>` a person
typed escaped as `&amp;`, `&lt;`, `&gt;`, and what Slack itself made of the text as control
sequences: `<@U…>` for a mention, `<#C…|name>` for a channel, `<!subteam^S…|@eng>`,
`<!here>`, `<https://…|label>` for a link. `from_slack` undoes the escaping once and turns the
control sequences into readable text (`@Alice Archer`, `#eng`, `@eng`, `@here`,
`label (https://…)`); the result is stored as is and escaped once on the way out
(bot.blocks.text.escape_mrkdwn), so a note reads as it was typed and pings nobody.

Plain-text inputs of a modal arrive unescaped: they are not passed through here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A user id → the person's name (None when Slack would not say), built at the edge.
Names = Callable[[str], str | None]

_SLACK_ID = r"[A-Z][A-Z0-9]{1,40}"
_LABEL = r"[^<>]{0,256}"
ENTITY = re.compile(
    rf"<@(?P<user>{_SLACK_ID})(?:\|(?P<user_label>{_LABEL}))?>"
    rf"|<#(?P<channel>{_SLACK_ID})(?:\|(?P<channel_label>{_LABEL}))?>"
    rf"|<!(?P<special>[^<>|]{{1,256}})(?:\|(?P<special_label>{_LABEL}))?>"
    r"|<(?P<link>[A-Za-z][A-Za-z0-9+.\-]{0,31}:[^<>|\s]{1,2000})"
    rf"(?:\|(?P<link_label>{_LABEL}))?>"
)
_HTML_ESCAPES = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
_HTML = re.compile(r"&(?:amp|lt|gt);")
_SLACK_TEXT = re.compile(rf"{ENTITY.pattern}|(?P<html>&(?:amp|lt|gt);)")

# What a mention becomes: (id, label as Slack sent it, escaped) → text.
Mention = Callable[[str, str | None], str]


def unescape(text: str) -> str:
    """Undo Slack's escaping of `&`, `<` and `>` (one pass: `&amp;lt;` becomes `&lt;`)."""
    return _HTML.sub(lambda match: _HTML_ESCAPES[match.group()], text)


def special_text(body: str, label: str | None) -> str:
    """`<!here>` → `@here`, `<!subteam^S1|@eng>` → `@eng`, `<!date^…|Feb 18>` → `Feb 18`."""
    if label:
        return unescape(label)
    return "@" + body.split("^", 1)[0]


def link_text(url: str, label: str | None) -> str:
    """`<https://x|label>` → `label (https://x)`; a link shown as itself → its URL;
    `<mailto:a@b.c|a@b.c>` → `a@b.c`."""
    url = unescape(url)
    if url.startswith("mailto:"):
        url = url.removeprefix("mailto:")
    if not label or unescape(label) in url:
        return url
    return f"{unescape(label)} ({url})"


def translate(text: str, *, user: Mention, channel: Mention) -> str:
    """Slack's text with every control sequence replaced and the escaping undone, in one
    pass (so a typed `&lt;@U1&gt;` stays the text `<@U1>`). `user` and `channel` say what a
    mention becomes; broadcasts become `@here`-style text and links their label and URL."""

    def replace(match: re.Match[str]) -> str:
        if match["user"]:
            return user(match["user"], match["user_label"])
        if match["channel"]:
            return channel(match["channel"], match["channel_label"])
        if match["special"]:
            return special_text(match["special"], match["special_label"])
        if match["link"]:
            return link_text(match["link"], match["link_label"])
        return _HTML_ESCAPES[match["html"]]

    return _SLACK_TEXT.sub(replace, text)


def from_slack(text: str, names: Names | None = None) -> str:
    """Message text from Slack as the person typed it: `<@U1>` → `@Alice Archer` (the name
    from `names`, else the label Slack sent, else the id), `<#C1|eng>` → `#eng`, escapes
    undone once. Whitespace is kept as sent."""

    def user(user_id: str, label: str | None) -> str:
        name = names(user_id) if names else None
        return "@" + (name or (unescape(label).lstrip("@") if label else None) or user_id)

    def channel(channel_id: str, label: str | None) -> str:
        return "#" + ((unescape(label).lstrip("#") if label else None) or channel_id)

    return translate(text, user=user, channel=channel)


def to_slack(text: str) -> str:
    """What Slack sends for text a person typed (no mentions): `&`, `<`, `>` escaped.
    The inverse of `from_slack` on such text; the tests and the console use it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
