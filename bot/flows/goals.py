"""Goal commands: list, show, add, edit, assign, progress, status, done, archive.

A change is stored, confirmed to the person, and shown on the App Home of the goal's owners
and of the person who made it.
"""

from __future__ import annotations

from bot.blocks.goals import goal_card, goal_changed, goal_choices, goal_page
from bot.flows.commands import (
    AddGoal,
    ArchiveGoal,
    AssignGoal,
    CommandCall,
    EditGoal,
    ListGoals,
    MarkDone,
    SetPartners,
    SetProgress,
    SetStatus,
    ShowGoal,
)
from bot.flows.context import FlowContext
from bot.flows.goal_forms import due_warning, goal_form_effect
from bot.flows.home import homes_after_change
from bot.flows.outcome import Outcome
from bot.flows.people import owner_id, owner_ids
from bot.services import goals, people, team_goals
from bot.services.actors import can_change_goal
from bot.services.goals import GoalChoices, GoalView


def changed(ctx: FlowContext, call: CommandCall, view: GoalView, what: str) -> Outcome:
    """Confirm a change to one goal and refresh the Homes it shows on."""
    return Outcome(
        reply=goal_changed(view, what),
        effects=list(homes_after_change(ctx, view.owners)),
        share=call.share,
    )


def list_goals(call: CommandCall[ListGoals], ctx: FlowContext) -> Outcome:
    cmd = call.command
    owner, owner_name = cmd.owner, None
    if owner and owner != "mine":
        owner = owner_id(ctx, owner)
        names = people.person_names(ctx.session, ctx.workspace.id, [owner])
        owner_name = names.get(owner) or people.handles(ctx.session, ctx.workspace.id, [owner]).get(
            owner
        )
    page = goals.list_goals(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        now=ctx.now,
        period=cmd.period,
        category=cmd.category,
        owner=owner,
        owner_name=owner_name,
        status=cmd.status,
        page=cmd.page,
    )
    return Outcome(reply=goal_page(page), share=call.share)


def show_goal(call: CommandCall[ShowGoal], ctx: FlowContext) -> Outcome:
    found = goals.find_goal(
        session=ctx.session, workspace_id=ctx.workspace.id, query=call.command.query
    )
    if isinstance(found, GoalChoices):
        return Outcome(reply=goal_choices(found), share=call.share)
    goal = goals.get_goal(ctx.session, ctx.workspace.id, found.ref)
    card = goal_card(
        found,
        can_change=can_change_goal(ctx.workspace, ctx.actor, goal),
        roster=team_goals.goal_measure(ctx.session, ctx.workspace, goal, ctx.now),
    )
    return Outcome(reply=card, share=call.share)


def add_goal(call: CommandCall[AddGoal], ctx: FlowContext) -> Outcome:
    """With a title, add the goal; without one, open the form."""
    cmd = call.command
    if cmd.title is None:
        return Outcome(effects=[goal_form_effect(ctx, trigger_id=call.trigger_id, ref=None)])
    view = goals.add_goal(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        now=ctx.now,
        title=cmd.title,
        period=cmd.period,
        category=cmd.category,
        owners=owner_ids(ctx, cmd.owners),
        due=cmd.due,
    )
    what = f"added to {view.period} / {view.category}."
    return changed(ctx, call, view, what + due_warning(ctx, view))


def edit_goal(call: CommandCall[EditGoal | SetPartners], ctx: FlowContext) -> Outcome:
    """Open the form, prefilled; refused before the form to anyone who may not change it."""
    if isinstance(call.command, SetPartners):  # team metrics (issue 20): "edit G12 with …"
        from bot.flows.team import set_partners

        return set_partners(call, ctx)
    return Outcome(
        effects=[goal_form_effect(ctx, trigger_id=call.trigger_id, ref=call.command.ref)]
    )


def assign(call: CommandCall[AssignGoal], ctx: FlowContext) -> Outcome:
    cmd = call.command
    view = goals.assign_goal(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        ref=cmd.ref,
        owners=owner_ids(ctx, cmd.owners),
    )
    return changed(ctx, call, view, "owners updated.")


def progress(call: CommandCall[SetProgress], ctx: FlowContext) -> Outcome:
    cmd = call.command
    view = goals.set_progress(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        ref=cmd.ref,
        percent=cmd.percent,
    )
    return changed(ctx, call, view, f"progress {view.progress}%.")


def status(call: CommandCall[SetStatus], ctx: FlowContext) -> Outcome:
    cmd = call.command
    view = goals.set_status(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        ref=cmd.ref,
        status=cmd.status,
        reason=cmd.reason,
    )
    return changed(ctx, call, view, f"now {view.status}.")


def done(call: CommandCall[MarkDone], ctx: FlowContext) -> Outcome:
    view = goals.set_status(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        ref=call.command.ref,
        status="done",
    )
    return changed(ctx, call, view, "done! :tada:")


def archive(call: CommandCall[ArchiveGoal], ctx: FlowContext) -> Outcome:
    view = goals.archive_goal(
        session=ctx.session, workspace=ctx.workspace, actor=ctx.actor, ref=call.command.ref
    )
    return changed(ctx, call, view, "archived.")
