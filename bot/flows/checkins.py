"""Check-in commands: check in on a goal, send the prompts now, a goal's history, away, back."""

from __future__ import annotations

import functools
from datetime import date

from bot.blocks.checkins import checkin_confirmation, history_message
from bot.blocks.deliveries import prompts_posted
from bot.blocks.message import simple
from bot.flows.checkin_answers import answer_effects
from bot.flows.commands import Away, Back, Checkin, CheckinPrompt, CommandCall, History
from bot.flows.context import FlowContext
from bot.flows.outcome import Outcome, RunDeliveries
from bot.scheduling.manual import manual_delivery
from bot.services import checkins
from bot.services.actors import require_admin
from bot.services.errors import InvalidInput
from bot.services.periods import workspace_today
from bot.wording import day_text


def checkin(call: CommandCall[Checkin | CheckinPrompt], ctx: FlowContext) -> Outcome:
    """`/roadmap checkin G12 on-track …` records an answer; `/roadmap checkin prompt` sends
    everyone's prompts now (roadmap admins only)."""
    cmd = call.command
    if isinstance(cmd, CheckinPrompt):
        return prompt_now(ctx)
    result = checkins.record_checkin(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        ref=cmd.ref,
        now=ctx.now,
        source="command",
        status=cmd.status,
        progress=cmd.progress,
        note=cmd.note,
    )
    return Outcome(
        reply=checkin_confirmation(result), effects=answer_effects(ctx, result), share=call.share
    )


def prompt_now(ctx: FlowContext) -> Outcome:
    """A manual delivery of the check-in prompt schedule, sent after the commit."""
    require_admin(ctx.workspace, ctx.actor, "send the check-in prompts")
    delivery_id = manual_delivery(
        ctx.session, ctx.workspace, kind="checkin_prompt", user_id=ctx.actor.user_id, now=ctx.now
    )
    report = functools.partial(prompts_posted, delivery_id)
    return Outcome(effects=[RunDeliveries((delivery_id,), report=report)])


def history(call: CommandCall[History], ctx: FlowContext) -> Outcome:
    goal, entries = checkins.history(
        session=ctx.session, workspace=ctx.workspace, ref=call.command.ref
    )
    return Outcome(reply=history_message(goal, entries), share=call.share)


def away(call: CommandCall[Away], ctx: FlowContext) -> Outcome:
    until = call.command.until
    today = workspace_today(ctx.workspace, ctx.now)
    if until is not None and until < today:
        raise InvalidInput(
            f"{day_text(until, today)} is in the past; give a date from today on, "
            "e.g. `/roadmap away until 30 June`."
        )
    # No date means away until /roadmap back: the furthest date there is.
    checkins.set_away(
        session=ctx.session, workspace=ctx.workspace, actor=ctx.actor, until=until or date.max
    )
    when = f" until {day_text(until, today)}" if until else " until you say `/roadmap back`"
    text = f":palm_tree: You're away{when}: no check-in prompts for you till then."
    return Outcome(reply=simple(text), share=call.share)


def back(call: CommandCall[Back], ctx: FlowContext) -> Outcome:
    checkins.set_away(session=ctx.session, workspace=ctx.workspace, actor=ctx.actor, until=None)
    text = ":wave: Welcome back: check-in prompts will reach you again."
    return Outcome(reply=simple(text), share=call.share)
