"""Team metrics buttons and modal: pulse answers (1–5, or with a comment) and the innovation
question in a check-in message. Parsing only; bot.flows.team does the rest."""

from __future__ import annotations

import json
import re

from slack_bolt import App

from bot.flows import team as flows
from bot.ids import Action, Callback, Field
from handlers.common import Invocation, field_value, listener


def register(app: App) -> None:
    app.action(re.compile(f"^{Action.PULSE_SCORE}(:|$)"))(listener(pulse_score))
    app.action(Action.PULSE_COMMENT)(listener(pulse_comment))
    app.view(Callback.PULSE_COMMENT)(listener(submit_pulse_comment))
    app.action(re.compile(f"^{Action.INNOVATION}(:|$)"))(listener(innovation))


def _where(body: dict) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    return container.get("channel_id"), container.get("message_ts")


def _numbers(value: str) -> tuple[int, int]:
    first, _, second = (value or "").partition(":")
    return int(first), int(second)


def pulse_score(body: dict, action: dict) -> Invocation:
    round_id, score = _numbers(action.get("value") or "")
    channel, ts = _where(body)
    request = flows.PulseAnswerRequest(round_id, score, None, channel, ts)
    return Invocation(flows.answer_pulse, request, body["user"]["id"])


def pulse_comment(body: dict, action: dict) -> Invocation:
    channel, ts = _where(body)
    request = flows.OpenPulseComment(int(action.get("value") or 0), body["trigger_id"], channel, ts)
    return Invocation(flows.open_pulse_comment, request, body["user"]["id"])


def submit_pulse_comment(body: dict, view: dict) -> Invocation:
    meta = json.loads(view.get("private_metadata") or "{}")
    score = field_value(view, Field.PULSE_SCORE)
    request = flows.PulseAnswerRequest(
        int(meta.get("round") or 0),
        int(score or 0),
        field_value(view, Field.PULSE_COMMENT),
        meta.get("channel"),
        meta.get("ts"),
    )
    return Invocation(
        flows.answer_pulse, request, body["user"]["id"], default_block=Field.PULSE_SCORE
    )


def innovation(body: dict, action: dict) -> Invocation:
    channel, ts = _where(body)
    request = flows.InnovationAnswerRequest(int(action.get("value") or 0), channel, ts)
    return Invocation(flows.answer_innovation, request, body["user"]["id"])
