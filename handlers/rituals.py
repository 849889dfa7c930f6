"""Buttons and modals on the ritual reminders: knowledge sharing (volunteer, swap, skip, topic,
held) and retrospectives (add items, make actions goals, carry goals over).

Each handler reads where the reminder is and what was pressed or typed; the flows in
bot.flows.rituals do the rest.
"""

from __future__ import annotations

import json
import re

from slack_bolt import App

from bot.blocks.rituals import OccurrenceRef, RetroRef
from bot.flows import rituals as flows
from bot.flows.outcome import Outcome
from bot.flows.rituals import OccurrenceButton, Reminder
from bot.ids import Action, Callback, Field
from handlers.common import Invocation, field_value, listener, members_lookup


def register(app: App) -> None:
    app.action(Action.OCCURRENCE_VOLUNTEER)(listener(volunteer))
    app.action(Action.OCCURRENCE_SWAP)(listener(swap))
    app.action(Action.OCCURRENCE_SKIP)(listener(skip))
    app.action(Action.OCCURRENCE_HELD)(listener(held))
    app.action(Action.OCCURRENCE_TOPIC)(listener(open_topic))
    app.view(Callback.OCCURRENCE_TOPIC)(listener(submit_topic))
    app.action(re.compile(f"^{Action.RETRO_ADD}(:|$)"))(listener(open_retro_item))
    app.view(Callback.RETRO_ITEM)(listener(submit_retro_item))
    app.action(re.compile(f"^{Action.RETRO_PROMOTE}(:|$)"))(listener(promote))
    app.action(Action.RETRO_CARRY)(listener(carry_over))


# --- where a reminder is ---------------------------------------------------------------------


def reminder_of_action(body: dict) -> Reminder:
    """The message the button is on: a channel message, or an ephemeral one (a schedule
    preview) that only its response_url can replace."""
    container = body.get("container") or {}
    ephemeral = bool(container.get("is_ephemeral"))
    return Reminder(
        channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
        ts=None if ephemeral else container.get("message_ts"),
        response_url=body.get("response_url") if ephemeral else None,
    )


def opened_from(view: dict) -> tuple[str, Reminder]:
    """The reminder's block id and where it is, as the modal was opened with them."""
    meta = json.loads(view.get("private_metadata") or "{}")
    return meta["block"], Reminder(meta.get("channel"), meta.get("ts"), meta.get("url"))


# --- knowledge sharing -----------------------------------------------------------------------


def _button(flow, body: dict, action: dict, client, context, to_user: str = "") -> Invocation:
    request = OccurrenceButton(
        ref=OccurrenceRef.parse(action["block_id"]),
        reminder=reminder_of_action(body),
        members=members_lookup(client, context.bot_user_id),
        to_user=to_user,
    )
    return Invocation(flow, request, body["user"]["id"])


def volunteer(body: dict, action: dict, client, context) -> Invocation:
    return _button(flows.volunteer, body, action, client, context)


def swap(body: dict, action: dict, client, context) -> Invocation:
    to_user = action.get("selected_user") or ""
    return _button(flows.swap, body, action, client, context, to_user)


def skip(body: dict, action: dict, client, context) -> Invocation:
    return _button(flows.skip, body, action, client, context)


def held(body: dict, action: dict, client, context) -> Invocation:
    return _button(flows.mark_held, body, action, client, context)


def open_topic(body: dict, action: dict) -> Invocation:
    request = flows.OpenTopic(
        ref=OccurrenceRef.parse(action["block_id"]),
        block_id=action["block_id"],
        reminder=reminder_of_action(body),
        trigger_id=body["trigger_id"],
    )
    return Invocation(flows.open_topic, request, body["user"]["id"])


def submit_topic(body: dict, view: dict) -> Invocation:
    block_id, reminder = opened_from(view)
    request = flows.SubmitTopic(
        OccurrenceRef.parse(block_id), reminder, field_value(view, Field.TOPIC) or ""
    )
    return Invocation(flows.submit_topic, request, body["user"]["id"], default_block=Field.TOPIC)


# --- retrospectives --------------------------------------------------------------------------


def open_retro_item(body: dict, action: dict) -> Outcome:
    request = flows.OpenRetroItem(
        kind=action.get("value") or "went_well",
        block_id=action["block_id"],
        reminder=reminder_of_action(body),
        trigger_id=body["trigger_id"],
    )
    return flows.retro_item_form(request)


def submit_retro_item(body: dict, view: dict) -> Invocation:
    block_id, reminder = opened_from(view)
    request = flows.SubmitRetroItem(
        ref=RetroRef.parse(block_id),
        reminder=reminder,
        kind=field_value(view, Field.RETRO_KIND) or "",
        text=field_value(view, Field.RETRO_TEXT) or "",
    )
    return Invocation(
        flows.submit_retro_item, request, body["user"]["id"], default_block=Field.RETRO_TEXT
    )


def promote(body: dict, action: dict) -> Invocation:
    request = flows.PromoteAction(
        RetroRef.parse(action["block_id"]), reminder_of_action(body), int(action["value"])
    )
    return Invocation(flows.promote_action, request, body["user"]["id"])


def carry_over(body: dict, action: dict) -> Invocation:
    request = flows.CarryGoalsOver(RetroRef.parse(action["block_id"]), reminder_of_action(body))
    return Invocation(flows.carry_over, request, body["user"]["id"])
