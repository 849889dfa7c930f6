"""App Home: publish the dashboard when someone opens the bot's Home tab."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks.home import home_view
from bot.services.dashboard import home_summary
from bot.services.workspaces import ensure_workspace
from handlers.common import listener


def register(app: App) -> None:
    app.event("app_home_opened")(listener(publish_home))


def publish_home(event: dict, context, db, client) -> None:
    if event.get("tab", "home") != "home":
        return
    workspace = ensure_workspace(
        session=db, team_id=context.team_id, enterprise_id=context.enterprise_id
    )
    summary = home_summary(session=db, workspace_id=workspace.id)
    client.views_publish(user_id=event["user"], view=home_view(summary))
