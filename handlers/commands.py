"""The /roadmap slash command: parse, ack at once, run one service, reply."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from slack_bolt import App
from sqlalchemy.orm import sessionmaker

from bot.blocks.checkins import checkin_confirmation, history_message
from bot.blocks.goals import goal_card, goal_changed, goal_choices, goal_page
from bot.blocks.message import Message, simple
from bot.blocks.replies import (
    HelpEntry,
    command_help,
    config_message,
    help_message,
    metrics_list,
    problem,
    reading_recorded,
)
from bot.services import checkins, goals, metrics, settings
from bot.services.actors import can_change_goal
from bot.services.errors import ServiceError
from bot.services.goals import GoalChoices
from handlers import grammar as g
from handlers.context import RequestContext, request_context
from handlers.legacy import legacy_listener as listener
from handlers.legacy import refresh_homes

log = logging.getLogger(__name__)

INTRO = (
    "Keep the team's roadmap alive here: list and update goals, check in, record metrics. "
    "Replies are private unless you end a command with `share`."
)

# Commands that open a modal: they need the trigger_id within 3 seconds, nothing else.
Handler = Callable[[object, RequestContext, dict], Message | None]
HANDLERS: dict[type, Handler] = {}


def handles(command_type: type):
    def register(func: Handler) -> Handler:
        HANDLERS[command_type] = func
        return func

    return register


# The /roadmap word each command type answers to (for usage lines in error replies).
COMMAND_NAMES = {
    g.ListGoals: "list",
    g.ShowGoal: "show",
    g.AddGoal: "add",
    g.EditGoal: "edit",
    g.AssignGoal: "assign",
    g.SetProgress: "progress",
    g.SetStatus: "status",
    g.MarkDone: "done",
    g.ArchiveGoal: "archive",
    g.History: "history",
    g.ListMetrics: "metrics",
    g.RecordMetric: "metric",
    g.AddMetric: "metric",
    g.Checkin: "checkin",
    g.CheckinPrompt: "checkin",
    g.Away: "away",
    g.Back: "back",
    g.ScheduleCommand: "schedule",
    g.Digest: "digest",
    g.ImportRoadmap: "import",
    g.ExportRoadmap: "export",
    g.Config: "config",
    g.Help: "help",
}


def command_name(command: object) -> str:
    return COMMAND_NAMES.get(type(command), "help")


def register(app: App) -> None:
    app.command("/roadmap")(listener(roadmap_command))


def help_reply(topic: str | None) -> Message:
    if topic:
        spec = g.command_spec(topic)
        if spec is None:  # the parser already refused unknown topics; be safe anyway
            return problem(f"There is no command `{topic}`.", usage="/roadmap help")
        return command_help(spec.name, spec.usage, spec.help, spec.examples)
    entries = [HelpEntry(s.usage, s.summary, s.group) for s in g.COMMANDS.values()]
    return help_message(entries, intro=INTRO)


def roadmap_command(ack, command: dict, db, client, context, respond) -> None:
    try:
        parsed = g.parse_command(command.get("text") or "")
    except g.CommandError as error:
        reply = problem(error.message, usage=error.usage, suggestion=error.suggestion)
        ack(response_type="ephemeral", **reply.to_dict())
        return
    if isinstance(parsed.command, g.Help):
        ack(
            response_type="in_channel" if parsed.share else "ephemeral",
            **help_reply(parsed.command.topic).to_dict(),
        )
        return
    ack()  # everything else may touch the database or Slack: answer through response_url
    handler = HANDLERS.get(type(parsed.command))
    if handler is None:
        respond(
            response_type="ephemeral",
            **simple(
                f":construction: `/roadmap {command_name(parsed.command)}` is not "
                "available in this version yet."
            ).to_dict(),
        )
        return
    ctx = request_context(db=db, context=context, client=client, user_id=command["user_id"])
    ctx.respond = respond
    try:
        reply = handler(parsed.command, ctx, command)
    except ServiceError as error:
        db.rollback()
        spec = g.command_spec(command_name(parsed.command))
        reply = problem(str(error), usage=spec.usage[0] if spec else None)
        respond(response_type="ephemeral", replace_original=False, **reply.to_dict())
        return
    db.commit()  # the change is stored before anyone is told about it
    if reply is not None:
        response_type = "in_channel" if parsed.share and not ctx.private else "ephemeral"
        respond(response_type=response_type, replace_original=False, **reply.to_dict())
    refresh_homes(ctx)


@handles(g.ListGoals)
def list_goals(cmd: g.ListGoals, ctx: RequestContext, command: dict) -> Message:
    page = goals.list_goals(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        now=ctx.now,
        period=cmd.period,
        category=cmd.category,
        owner=cmd.owner,
        status=cmd.status,
        page=cmd.page,
    )
    return goal_page(page)


@handles(g.ShowGoal)
def show_goal(cmd: g.ShowGoal, ctx: RequestContext, command: dict) -> Message:
    found = goals.find_goal(session=ctx.session, workspace_id=ctx.workspace.id, query=cmd.query)
    if isinstance(found, GoalChoices):
        return goal_choices(found)
    goal = goals.get_goal(ctx.session, ctx.workspace.id, found.ref)
    return goal_card(found, can_change=can_change_goal(ctx.workspace, ctx.actor, goal))


@handles(g.AddGoal)
def add_goal(cmd: g.AddGoal, ctx: RequestContext, command: dict) -> Message | None:
    if cmd.title is None:
        from handlers.legacy import open_goal_modal

        open_goal_modal(ctx, trigger_id=command["trigger_id"], ref=None)
        return None
    view = goals.add_goal(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        now=ctx.now,
        title=cmd.title,
        period=cmd.period,
        category=cmd.category,
        owners=list(cmd.owners),
        due=cmd.due,
    )
    ctx.changed.append(view)
    return goal_changed(view, f"added to {view.period} / {view.category}.")


@handles(g.EditGoal)
def edit_goal(cmd: g.EditGoal, ctx: RequestContext, command: dict) -> None:
    from handlers.legacy import open_goal_modal

    open_goal_modal(ctx, trigger_id=command["trigger_id"], ref=cmd.ref)


@handles(g.AssignGoal)
def assign(cmd: g.AssignGoal, ctx: RequestContext, command: dict) -> Message:
    view = goals.assign_goal(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        ref=cmd.ref,
        owners=list(cmd.owners),
    )
    ctx.changed.append(view)
    return goal_changed(view, "owners updated.")


@handles(g.SetProgress)
def progress(cmd: g.SetProgress, ctx: RequestContext, command: dict) -> Message:
    view = goals.set_progress(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        ref=cmd.ref,
        percent=cmd.percent,
    )
    ctx.changed.append(view)
    return goal_changed(view, f"progress {view.progress}%.")


@handles(g.SetStatus)
def status(cmd: g.SetStatus, ctx: RequestContext, command: dict) -> Message:
    view = goals.set_status(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        ref=cmd.ref,
        status=cmd.status,
        reason=cmd.reason,
    )
    ctx.changed.append(view)
    return goal_changed(view, f"now {view.status}.")


@handles(g.MarkDone)
def done(cmd: g.MarkDone, ctx: RequestContext, command: dict) -> Message:
    view = goals.set_status(
        session=ctx.session, workspace=ctx.workspace, actor=ctx.actor, ref=cmd.ref, status="done"
    )
    ctx.changed.append(view)
    return goal_changed(view, "done! :tada:")


@handles(g.ArchiveGoal)
def archive(cmd: g.ArchiveGoal, ctx: RequestContext, command: dict) -> Message:
    view = goals.archive_goal(
        session=ctx.session, workspace=ctx.workspace, actor=ctx.actor, ref=cmd.ref
    )
    ctx.changed.append(view)
    return goal_changed(view, "archived.")


@handles(g.ListMetrics)
def list_metrics(cmd: g.ListMetrics, ctx: RequestContext, command: dict) -> Message:
    return metrics_list(
        metrics.list_metrics(session=ctx.session, workspace=ctx.workspace, now=ctx.now)
    )


@handles(g.RecordMetric)
def record_metric(cmd: g.RecordMetric, ctx: RequestContext, command: dict) -> Message:
    result = metrics.record_reading(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        name=cmd.name,
        value=cmd.value,
        unit=cmd.unit,
        at=ctx.now,
    )
    return reading_recorded(result)


@handles(g.AddMetric)
def add_metric(cmd: g.AddMetric, ctx: RequestContext, command: dict) -> None:
    from handlers.legacy import open_metric_modal

    open_metric_modal(ctx, trigger_id=command["trigger_id"])


@handles(g.Config)
def config(cmd: g.Config, ctx: RequestContext, command: dict) -> Message:
    if cmd.setting == "api-token" and cmd.values:
        from handlers.api_tokens import api_token_command

        # Always private: the reply to `create` shows the token, once.
        ctx.private = True
        return api_token_command(ctx, cmd.values)
    if cmd.setting is None or not cmd.values:  # `config` or `config timezone`: show them
        return config_message(settings.config_view(ctx.workspace))
    view = settings.change_config(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        name=cmd.setting,
        values=cmd.values,
    )
    return config_message(view)


@handles(g.ImportRoadmap)
def import_command(cmd: g.ImportRoadmap, ctx: RequestContext, command: dict) -> None:
    from handlers.legacy import open_import

    open_import(ctx, command["trigger_id"])


@handles(g.ExportRoadmap)
def export_command(cmd: g.ExportRoadmap, ctx: RequestContext, command: dict) -> Message | None:
    from handlers.legacy import export_file

    return export_file(ctx, fmt=cmd.fmt, channel_id=command["channel_id"])


@handles(g.Checkin)
def checkin(cmd: g.Checkin, ctx: RequestContext, command: dict) -> Message | None:
    from handlers.legacy import after_answer

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
    after_answer(ctx, result)
    return checkin_confirmation(result)


@handles(g.CheckinPrompt)
def checkin_prompt(cmd: g.CheckinPrompt, ctx: RequestContext, command: dict) -> Message:
    from bot.outbound.checkins import send_prompts
    from bot.services.actors import require_admin

    require_admin(ctx.workspace, ctx.actor, "send the check-in prompts")
    ctx.session.commit()
    factory = sessionmaker(bind=ctx.session.get_bind(), expire_on_commit=False)
    run = send_prompts(
        factory=factory, client=ctx.client, workspace_id=ctx.workspace.id, now=ctx.now
    )
    return simple(run.summary())


@handles(g.History)
def history(cmd: g.History, ctx: RequestContext, command: dict) -> Message:
    goal, entries = checkins.history(session=ctx.session, workspace=ctx.workspace, ref=cmd.ref)
    return history_message(goal, entries)


@handles(g.Away)
def away(cmd: g.Away, ctx: RequestContext, command: dict) -> Message:
    # No date means away until /roadmap back: the furthest date there is.
    checkins.set_away(
        session=ctx.session, workspace=ctx.workspace, actor=ctx.actor, until=cmd.until or date.max
    )
    until = f" until {cmd.until:%d %b %Y}" if cmd.until else " until you say `/roadmap back`"
    return simple(f":palm_tree: You're away{until}: no check-in prompts for you till then.")


@handles(g.Back)
def back(cmd: g.Back, ctx: RequestContext, command: dict) -> Message:
    checkins.set_away(session=ctx.session, workspace=ctx.workspace, actor=ctx.actor, until=None)
    return simple(":wave: Welcome back: check-in prompts will reach you again.")


@handles(g.ScheduleCommand)
def schedule(cmd: g.ScheduleCommand, ctx: RequestContext, command: dict) -> Message:
    from handlers.schedules import schedule_command

    return schedule_command(cmd, ctx, command)


@handles(g.Digest)
def digest(cmd: g.Digest, ctx: RequestContext, command: dict) -> Message | None:
    from handlers.digests import digest_command

    return digest_command(cmd, ctx, command, ctx.respond)
