"""Check-in answers: reactions on prompts, buttons, the note modal (thread replies arrive
with the other message events, in handlers.messages)."""

from __future__ import annotations

import json
import re

from slack_bolt import App

from bot.flows.checkin_answers import (
    CheckinButton,
    NoteButton,
    NoteSubmitted,
    ReactionAdded,
    ReactionRemoved,
    WhichGoalChosen,
    checkin_button,
    note_button,
    reaction_added,
    reaction_removed,
    submit_note,
    which_goal_chosen,
)
from bot.ids import Action, Callback, Field
from handlers.common import Invocation, field_value, listener


def register(app: App) -> None:
    app.event("reaction_added")(listener(reaction_added_event))
    app.event("reaction_removed")(listener(reaction_removed_event))
    app.action(re.compile(f"^{Action.GOAL_CHECKIN}"))(listener(checkin_pressed))
    app.action(Action.GOAL_NOTE)(listener(note_pressed))
    app.view(Callback.CHECKIN_NOTE)(listener(note_submitted))
    app.action(re.compile(f"^{Action.CHECKIN_WHICH}"))(listener(which_goal_pressed))


def reaction_added_event(event: dict, context) -> Invocation | None:
    item = event.get("item") or {}
    user = event.get("user")
    if item.get("type") != "message" or not user or user == context.bot_user_id:
        return None
    request = ReactionAdded(item["channel"], item["ts"], event["reaction"], user)
    return Invocation(reaction_added, request, user)


def reaction_removed_event(event: dict) -> Invocation | None:
    item = event.get("item") or {}
    user = event.get("user")
    if item.get("type") != "message" or not user:
        return None
    request = ReactionRemoved(item["channel"], item["ts"], event["reaction"], user)
    return Invocation(reaction_removed, request, user)


def _message_of(body: dict) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    return container.get("channel_id"), container.get("message_ts")


def checkin_pressed(action: dict, body: dict) -> Invocation:
    ref, status = action["value"].split(" ", 1)
    channel, ts = _message_of(body)
    user = body["user"]["id"]
    return Invocation(checkin_button, CheckinButton(ref, status, channel, ts), user)


def note_pressed(action: dict, body: dict) -> Invocation:
    channel, ts = _message_of(body)
    user = body["user"]["id"]
    request = NoteButton(action["value"], body["trigger_id"], channel, ts)
    return Invocation(note_button, request, user)


def note_submitted(body: dict, view: dict) -> Invocation:
    meta = json.loads(view.get("private_metadata") or "{}")
    request = NoteSubmitted(
        ref=meta.get("ref", ""),
        prompt_id=meta.get("prompt"),
        status=field_value(view, Field.STATUS),
        progress=field_value(view, Field.PROGRESS) or "",
        note=field_value(view, Field.NOTE) or "",
    )
    return Invocation(submit_note, request, body["user"]["id"], default_block=Field.STATUS)


def which_goal_pressed(action: dict, body: dict) -> Invocation:
    """A button of the private "which goal?" question under a thread reply."""
    value = json.loads(action["value"])
    request = WhichGoalChosen(int(value["r"]), value["g"], value["ts"], value["t"])
    return Invocation(which_goal_chosen, request, body["user"]["id"])
