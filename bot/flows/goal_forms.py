"""The goal form (modal): opened by `/roadmap add`, `/roadmap edit` and the Edit button, and
its submission, which adds or saves the goal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.blocks.goals import goal_changed
from bot.blocks.modals import goal_modal
from bot.flows.context import FlowContext
from bot.flows.home import homes_after_change
from bot.flows.outcome import OpenView, Outcome
from bot.flows.people import owner_ids
from bot.ids import Field
from bot.services import goals

# Which input block shows a service's complaint about a field (the title's otherwise).
GOAL_FIELDS = {
    "title": Field.TITLE,
    "period": Field.PERIOD,
    "category": Field.CATEGORY,
    "owners": Field.OWNERS,
    "due": Field.DUE,
    "partners": Field.PARTNERS,
}
DEFAULT_FIELD = Field.TITLE


@dataclass(frozen=True)
class GoalFormSubmitted:
    """The goal modal, submitted: a new goal (`ref` None) or the edit of `ref`."""

    ref: str | None
    title: str
    period: str | None
    category: str | None
    owners: tuple[str, ...]
    due: str | None  # the datepicker's ISO date
    partners: str | None = None  # the edit modal's partner teams, as typed (issue 20)


def goal_form_effect(ctx: FlowContext, *, trigger_id: str, ref: str | None) -> OpenView:
    """The modal to add a goal (ref None) or edit one; editing needs the right to change it."""
    form = goals.goal_form(
        session=ctx.session, workspace=ctx.workspace, actor=ctx.actor, now=ctx.now, ref=ref
    )
    partners = None
    if form.goal is not None:  # team metrics (issue 20): the partner teams, editable
        from bot.flows.team import partner_names

        partners = partner_names(ctx, form.goal.ref)
    modal = goal_modal(
        periods=form.periods,
        categories=form.categories,
        goal=form.goal,
        default_period=form.default_period,
        owners=[ctx.actor.user_id],
        partners=partners,
    )
    return OpenView(trigger_id, modal)


def due_warning(ctx: FlowContext, view) -> str:
    """A warning when the goal is due outside its period ("" when it is not)."""
    warning = goals.due_outside_period(ctx.session, ctx.workspace.id, view.ref)
    return f"\n:warning: {warning}" if warning else ""


def submit_goal_form(request: GoalFormSubmitted, ctx: FlowContext) -> Outcome:
    """Add or save the goal; the person is told by DM, and the owners' Homes refreshed."""
    title = request.title.strip()
    if not title:
        return Outcome(errors={Field.TITLE: "A goal needs a title."})
    fields = dict(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        now=ctx.now,
        title=title,
        period=request.period,
        category=request.category,
        owners=owner_ids(ctx, request.owners),
        due=date.fromisoformat(request.due) if request.due else None,
    )
    if request.ref is not None:
        result = goals.edit_goal(ref=request.ref, **fields)
        what = "saved."
        if request.partners is not None:  # team metrics (issue 20)
            from bot.flows.team import save_partners_from_form

            save_partners_from_form(ctx, request.ref, request.partners)
    else:
        result = goals.add_goal(**fields)
        what = f"added to {result.period} / {result.category}."
    what += due_warning(ctx, result)
    return Outcome(reply=goal_changed(result, what), effects=homes_after_change(ctx, result.owners))
