"""The owner fix: the button under an import's unresolved owner names, and its modal."""

from __future__ import annotations

import json

from slack_bolt import App

from bot.flows.people import FixOwnersPressed, OwnersChosen, fix_owners_pressed, owners_chosen
from bot.ids import Action, Callback
from handlers.common import Invocation, listener


def register(app: App) -> None:
    app.action(Action.OWNERS_FIX)(listener(fix_pressed))
    app.view(Callback.OWNERS_FIX)(listener(fix_submitted))


def fix_pressed(body: dict) -> Invocation:
    return Invocation(fix_owners_pressed, FixOwnersPressed(body["trigger_id"]), body["user"]["id"])


def fix_submitted(body: dict, view: dict) -> Invocation:
    names = json.loads(view.get("private_metadata") or "[]")
    values = view["state"]["values"]
    choices = {
        name: (values.get(f"owner_{i}", {}).get("user") or {}).get("selected_user")
        for i, name in enumerate(names)
    }
    return Invocation(
        owners_chosen, OwnersChosen(choices), body["user"]["id"], default_block="owner_0"
    )
