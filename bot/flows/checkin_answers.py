"""Check-in answers from reactions, buttons, the note modal and thread replies."""

from __future__ import annotations

from bot.blocks.checkins import prompt_message
from bot.flows.context import FlowContext
from bot.flows.home import home_effects
from bot.flows.outcome import Effect, Update
from bot.services.checkins import CheckinResult


def answer_effects(ctx: FlowContext, result: CheckinResult) -> list[Effect]:
    """After an answer: show what was recorded on every prompt of the goal, and refresh the
    Home of its owners and of the person who answered."""
    message = prompt_message(result.goal, result.cycle, recorded=result)
    updates: list[Effect] = [Update(channel, ts, message) for channel, ts in result.prompts]
    return updates + home_effects(ctx, [*result.owners, result.by])
