"""`/roadmap schedule …`: list, next, add, edit, pause, resume, delete, holidays, test."""

from __future__ import annotations

from bot import kinds
from bot.blocks.message import Message, context, simple
from bot.blocks.schedules import schedule_saved, schedules_message
from bot.flows.commands import CommandCall, ScheduleCommand
from bot.flows.context import FlowContext
from bot.flows.outcome import Outcome
from bot.kinds.base import Previewing
from bot.services import schedules
from bot.services.actors import require_admin
from bot.services.channels import resolve_channel
from bot.services.errors import InvalidInput


def schedule(call: CommandCall[ScheduleCommand], ctx: FlowContext) -> Outcome:
    return Outcome(reply=schedule_reply(call.command, ctx), share=call.share)


def schedule_reply(cmd: ScheduleCommand, ctx: FlowContext) -> Message:
    common = dict(session=ctx.session, workspace=ctx.workspace, now=ctx.now)
    action = cmd.action
    # "#eng" typed by hand is looked up: the schedule stores the channel's id.
    channel = resolve_channel(cmd.channel, ctx.lookup_channel) if cmd.channel else None
    if action in ("list", "next"):
        views = schedules.list_schedules(**common)
        return schedules_message(views, runs=3 if action == "next" else 1)
    if action == "add":
        view = schedules.add_schedule(
            **common,
            actor=ctx.actor,
            kind=cmd.kind,
            rule=cmd.rule,
            channel_id=channel or ctx.channel_id,
            text=cmd.text,
        )
        return schedule_saved(view, "added")
    if cmd.schedule_id is None:
        raise InvalidInput(f"Which schedule? Give its number, e.g. /roadmap schedule {action} 3.")
    if action == "edit":
        view = schedules.edit_schedule(
            **common,
            actor=ctx.actor,
            schedule_id=cmd.schedule_id,
            rule=cmd.rule,
            channel_id=channel,
            text=cmd.text,
        )
        return schedule_saved(view, "changed")
    if action in ("pause", "resume"):
        view = schedules.set_enabled(
            **common, actor=ctx.actor, schedule_id=cmd.schedule_id, enabled=action == "resume"
        )
        return schedule_saved(view, "resumed" if action == "resume" else "paused")
    if action == "delete":
        described = schedules.delete_schedule(
            session=ctx.session,
            workspace=ctx.workspace,
            actor=ctx.actor,
            schedule_id=cmd.schedule_id,
        )
        return simple(f":wastebasket: Deleted {described}.")
    if action == "holidays":
        view = schedules.set_holiday_policy(
            **common, actor=ctx.actor, schedule_id=cmd.schedule_id, policy=cmd.holidays
        )
        return schedule_saved(view, "changed")
    if action == "test":
        require_admin(ctx.workspace, ctx.actor, "test schedules")
        return preview(ctx, cmd.schedule_id)
    raise InvalidInput(f"Unknown schedule action '{action}'.")


def preview(ctx: FlowContext, schedule_id: int) -> Message:
    """What the schedule's next delivery would post, shown only to the person asking. The
    kind composes it as the clock would, and writes nothing."""
    schedule = schedules.get_schedule(ctx.session, ctx.workspace.id, schedule_id)
    view = schedules.view_of(schedule, ctx.workspace, ctx.now)
    event_at = view.next_runs[0] if view.next_runs else ctx.now
    kind = kinds.kind_of(schedule.kind)
    message = kind.preview(
        Previewing(ctx.session, schedule, ctx.workspace, event_at, viewer=ctx.actor.user_id)
    )
    if message is None:
        hint = f"; preview it with {kind.preview_hint}" if kind.preview_hint else ""
        return simple(f"Schedule #{schedule.id} posts the {kind.label.lower()}{hint}.")
    message.blocks.insert(0, context(f"Preview of schedule #{schedule.id} (only you see this):"))
    return message
