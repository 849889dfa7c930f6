"""Buttons on the bot's messages and Home tab: paging, show, edit."""

from __future__ import annotations

import json
import re

from slack_bolt import App

from bot.flows.goal_actions import EditGoal, ShowGoal, TurnPage, edit_goal, show_goal, turn_page
from bot.ids import Action
from handlers.common import Invocation, listener


def register(app: App) -> None:
    app.action(re.compile(f"^{Action.GOALS_PAGE}"))(listener(page_pressed))
    app.action(re.compile(f"^{Action.GOAL_SHOW}"))(listener(show_pressed))
    app.action(re.compile(f"^{Action.GOAL_EDIT}"))(listener(edit_pressed))


def page_pressed(action: dict, body: dict) -> Invocation:
    filters = json.loads(action["value"])
    request = TurnPage(
        page=int(filters.get("page", 1)),
        period=filters.get("period"),
        category=filters.get("category"),
        owner=filters.get("owner"),
        status=filters.get("status"),
    )
    return Invocation(turn_page, request, body["user"]["id"])


def show_pressed(action: dict, body: dict) -> Invocation:
    return Invocation(show_goal, ShowGoal(action["value"]), body["user"]["id"])


def edit_pressed(action: dict, body: dict) -> Invocation:
    request = EditGoal(action["value"], body["trigger_id"])
    return Invocation(edit_goal, request, body["user"]["id"])
