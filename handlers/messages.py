"""Message events: thread replies to check-in prompts, and roadmap files shared with the bot."""

from __future__ import annotations

from slack_bolt import App

from handlers import checkins, roadmap_io
from handlers.legacy import legacy_listener as listener


def register(app: App) -> None:
    # Bolt runs only the first listener that matches an event, so one routes them all.
    app.event("message")(listener(message_event))
    app.event("app_mention")(listener(mention_event))


def message_event(body: dict, event: dict, db, client, context) -> None:
    if event.get("subtype") == "file_share" and event.get("channel_type") == "im":
        if checkins.first_delivery(body, db):
            roadmap_io.file_shared(event, db, client, context)
        return
    checkins.message_posted(body, event, db, client, context)


def mention_event(body: dict, event: dict, db, client, context) -> None:
    if event.get("files") and checkins.first_delivery(body, db):
        roadmap_io.file_shared(event, db, client, context)
