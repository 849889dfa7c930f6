"""App Home: publish the dashboard when someone opens the bot's Home tab."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.blocks.home import home_view
from bot.services.dashboard import home_summary
from handlers.common import listener
from handlers.context import RequestContext, request_context

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("app_home_opened")(listener(publish_home))


def publish_home(event: dict, context, db, client) -> None:
    if event.get("tab", "home") != "home":
        return
    publish_home_for(db=db, client=client, context=context, user_id=event["user"])


def publish_home_for(*, db, client, context, user_id: str) -> None:
    ctx = request_context(db=db, context=context, client=client, user_id=user_id)
    refresh_home(db, client, ctx.workspace, user_id, ctx.now)


def refresh_home(db, client, workspace, user_id: str, now) -> None:
    """Publish `user_id`'s dashboard as it is now."""
    summary = home_summary(session=db, workspace=workspace, user_id=user_id, now=now)
    client.views_publish(user_id=user_id, view=home_view(summary))


def refresh_homes(ctx: RequestContext) -> None:
    """Publish the App Home of everyone whose goals changed (and the person who changed them)."""
    people = {ctx.actor.user_id} if ctx.changed else set()
    for view in ctx.changed:
        people |= {o for o in view.owners if o[:1] in "UW"}
    for user_id in sorted(people):
        try:
            refresh_home(ctx.session, ctx.client, ctx.workspace, user_id, ctx.now)
        except SlackApiError as error:
            log.warning(
                "could not refresh the Home of %s: %s", user_id, error.response.get("error")
            )
