"""Check-in answers from reactions, buttons, the note modal and thread replies.

Every answer is one flow call: the prompt is looked up in the request's workspace (a prompt
of another workspace is not found), its goal once by id, and the answer recorded; what was
recorded then shows on every prompt of the goal and in the owners' Home. Events are acted on
once however often Slack retries them, but only when they concern a prompt: a reaction or a
reply anywhere else leaves no trace.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.checkins import checkin_confirmation, note_modal, prompt_message
from bot.blocks.replies import problem
from bot.flows.context import FlowContext
from bot.flows.home import home_effects
from bot.flows.outcome import Effect, Ephemeral, OpenView, Outcome, Update
from bot.ids import Field
from bot.services import checkins
from bot.services.checkins import CheckinResult
from bot.services.errors import PermissionDenied
from bot.services.goals import get_goal
from models import GOAL_STATUSES

PROGRESS_ERROR = "A whole number from 0 to 100."


@dataclass(frozen=True)
class ReactionAdded:
    """Someone reacted to a message (`channel`, `ts`) with `reaction`."""

    channel: str
    ts: str
    reaction: str
    user: str


@dataclass(frozen=True)
class ReactionRemoved:
    channel: str
    ts: str
    reaction: str
    user: str


@dataclass(frozen=True)
class ThreadReply:
    """A reply in the thread of `thread_ts` (or its edit): the cycle's note, on a prompt."""

    channel: str
    thread_ts: str
    message_ts: str
    user: str
    text: str


@dataclass(frozen=True)
class CheckinButton:
    """A status button ("<ref> <status>") on a prompt or a goal card."""

    ref: str
    status: str
    channel: str | None = None
    message_ts: str | None = None


@dataclass(frozen=True)
class NoteButton:
    """ "Add note" on a prompt: opens the note modal."""

    ref: str
    trigger_id: str
    channel: str | None = None
    message_ts: str | None = None


@dataclass(frozen=True)
class NoteSubmitted:
    """The note modal: `progress` as typed (checked here), `prompt_id` from its metadata."""

    ref: str
    prompt_id: int | None
    status: str | None
    progress: str
    note: str


def answer_effects(ctx: FlowContext, result: CheckinResult) -> list[Effect]:
    """After an answer: show what was recorded on every prompt of the goal, and refresh the
    Home of its owners and of the person who answered."""
    message = prompt_message(result.goal, result.cycle, recorded=result)
    updates: list[Effect] = [Update(channel, ts, message) for channel, ts in result.prompts]
    return updates + home_effects(ctx, [*result.owners, result.by])


def _refused(ctx: FlowContext, channel: str, error: PermissionDenied) -> Outcome:
    """A refused answer is explained to the person alone, beside the prompt."""
    return Outcome(effects=[Ephemeral(channel, ctx.actor.user_id, problem(str(error)))])


def reaction_added(request: ReactionAdded, ctx: FlowContext) -> Outcome:
    prompt = checkins.prompt_at(ctx.session, ctx.workspace.id, request.channel, request.ts)
    if prompt is None or not ctx.first_delivery():
        return Outcome()
    status = checkins.status_for_reaction(ctx.workspace, request.reaction)
    if status is None:
        return Outcome()  # not an answer emoji: nothing to record
    try:
        result = checkins.record_checkin(
            session=ctx.session,
            workspace=ctx.workspace,
            actor=ctx.actor,
            goal=checkins.goal_of(ctx.session, prompt),
            now=ctx.now,
            source="reaction",
            status=status,
            reaction=request.reaction,
            prompt=prompt,
        )
    except PermissionDenied as error:  # refused before anything was written
        return _refused(ctx, request.channel, error)
    return Outcome(effects=answer_effects(ctx, result))


def reaction_removed(request: ReactionRemoved, ctx: FlowContext) -> Outcome:
    prompt = checkins.prompt_at(ctx.session, ctx.workspace.id, request.channel, request.ts)
    if prompt is None or not ctx.first_delivery():
        return Outcome()
    result = checkins.retract_reaction(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        prompt=prompt,
        reaction=request.reaction,
        now=ctx.now,
    )
    if result is None:
        return Outcome()
    return Outcome(effects=answer_effects(ctx, result))


def thread_reply(request: ThreadReply, ctx: FlowContext) -> Outcome:
    prompt = checkins.prompt_at(ctx.session, ctx.workspace.id, request.channel, request.thread_ts)
    if prompt is None or not request.text.strip() or not ctx.first_delivery():
        return Outcome()
    try:
        result = checkins.note_from_reply(
            session=ctx.session,
            workspace=ctx.workspace,
            actor=ctx.actor,
            prompt=prompt,
            text=request.text,
            message_ts=request.message_ts,
            now=ctx.now,
        )
    except PermissionDenied as error:  # refused before anything was written
        return _refused(ctx, request.channel, error)
    return Outcome(effects=answer_effects(ctx, result))


def _prompt_of(ctx: FlowContext, channel: str | None, ts: str | None):
    if not channel or not ts:
        return None
    return checkins.prompt_at(ctx.session, ctx.workspace.id, channel, ts)


def checkin_button(request: CheckinButton, ctx: FlowContext) -> Outcome:
    prompt = _prompt_of(ctx, request.channel, request.message_ts)
    goal = checkins.goal_of(ctx.session, prompt) if prompt else None
    if goal is not None and goal.ref != request.ref:
        prompt = goal = None  # a button of another goal on this message: not this prompt's
    result = checkins.record_checkin(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        ref=request.ref,
        goal=goal,
        now=ctx.now,
        source="button",
        status=request.status,
        prompt=prompt,
    )
    # On a prompt the prompt itself shows the answer; elsewhere the person is told.
    reply = None if result.prompts else checkin_confirmation(result)
    return Outcome(reply=reply, effects=answer_effects(ctx, result))


def note_button(request: NoteButton, ctx: FlowContext) -> Outcome:
    goal = get_goal(ctx.session, ctx.workspace.id, request.ref)
    if not checkins.can_answer(ctx.workspace, ctx.actor, goal):
        return Outcome()
    prompt = _prompt_of(ctx, request.channel, request.message_ts)
    modal = note_modal(goal.ref, prompt.id if prompt else None, GOAL_STATUSES)
    return Outcome(effects=[OpenView(request.trigger_id, modal)])


def submit_note(request: NoteSubmitted, ctx: FlowContext) -> Outcome:
    progress_text = request.progress.strip().rstrip("%")
    if progress_text and (not progress_text.isdigit() or int(progress_text) > 100):
        return Outcome(errors={Field.PROGRESS: PROGRESS_ERROR})
    result = checkins.record_checkin(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        ref=request.ref,
        now=ctx.now,
        source="modal",
        status=request.status,
        progress=int(progress_text) if progress_text else None,
        note=request.note.strip() or None,
        prompt=checkins.prompt_in_workspace(ctx.session, ctx.workspace.id, request.prompt_id),
    )
    return Outcome(effects=answer_effects(ctx, result))
