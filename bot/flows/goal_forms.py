"""The goal form (modal): opened by `/roadmap add`, `/roadmap edit` and the Edit button."""

from __future__ import annotations

from bot.blocks.modals import goal_modal
from bot.flows.context import FlowContext
from bot.flows.outcome import OpenView
from bot.services import goals


def goal_form_effect(ctx: FlowContext, *, trigger_id: str, ref: str | None) -> OpenView:
    """The modal to add a goal (ref None) or edit one; editing needs the right to change it."""
    form = goals.goal_form(
        session=ctx.session, workspace=ctx.workspace, actor=ctx.actor, now=ctx.now, ref=ref
    )
    modal = goal_modal(
        periods=form.periods,
        categories=form.categories,
        goal=form.goal,
        default_period=form.default_period,
        owners=[ctx.actor.user_id],
    )
    return OpenView(trigger_id, modal)
