"""Message events: thread replies to check-in prompts, and roadmap files shared with the bot."""

from __future__ import annotations

from slack_bolt import App

from bot.flows.checkin_answers import ThreadReply, thread_reply
from bot.flows.imports import RoadmapFileShared, file_shared, roadmap_file
from bot.slack_files import shared_file_fetcher
from bot.slack_reads import display_names
from bot.slack_text import Names, from_slack
from handlers.common import Invocation, listener


def register(app: App) -> None:
    # Bolt runs only the first listener that matches an event, so one routes them all.
    app.event("message")(listener(message_event))
    app.event("app_mention")(listener(mention_event))


def message_event(event: dict, client) -> Invocation | None:
    if event.get("subtype") == "file_share" and event.get("channel_type") == "im":
        return _file_shared(event, client)
    return thread_reply_event(event, display_names(client))


def mention_event(event: dict, client) -> Invocation | None:
    if event.get("files"):
        return _file_shared(event, client)
    return None


def thread_reply_event(event: dict, names: Names | None = None) -> Invocation | None:
    """A reply (or an edited reply) in a thread: the note of a cycle, if that is a prompt's.
    Its text is made plain here, once (mentions by name through `names`): flows store it as
    the person typed it and escape it once when they show it."""
    if event.get("subtype") == "message_changed":
        message = event.get("message") or {}
    elif event.get("subtype") in (None, "thread_broadcast"):
        message = event
    else:
        return None
    thread_ts, user, text = message.get("thread_ts"), message.get("user"), message.get("text")
    if not thread_ts or thread_ts == message.get("ts") or not user or message.get("bot_id"):
        return None
    if not (text or "").strip() or not event.get("channel"):
        return None
    request = ThreadReply(event["channel"], thread_ts, message["ts"], user, from_slack(text, names))
    return Invocation(thread_reply, request, user)


def _file_shared(event: dict, client) -> Invocation | None:
    """A roadmap file in the bot's DM or with a mention; the flow reads it with the fetcher."""
    file = roadmap_file(event.get("files") or [])
    user = event.get("user")
    if file is None or not user:
        return None
    request = RoadmapFileShared(
        channel=event["channel"],
        ts=event.get("ts"),
        file_id=file["id"],
        name=file.get("name"),
        fetch=shared_file_fetcher(client),
    )
    return Invocation(file_shared, request, user)
