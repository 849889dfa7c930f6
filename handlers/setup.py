"""The setup checklist on an admin's Home tab: a channel picker, time zone and holiday
buttons, an admins picker (the import button is handlers.roadmap_io's)."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.flows.setup import (
    SetupAdmins,
    SetupChannel,
    SetupHolidays,
    SetupTimezone,
    set_admins,
    set_channel,
    set_holidays,
    set_timezone,
)
from bot.ids import Action
from handlers.common import Invocation, listener


def register(app: App) -> None:
    app.action(Action.SETUP_CHANNEL)(listener(channel_picked))
    app.action(Action.SETUP_TIMEZONE)(listener(timezone_pressed))
    app.action(re.compile(f"^{Action.SETUP_HOLIDAYS}:"))(listener(holidays_pressed))
    app.action(Action.SETUP_ADMINS)(listener(admins_picked))


def channel_picked(action: dict, body: dict) -> Invocation:
    channel = action.get("selected_conversation") or action.get("selected_channel") or ""
    return Invocation(set_channel, SetupChannel(channel), body["user"]["id"])


def timezone_pressed(action: dict, body: dict) -> Invocation:
    return Invocation(set_timezone, SetupTimezone(action["value"]), body["user"]["id"])


def holidays_pressed(action: dict, body: dict) -> Invocation:
    value = action.get("value") or "no"
    request = SetupHolidays(None if value == "no" else value)
    return Invocation(set_holidays, request, body["user"]["id"])


def admins_picked(action: dict, body: dict) -> Invocation:
    users = tuple(action.get("selected_users") or ())
    return Invocation(set_admins, SetupAdmins(users), body["user"]["id"])
