"""Team metrics flows: the roster commands, partner teams on a goal, pulse answers, the
innovation answer (a button in a check-in message), and where an automatic metric's number
comes from.

Slack reads (channel members, users.list, usergroups.list) come in through `ctx.reads`
(bot.slack_reads.SlackReads), built at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks import team as blocks
from bot.blocks.checkins import round_message
from bot.flows.commands import CommandCall, ExplainMetric, SetPartners, TeamCommand
from bot.flows.context import FlowContext
from bot.flows.outcome import Ephemeral, OpenView, Outcome, Update
from bot.flows.people import owner_ids
from bot.services import innovation, metric_explain, pulse, team, team_metrics
from bot.services import partners as partner_service
from bot.services.actors import require_admin
from bot.services.channels import resolve_channel
from bot.services.checkin_prompts import round_at, round_view
from bot.services.errors import InvalidInput, NotFound
from bot.services.goals import get_goal
from bot.services.metrics import find_metric
from bot.services.people import remember_users
from bot.wording import plural

TEAM_SOURCES = ("roster",)


def _users(ctx: FlowContext) -> dict[str, dict]:
    reads = ctx.reads
    return (reads.users() if reads is not None else None) or {}


def team_command(call: CommandCall[TeamCommand], ctx: FlowContext) -> Outcome:
    cmd, s, ws = call.command, ctx.session, ctx.workspace
    if cmd.action == "show":
        view = team.roster_view(session=s, workspace=ws, now=ctx.now)
        return Outcome(reply=blocks.roster_message(view), share=call.share)
    if cmd.action == "pulse-min":
        require_admin(ws, ctx.actor, "change the pulse survey")
        value = pulse.set_min_answers(ws, cmd.number or 0)
        said = f"Pulse results now need at least {value} answers."
        size = len(team.roster_ids(s, ws.id))
        if size < value:  # kept (the roster may grow first), but never silently useless
            short = value - size
            said += (
                f"\n:warning: The team roster has only {plural(size, 'person', 'people')}, so "
                f"no round can produce a result until {plural(short, 'more person', 'more people')}"
                f" {'joins' if short == 1 else 'join'} (`/roadmap team add @someone`); until then "
                "each round records nothing."
            )
            if size >= pulse.MIN_ANSWERS:
                said += f" To have results with this roster: `/roadmap team pulse min {size}`."
        return Outcome(reply=blocks.simple(said))
    # People are resolved as `/roadmap assign` resolves owners (the people directory); the
    # member list is read only for the names a roster keeps (add) and a channel's (sync).
    users = _users(ctx) if cmd.action in ("add", "sync") else {}
    if cmd.action in ("add", "remove"):
        ids = owner_ids(ctx, cmd.people)
        if cmd.action == "add":
            remember_users(ctx.session, ws.id, users, ids, ctx.now)  # their time zones
            names = {u: team.display_name(users.get(u)) for u in ids}
            change = team.add_members(
                session=s,
                workspace=ws,
                actor=ctx.actor,
                user_ids=ids,
                names=names,
                now=ctx.now,
                joined=cmd.joined,
            )
        else:
            change = team.remove_members(
                session=s, workspace=ws, actor=ctx.actor, user_ids=ids, now=ctx.now
            )
        return _after_roster(ctx, call, change)
    if cmd.action == "sync":
        channel = resolve_channel(cmd.channel, ctx.lookup_channel)  # "#eng" typed by hand
        members = ctx.reads.members(channel) if ctx.reads is not None else None
        remember_users(ctx.session, ws.id, users, members or [], ctx.now)  # their time zones
        change = team.follow_channel(
            session=s,
            workspace=ws,
            actor=ctx.actor,
            channel=channel,
            members=members,
            users=users,
            now=ctx.now,
        )
        return _after_roster(ctx, call, change)
    (user_id,) = owner_ids(ctx, cmd.people or ("mine",))
    if cmd.action == "role":
        row = team.set_role(
            session=s,
            workspace=ws,
            actor=ctx.actor,
            user_id=user_id,
            role=cmd.role,
            now=ctx.now,
            joined=cmd.joined,
        )
        return Outcome(reply=blocks.role_set(row), share=call.share)
    row = team.set_growth_plan(
        session=s,
        workspace=ws,
        actor=ctx.actor,
        user_id=user_id,
        has_plan=bool(cmd.plan),
        link=cmd.link,
    )
    readings = team_metrics.refresh(s, ws, ctx.now, sources=("roster",))
    return Outcome(reply=blocks.plan_set(row, readings), share=call.share)


def _after_roster(ctx: FlowContext, call, change) -> Outcome:
    team_metrics.ensure_team_schedules(session=ctx.session, workspace=ctx.workspace, now=ctx.now)
    team_metrics.refresh(ctx.session, ctx.workspace, ctx.now, sources=("roster",))
    size = len(team.roster_ids(ctx.session, ctx.workspace.id))
    return Outcome(reply=blocks.roster_changed(change, size), share=call.share)


def set_partners(call: CommandCall[SetPartners], ctx: FlowContext) -> Outcome:
    """`/roadmap edit G12 with @platform-team, Design` (`with nobody` clears them)."""
    cmd = call.command
    goal = get_goal(ctx.session, ctx.workspace.id, cmd.ref)
    needs_groups = any(n.startswith("@") or n.startswith("<!subteam") for n in cmd.partners)
    groups = ctx.reads.usergroups() if needs_groups and ctx.reads is not None else None
    partners = partner_service.set_partners(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        goal=goal,
        names=list(cmd.partners),
        usergroups=groups,
    )
    readings = team_metrics.refresh(ctx.session, ctx.workspace, ctx.now, sources=("goals",))
    return Outcome(reply=blocks.partners_set(goal.ref, partners, readings), share=call.share)


def partner_names(ctx: FlowContext, ref: str) -> list[str]:
    goal = get_goal(ctx.session, ctx.workspace.id, ref)
    found = partner_service.partners_of(ctx.session, [goal.id]).get(goal.id, [])
    return [p.name for p in found]


def save_partners_from_form(ctx: FlowContext, ref: str, text: str) -> None:
    """The edit modal's partner teams field: replace the goal's partners when it changed."""
    names = partner_service.parse_partner_text(text)
    if names == partner_names(ctx, ref):
        return
    goal = get_goal(ctx.session, ctx.workspace.id, ref)
    needs_groups = any(n.startswith("@") or n.startswith("<!subteam") for n in names)
    groups = ctx.reads.usergroups() if needs_groups and ctx.reads is not None else None
    partner_service.set_partners(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        goal=goal,
        names=names,
        usergroups=groups,
    )
    team_metrics.refresh(ctx.session, ctx.workspace, ctx.now, sources=("goals",))


def explain_metric(call: CommandCall[ExplainMetric], ctx: FlowContext) -> Outcome:
    cmd = call.command
    try:
        metric = find_metric(ctx.session, ctx.workspace.id, cmd.name)
    except NotFound:
        if cmd.error:  # "uptime high": the complaint about the value says more
            raise InvalidInput(cmd.error) from None
        raise
    explained = metric_explain.explain(ctx.session, ctx.workspace, metric, ctx.now)
    return Outcome(reply=blocks.explanation(explained), share=call.share)


# --- the pulse --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulseAnswerRequest:
    round_id: int
    score: int
    comment: str | None = None
    channel: str | None = None  # the DM the question is in, to thank in place
    ts: str | None = None


@dataclass(frozen=True)
class OpenPulseComment:
    round_id: int
    trigger_id: str
    channel: str | None = None
    ts: str | None = None


def answer_pulse(request: PulseAnswerRequest, ctx: FlowContext) -> Outcome:
    """Store the answer anonymously; thank the person in place (without their score). Nothing
    is published on a click, not even the last one: the daily refresh closes a round everyone
    answered (bot.services.pulse.due_rounds). Refusals are private."""
    pulse.answer(
        session=ctx.session,
        workspace=ctx.workspace,
        user_id=ctx.actor.user_id,
        round_id=request.round_id,
        score=request.score,
        comment=request.comment,
        now=ctx.now,
    )
    outcome = Outcome()
    if request.channel and request.ts:
        outcome.add(Update(request.channel, request.ts, blocks.pulse_thanks()))
    else:
        outcome.reply = blocks.pulse_thanks()
    return outcome


def open_pulse_comment(request: OpenPulseComment, ctx: FlowContext) -> Outcome:
    meta = {"channel": request.channel, "ts": request.ts}
    return Outcome(
        effects=[OpenView(request.trigger_id, blocks.pulse_comment_modal(request.round_id, meta))]
    )


# --- innovation time --------------------------------------------------------------------------


@dataclass(frozen=True)
class InnovationAnswerRequest:
    """A button of the innovation question in a check-in message (`channel`, `ts`)."""

    percent: int
    channel: str | None = None
    ts: str | None = None


def answer_innovation(request: InnovationAnswerRequest, ctx: FlowContext) -> Outcome:
    """The week's answer of the person the check-in asks (another press replaces it); their
    message then shows it was taken. Anyone else is refused privately."""
    found = None
    if request.channel and request.ts:
        found = round_at(ctx.session, ctx.workspace.id, request.channel, request.ts)
    if found is None:
        raise NotFound("That check-in message is no longer there, so nothing was recorded.")
    innovation.answer_in_round(
        session=ctx.session,
        workspace=ctx.workspace,
        round_=found,
        user_id=ctx.actor.user_id,
        percent=request.percent,
    )
    team_metrics.refresh(ctx.session, ctx.workspace, ctx.now, sources=("checkins",))
    view = round_view(ctx.session, found)
    outcome = Outcome(effects=[Update(view.channel, view.ts, round_message(view))])
    if not request.channel.startswith("D"):  # the roadmap channel shows only "Answered"
        outcome.add(
            Ephemeral(
                request.channel,
                ctx.actor.user_id,
                blocks.innovation_recorded(request.percent, found.cycle),
            )
        )
    return outcome
