"""Check-in answers from reactions, buttons, the note modal and thread replies.

Every answer is one flow call: the prompt is looked up in the request's workspace (a prompt
of another workspace is not found), its goal once by id, and the answer recorded; what was
recorded then shows on every prompt of the goal and in the owners' Home. Events are acted on
once however often Slack retries them, but only when they concern a prompt: a reaction or a
reply anywhere else leaves no trace.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.blocks.checkins import (
    checkin_confirmation,
    note_modal,
    prompt_message,
    round_message,
    which_goal_message,
)
from bot.blocks.replies import problem
from bot.flows.context import FlowContext
from bot.flows.home import home_effects
from bot.flows.outcome import Effect, Ephemeral, OpenView, Outcome, Update
from bot.ids import Field
from bot.services import checkins
from bot.services.checkin_prompts import round_at, round_prompts, round_views
from bot.services.checkins import CheckinResult
from bot.services.errors import PermissionDenied
from bot.services.goals import get_goal, goal_views
from models import GOAL_STATUSES, CheckinRound, Goal

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


@dataclass(frozen=True)
class WhichGoalChosen:
    """A button of the private "which goal?" question: the reply `text` is about `ref`."""

    round_id: int
    ref: str
    message_ts: str
    text: str


def answer_effects(
    ctx: FlowContext, result: CheckinResult | Sequence[CheckinResult]
) -> list[Effect]:
    """After answers: show what was recorded on each goal's messages and on the top message
    of every round asking about them (who answered what), and refresh the Homes of the
    goals' owners and of the person who answered."""
    results = [result] if isinstance(result, CheckinResult) else list(result)
    effects: list[Effect] = []
    people: list[str] = []
    round_ids: list[int] = []
    for one in results:
        message = prompt_message(one.goal, one.cycle, recorded=one)
        effects += [Update(channel, ts, message) for channel, ts in one.prompts]
        people += [*one.owners, one.by]
        round_ids += one.rounds
    for view in round_views(ctx.session, ctx.workspace.id, round_ids):
        effects.append(Update(view.channel, view.ts, round_message(view)))
    return effects + home_effects(ctx, people)


def _refused(ctx: FlowContext, channel: str, error: PermissionDenied) -> Outcome:
    """A refused answer is explained to the person alone, beside the prompt."""
    return Outcome(effects=[Ephemeral(channel, ctx.actor.user_id, problem(str(error)))])


def reaction_added(request: ReactionAdded, ctx: FlowContext) -> Outcome:
    prompt = checkins.prompt_at(ctx.session, ctx.workspace.id, request.channel, request.ts)
    round_ = None
    if prompt is None:
        round_ = round_at(ctx.session, ctx.workspace.id, request.channel, request.ts)
    if (prompt is None and round_ is None) or not ctx.first_delivery():
        return Outcome()
    status = checkins.status_for_reaction(ctx.workspace, request.reaction)
    if status is None:
        return Outcome()  # not an answer emoji: nothing to record
    if prompt is not None:
        targets = [(prompt, checkins.goal_of(ctx.session, prompt))]
    else:  # the top message: every goal of the round at once
        prompts = round_prompts(ctx.session, round_)
        targets = [(p, checkins.goal_of(ctx.session, p)) for p in prompts]
        targets = [(p, g) for p, g in targets if checkins.can_answer(ctx.workspace, ctx.actor, g)]
        if not targets:
            return _refused(
                ctx, request.channel, PermissionDenied("Only the goals' owners can answer here.")
            )
    try:
        results = [
            checkins.record_checkin(
                session=ctx.session,
                workspace=ctx.workspace,
                actor=ctx.actor,
                goal=goal,
                now=ctx.now,
                source="reaction",
                status=status,
                reaction=request.reaction,
                prompt=p,
                round_id=round_.id if round_ is not None else None,
            )
            for p, goal in targets
        ]
    except PermissionDenied as error:  # refused before anything was written
        return _refused(ctx, request.channel, error)
    return Outcome(effects=answer_effects(ctx, results))


def reaction_removed(request: ReactionRemoved, ctx: FlowContext) -> Outcome:
    prompt = checkins.prompt_at(ctx.session, ctx.workspace.id, request.channel, request.ts)
    round_ = None
    if prompt is None:
        round_ = round_at(ctx.session, ctx.workspace.id, request.channel, request.ts)
    if (prompt is None and round_ is None) or not ctx.first_delivery():
        return Outcome()
    results = checkins.retract_reaction(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        prompt=prompt,
        round_id=round_.id if round_ is not None else None,
        reaction=request.reaction,
        now=ctx.now,
    )
    if not results:
        return Outcome()
    return Outcome(effects=answer_effects(ctx, results))


REF = re.compile(r"\bG(\d{1,9})\b", re.IGNORECASE)
WORD = re.compile(r"[^\W_]{4,}", re.UNICODE)


def route_reply(text: str, goals: Sequence[Goal]) -> Goal | None:
    """The goal a reply is about: the one it names (G12), else the one whose title words it
    uses most (unambiguously), else the only goal; None when it cannot tell."""
    named = {int(n) for n in REF.findall(text)}
    by_ref = [g for g in goals if g.number in named]
    if len(by_ref) == 1:
        return by_ref[0]
    words = {w.casefold() for w in WORD.findall(text)}
    scores = [(len(words & {w.casefold() for w in WORD.findall(g.title)}), g) for g in goals]
    best = max((score for score, _ in scores), default=0)
    leaders = [g for score, g in scores if score == best]
    if best > 0 and len(leaders) == 1:
        return leaders[0]
    return goals[0] if len(goals) == 1 else None


def thread_reply(request: ThreadReply, ctx: FlowContext) -> Outcome:
    """A reply in a round's thread is the note of the goal it names (or the only goal); when
    it names none of several, the person is asked privately which one. A reply to a single
    goal's prompt (before rounds) is that goal's note."""
    if not request.text.strip():
        return Outcome()
    prompt = checkins.prompt_at(ctx.session, ctx.workspace.id, request.channel, request.thread_ts)
    round_ = None
    if prompt is None:
        round_ = round_at(ctx.session, ctx.workspace.id, request.channel, request.thread_ts)
    if (prompt is None and round_ is None) or not ctx.first_delivery():
        return Outcome()
    if prompt is not None:
        goal, cycle = checkins.goal_of(ctx.session, prompt), prompt.cycle
    else:
        prompts = round_prompts(ctx.session, round_)
        goals = [checkins.goal_of(ctx.session, p) for p in prompts]
        edited = checkins.goal_of_note(ctx.session, ctx.workspace.id, request.message_ts)
        goal = edited or route_reply(request.text, goals)
        cycle = round_.cycle
        if goal is None:
            question = which_goal_message(
                goal_views(ctx.session, goals), round_.id, request.message_ts, request.text
            )
            return Outcome(effects=[Ephemeral(request.channel, ctx.actor.user_id, question)])
        prompt = next((p for p in prompts if p.goal_id == goal.id), None)
    try:
        result = checkins.note_from_reply(
            session=ctx.session,
            workspace=ctx.workspace,
            actor=ctx.actor,
            goal=goal,
            cycle=cycle,
            prompt=prompt,
            text=request.text,
            message_ts=request.message_ts,
            now=ctx.now,
        )
    except PermissionDenied as error:  # refused before anything was written
        return _refused(ctx, request.channel, error)
    return Outcome(effects=answer_effects(ctx, result))


def which_goal_chosen(request: WhichGoalChosen, ctx: FlowContext) -> Outcome:
    """The person said which goal their reply was about: it becomes that goal's note."""
    round_ = ctx.session.get(CheckinRound, request.round_id)
    if round_ is None or round_.workspace_id != ctx.workspace.id:
        return Outcome()
    prompts = round_prompts(ctx.session, round_)
    goal = get_goal(ctx.session, ctx.workspace.id, request.ref)
    prompt = next((p for p in prompts if p.goal_id == goal.id), None)
    result = checkins.note_from_reply(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        goal=goal,
        cycle=round_.cycle,
        prompt=prompt,
        text=request.text,
        message_ts=request.message_ts,
        now=ctx.now,
    )
    return Outcome(
        reply=checkin_confirmation(result),
        replace_original=True,
        effects=answer_effects(ctx, result),
    )


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
