"""App Home: publish the dashboard when someone opens the bot's Home tab."""

from __future__ import annotations

from slack_bolt import App

from bot.flows.home import OpenHome, open_home
from bot.ids import Action
from handlers.common import Invocation, listener


def register(app: App) -> None:
    app.event("app_home_opened")(listener(home_opened))
    app.action(Action.HOME_REFRESH)(listener(refresh_pressed))


def home_opened(event: dict) -> Invocation | None:
    if event.get("tab", "home") != "home":
        return None
    return Invocation(open_home, OpenHome(event["user"]), event["user"])


def refresh_pressed(body: dict) -> Invocation:
    user = body["user"]["id"]
    return Invocation(open_home, OpenHome(user), user)
