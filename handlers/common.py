"""What every listener shares: the unit of work around one flow, and its error handling.

A handler parses Bolt's payload into an `Invocation` (the flow to run, its typed request and
who is asking) or an immediate `Outcome` (help, a parse error), and returns it. `listener`
does the rest, the same way for every surface:

- acks a slash command or a button at once (a command's immediate outcome is its ack);
- opens the request's context and runs the flow in one transaction, committed once, before
  any effect runs;
- a `ServiceError` rolls back and becomes the person's private reply (or the modal's field
  error); anything else rolls back, is logged with an error id, and the person is told that id;
- hands the outcome to the effects executor.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.request import BoltRequest
from slack_bolt.util.utils import get_arg_names_of_callable

from bot.blocks.replies import apology
from bot.effects import SlackEffects, Surface
from bot.flows.outcome import Outcome
from bot.flows.runner import Invocation, Origin, run_flow
from bot.slack_reads import (
    SlackReads,
    channel_lookup,
    members_lookup,
    people_reads,
    user_lookup,
)

__all__ = ["Invocation", "field_value", "listener", "members_lookup"]

log = logging.getLogger(__name__)


def request_kind(body: dict) -> str:
    if body.get("type") == "event_callback":
        return "event"
    if body.get("type") == "block_actions":
        return "action"
    if body.get("type") in ("view_submission", "view_closed"):
        return "view"
    if "command" in body:
        return "command"
    return "direct"


def request_channel(body: dict) -> str | None:
    event = body.get("event") or {}
    container = body.get("container") or {}
    return (
        body.get("channel_id")
        or container.get("channel_id")
        or (body.get("channel") or {}).get("id")
        or event.get("channel")
        or (event.get("item") or {}).get("channel")
    )


def listener(handler: Callable[..., Invocation | Outcome | None]) -> Callable[[BoltRequest], Any]:
    """Wrap a handler (which takes Bolt's usual keyword arguments) as a Bolt listener."""
    arg_names = get_arg_names_of_callable(handler)

    @functools.wraps(handler)
    def run(request: BoltRequest) -> None:
        kwargs = build_required_kwargs(
            logger=log,
            required_arg_names=list(arg_names),
            request=request,
            response=None,
            this_func=handler,
            next_keys_required=False,
        )
        body = request.body
        kind = request_kind(body)
        ack = request.context.ack
        session = request.context.get("db")
        try:
            run_handler(request, kind, handler(**kwargs))
        except Exception:
            if session is not None:
                session.rollback()
            error_id = uuid.uuid4().hex[:8]
            log.exception("listener %s failed (error id %s)", handler.__name__, error_id)
            if ack is not None and ack.response is None:
                if kind == "command":
                    ack(text=apology(error_id).text)
                    return
                ack()
            executor(request, kind).reply(apology(error_id))
        finally:
            if session is not None:
                session.close()

    # Bolt reads the argument names through __wrapped__; ours is `request` alone.
    del run.__wrapped__
    return run


def run_handler(request: BoltRequest, kind: str, invocation: Invocation | Outcome | None) -> None:
    ack = request.context.ack
    acked = ack is None or ack.response is not None
    if isinstance(invocation, Outcome) or invocation is None:
        outcome = invocation or Outcome()
        if not acked:
            if kind == "command" and outcome.reply is not None:
                response_type = "in_channel" if outcome.share else "ephemeral"
                ack(response_type=response_type, **outcome.reply.to_dict())
                outcome = Outcome(effects=outcome.effects)
            elif kind == "view" and outcome.errors:
                ack(response_action="errors", errors=outcome.errors)
                return
            else:
                ack()
        executor(request, kind).perform(outcome)
        return
    if kind in ("command", "action") and not acked:
        ack()  # the flow may touch the database or Slack: answer in the background
        acked = True
    outcome = _run(request, kind, invocation)
    if kind == "view" and not acked:
        if outcome.errors:
            ack(response_action="errors", errors=outcome.errors)
            return
        ack()
    executor(request, kind).perform(outcome)


def _run(request: BoltRequest, kind: str, invocation: Invocation) -> Outcome:
    """Run the flow in the request's own session (committed once, or rolled back)."""
    context = request.context
    body = request.body
    origin = Origin(
        team_id=context.team_id,
        enterprise_id=context.enterprise_id,
        channel_id=request_channel(body),
        event_id=body.get("event_id") if kind == "event" else None,
        event_type=(body.get("event") or {}).get("type", ""),
        modal=kind == "view",
    )
    return run_flow(
        context["db"],
        invocation,
        origin,
        lookup_user=user_lookup(context.client),
        people=people_reads(context.client),
        lookup_channel=channel_lookup(context.client, context.team_id),
        reads=SlackReads(context.client, context.bot_user_id),
    )


def executor(request: BoltRequest, kind: str) -> SlackEffects:
    context = request.context
    body = request.body
    runtime = context["runtime"]
    user = (
        (body.get("user") or {}).get("id")
        or body.get("user_id")
        or (body.get("event") or {}).get("user")
        or ""
    )
    respond = context.respond if (kind == "command" or body.get("response_url")) else None
    return SlackEffects(
        context.client,
        team_id=context.team_id or "",
        pacer=runtime.pacer,
        surface=Surface(kind, user, request_channel(body), respond),
        send_deliveries=getattr(runtime, "send_deliveries", None),
    )


def field_value(view: dict, field: str):
    """The submitted value of one modal input (block and action id `field`), whatever its
    element type."""
    element = view["state"]["values"].get(field, {}).get(field) or {}
    kind = element.get("type")
    if kind == "static_select":
        option = element.get("selected_option")
        return option["value"] if option else None
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "checkboxes":
        return [o["value"] for o in element.get("selected_options") or []]
    return element.get("value")
