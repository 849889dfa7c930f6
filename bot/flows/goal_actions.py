"""Buttons on goal lists and cards: turn a page, show a goal, edit it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.goals import goal_card, goal_page
from bot.flows.context import FlowContext
from bot.flows.goal_forms import goal_form_effect
from bot.flows.outcome import Outcome
from bot.services import goals
from bot.services.actors import can_change_goal


@dataclass(frozen=True)
class TurnPage:
    """A page button of a goal list; the filters are the list's own."""

    page: int
    period: str | None = None
    category: str | None = None
    owner: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class ShowGoal:
    ref: str


@dataclass(frozen=True)
class EditGoal:
    ref: str
    trigger_id: str


def turn_page(request: TurnPage, ctx: FlowContext) -> Outcome:
    """The page replaces the list it was asked from."""
    page = goals.list_goals(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        now=ctx.now,
        period=request.period,
        category=request.category,
        owner=request.owner,
        status=request.status,
        page=request.page,
    )
    return Outcome(reply=goal_page(page), replace_original=True)


def show_goal(request: ShowGoal, ctx: FlowContext) -> Outcome:
    goal = goals.get_goal(ctx.session, ctx.workspace.id, request.ref)
    card = goal_card(
        goals.goal_view(ctx.session, goal),
        can_change=can_change_goal(ctx.workspace, ctx.actor, goal),
    )
    return Outcome(reply=card)


def edit_goal(request: EditGoal, ctx: FlowContext) -> Outcome:
    return Outcome(effects=[goal_form_effect(ctx, trigger_id=request.trigger_id, ref=request.ref)])
