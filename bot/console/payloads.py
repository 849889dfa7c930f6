"""The requests Slack would send the app, built and signed like Slack's own."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from bot.console.workspace import APP_ID, BOT_USER_ID
from bot.slack_text import to_slack

API_APP_ID = APP_ID
_event_numbers = itertools.count(1)


def signed_headers(secret: str, body: str, content_type: str) -> dict[str, str]:
    """Headers carrying Slack's v0 signature: HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    timestamp = str(int(time.time()))
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": f"v0={digest}",
    }


def command_body(
    *,
    command: str,
    text: str,
    team_id: str,
    team_domain: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    response_url: str,
    trigger_id: str,
) -> str:
    """A slash command's form body, field for field as Slack posts it."""
    return urlencode(
        {
            "token": "console-verification-token",
            "team_id": team_id,
            "team_domain": team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def event_body(event: dict[str, Any], *, team_id: str, bot_user_id: str) -> str:
    """An Events API `event_callback` envelope with a fresh event id."""
    event_id = f"Ev0LOCAL{next(_event_numbers):04d}{uuid.uuid4().hex[:6].upper()}"
    return json.dumps(
        {
            "token": "console-verification-token",
            "team_id": team_id,
            "api_app_id": API_APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def reaction_event(*, user: str, name: str, channel: str, ts: str, added: bool) -> dict[str, Any]:
    """A `reaction_added` (or `reaction_removed`) event on a message of the bot's."""
    return {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user,
        "reaction": name,
        "item_user": BOT_USER_ID,
        "item": {"type": "message", "channel": channel, "ts": ts},
    }


def reply_event(*, user: str, text: str, channel: str, ts: str, thread_ts: str) -> dict[str, Any]:
    """A `message` event: `user` replied `text` in the thread of the bot's message (its
    `text` with `&`, `<`, `>` escaped, as Slack sends it)."""
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": to_slack(text),
        "ts": ts,
        "thread_ts": thread_ts,
        "parent_user_id": BOT_USER_ID,
        "channel_type": "im" if channel.startswith("D") else "channel",
        "client_msg_id": str(uuid.uuid4()),
        "blocks": [{"type": "rich_text", "block_id": "cnsl", "elements": [section]}],
    }


def file_share_event(
    *, user: str, channel: str, ts: str, file: dict[str, Any], text: str
) -> dict[str, Any]:
    """A `message` event of subtype `file_share`: `user` shared `file` in `channel`."""
    return {
        "type": "message",
        "subtype": "file_share",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "files": [file],
        "upload": True,
        "display_as_bot": False,
        "channel_type": "im" if channel.startswith("D") else "channel",
    }


def interaction_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def action_value(element: dict[str, Any], choice: str | None) -> dict[str, Any]:
    """The `actions[]` entry for using `element`, choosing `choice` for menus and pickers."""
    kind = element.get("type", "")
    action: dict[str, Any] = {
        "action_id": element.get("action_id", ""),
        "type": kind,
        "action_ts": f"{time.time():.6f}",
    }
    if kind == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        if element.get("style"):
            action["style"] = element["style"]
        return action
    action.update(element_state(element, choice or ""))
    action["type"] = kind
    return action


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options", [])
    return options


def _option(element: dict[str, Any], choice: str) -> dict[str, Any]:
    """The option whose value or text matches `choice` (or its 1-based number)."""
    options = _options(element)
    wanted = choice.strip().casefold()
    for option in options:
        text = option.get("text") or {}
        label = text.get("text", "") if isinstance(text, dict) else str(text)
        if wanted in (str(option.get("value", "")).casefold(), label.casefold()):
            return option
    if wanted.isdigit() and 0 < int(wanted) <= len(options):
        return options[int(wanted) - 1]
    return {"text": {"type": "plain_text", "text": choice}, "value": choice}


def _split(value: str) -> list[str]:
    return [part.strip().strip("<>@#") for part in value.split(",") if part.strip()]


def element_state(element: dict[str, Any], value: str | None) -> dict[str, Any]:
    """An input element's entry in `view.state.values`, filled with `value` (None: empty)."""
    kind = element.get("type", "")
    state: dict[str, Any] = {"type": kind}
    plural = kind.startswith("multi_") or kind == "checkboxes"
    if value is None:
        return state | _initial_state(element, kind)
    if kind in ("static_select", "external_select", "radio_buttons", "overflow"):
        state["selected_option"] = _option(element, value)
    elif kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        state["selected_options"] = [_option(element, v) for v in _split(value)]
    elif kind == "datepicker":
        state["selected_date"] = value
    elif kind == "timepicker":
        state["selected_time"] = value
    elif kind == "datetimepicker":
        state["selected_date_time"] = int(value) if value.isdigit() else value
    elif kind.endswith(("users_select", "conversations_select", "channels_select")):
        noun = kind.removeprefix("multi_").removesuffix("s_select").removesuffix("_select")
        if plural:
            state[f"selected_{noun}s"] = _split(value)
        else:
            state[f"selected_{noun}"] = value.strip().strip("<>@#")
    elif kind == "rich_text_input":
        state["rich_text_value"] = {
            "type": "rich_text",
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": value}]}
            ],
        }
    else:
        state["value"] = value
    return state


def _initial_state(element: dict[str, Any], kind: str) -> dict[str, Any]:
    """What Slack sends for an input the user did not touch: its initial value, or null."""
    if kind.endswith("input") and kind != "rich_text_input":
        return {"value": element.get("initial_value")}
    if "initial_option" in element:
        return {"selected_option": element["initial_option"]}
    if kind.startswith("multi_static") or kind == "checkboxes":
        return {"selected_options": element.get("initial_options", [])}
    if kind in ("static_select", "external_select", "radio_buttons"):
        return {"selected_option": None}
    initial = {
        "datepicker": ("selected_date", "initial_date"),
        "timepicker": ("selected_time", "initial_time"),
        "users_select": ("selected_user", "initial_user"),
        "multi_users_select": ("selected_users", "initial_users"),
        "conversations_select": ("selected_conversation", "initial_conversation"),
        "channels_select": ("selected_channel", "initial_channel"),
    }.get(kind)
    if initial:
        return {initial[0]: element.get(initial[1])}
    return {}


def state_values(
    view: dict[str, Any], assignments: dict[str, str]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """`view.state.values` with `assignments` matched to input blocks by block_id or action_id.

    Returns the values and the keys that matched no input block.
    """
    remaining = {key.casefold(): key for key in assignments}
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks") or []:
        element = block.get("element")
        if block.get("type") != "input" or not element:
            continue
        block_id = block.get("block_id") or ""
        action_id = element.get("action_id") or ""
        value = None
        for key in (block_id, action_id):
            if key.casefold() in remaining:
                value = assignments[remaining.pop(key.casefold())]
                break
        values.setdefault(block_id, {})[action_id] = element_state(element, value)
    return values, list(remaining.values())
