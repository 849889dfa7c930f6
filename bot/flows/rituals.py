"""Buttons and modals on the ritual reminders: knowledge sharing (volunteer, swap, skip, topic,
held) and retrospectives (add items, make an action a goal, carry unfinished goals over).

Each flow changes the occurrence (or the retrospective) and answers with the reminder as it
is now, updated in place: `Update` for a message in a channel, `RespondTo` for an ephemeral
preview (which only its response_url can replace). Someone a change concerns is told by DM
(`Post` to their user id); the person who acted gets the private reply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.blocks.message import Message
from bot.blocks.rituals import (
    OccurrenceRef,
    RetroRef,
    carry_note,
    carry_reply,
    item_added_note,
    knowledge_sharing_message,
    modal_metadata,
    presenter_dm,
    promoted_reply,
    retro_item_modal,
    retrospective_message,
    topic_modal,
)
from bot.flows.context import FlowContext
from bot.flows.outcome import Effect, OpenView, Outcome, Post, RespondTo, Update
from bot.services import retrospectives, rituals
from bot.services.rituals import OccurrenceChange

# conversations.members of a channel (without the bot), or None when Slack would not say.
# The edge provides it; the flow asks only when the schedule rotates through a channel.
MembersLookup = Callable[[str], Sequence[str] | None]


@dataclass(frozen=True)
class Reminder:
    """The message a button was pressed on (or a modal was opened from)."""

    channel: str | None
    ts: str | None  # None for an ephemeral message
    response_url: str | None = None  # for an ephemeral message (a schedule preview)

    def metadata(self, block_id: str) -> str:
        """What a modal opened from this reminder carries, to update it when submitted."""
        return modal_metadata(block_id, self.channel, self.ts, self.response_url)

    def show(self, message: Message) -> list[Effect]:
        """The change, shown on the reminder itself."""
        if self.ts and self.channel:
            return [Update(self.channel, self.ts, message)]
        if self.response_url:
            return [RespondTo(self.response_url, message, replace_original=True)]
        return []


# --- knowledge sharing -----------------------------------------------------------------------


@dataclass(frozen=True)
class OccurrenceButton:
    """A button on a knowledge-sharing reminder: volunteer, swap (to `to_user`), skip, held."""

    ref: OccurrenceRef
    reminder: Reminder
    members: MembersLookup | None = None
    to_user: str = ""


@dataclass(frozen=True)
class OpenTopic:
    """ "Set topic": open the topic modal for the occurrence."""

    ref: OccurrenceRef
    block_id: str  # the reminder's, carried by the modal back to the submission
    reminder: Reminder
    trigger_id: str


@dataclass(frozen=True)
class SubmitTopic:
    ref: OccurrenceRef
    reminder: Reminder
    topic: str


def volunteer(request: OccurrenceButton, ctx: FlowContext) -> Outcome:
    _refresh_roster(request, ctx)
    change = rituals.volunteer(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        occurrence_id=request.ref.occurrence_id,
    )
    return _changed(request.ref, request.reminder, change)


def swap(request: OccurrenceButton, ctx: FlowContext) -> Outcome:
    _refresh_roster(request, ctx)
    change = rituals.swap(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        occurrence_id=request.ref.occurrence_id,
        to_user=request.to_user,
    )
    return _changed(request.ref, request.reminder, change)


def skip(request: OccurrenceButton, ctx: FlowContext) -> Outcome:
    _refresh_roster(request, ctx)
    change = rituals.skip(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        occurrence_id=request.ref.occurrence_id,
    )
    return _changed(request.ref, request.reminder, change)


def mark_held(request: OccurrenceButton, ctx: FlowContext) -> Outcome:
    _refresh_roster(request, ctx)
    change = rituals.mark_held(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        occurrence_id=request.ref.occurrence_id,
        now=ctx.now,
    )
    return _changed(request.ref, request.reminder, change)


def open_topic(request: OpenTopic, ctx: FlowContext) -> Outcome:
    view = rituals.topic_form(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        occurrence_id=request.ref.occurrence_id,
    )
    modal = topic_modal(view, request.reminder.metadata(request.block_id))
    return Outcome(effects=[OpenView(request.trigger_id, modal)])


def submit_topic(request: SubmitTopic, ctx: FlowContext) -> Outcome:
    change = rituals.set_topic(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        occurrence_id=request.ref.occurrence_id,
        topic=request.topic,
    )
    return _changed(request.ref, request.reminder, change)


def _refresh_roster(request: OccurrenceButton, ctx: FlowContext) -> None:
    """Keep the rotation's channel members fresh for the clock (stored with the change, so
    a refused change stores nothing)."""
    if request.members is None:
        return
    channel = rituals.roster_channel(
        session=ctx.session, workspace=ctx.workspace, occurrence_id=request.ref.occurrence_id
    )
    if not channel:
        return
    members = request.members(channel)
    if members is None:
        return
    rituals.refresh_roster(
        session=ctx.session,
        workspace=ctx.workspace,
        occurrence_id=request.ref.occurrence_id,
        members=members,
    )


def _changed(ref: OccurrenceRef, reminder: Reminder, change: OccurrenceChange) -> Outcome:
    """The reminder as it is now, and a DM to the presenter the change concerns."""
    view = change.occurrence
    message = knowledge_sharing_message(view, ref.event_at, view.timezone, ref.days_before, change)
    effects = reminder.show(message)
    if change.tell:
        effects.append(Post(change.tell, presenter_dm(change, ref.event_at, reminder.channel)))
    return Outcome(effects=effects)


# --- retrospectives --------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenRetroItem:
    """ "Went well" / "To improve" / "Action": open the item modal with that kind chosen."""

    kind: str
    block_id: str
    reminder: Reminder
    trigger_id: str


@dataclass(frozen=True)
class SubmitRetroItem:
    ref: RetroRef
    reminder: Reminder
    kind: str
    text: str


@dataclass(frozen=True)
class PromoteAction:
    """ "Make it a goal" on an action item."""

    ref: RetroRef
    reminder: Reminder
    item_id: int


@dataclass(frozen=True)
class CarryGoalsOver:
    """ "Carry over unfinished goals" into the next period."""

    ref: RetroRef
    reminder: Reminder


def retro_item_form(request: OpenRetroItem) -> Outcome:
    """The item modal; it needs nothing from the database, so the edge opens it at once."""
    modal = retro_item_modal(request.kind, request.reminder.metadata(request.block_id))
    return Outcome(effects=[OpenView(request.trigger_id, modal)])


def submit_retro_item(request: SubmitRetroItem, ctx: FlowContext) -> Outcome:
    item = retrospectives.add_item(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        period_id=request.ref.period_id,
        kind=request.kind,
        text=request.text,
        now=ctx.now,
    )
    return Outcome(effects=_board(ctx, request.ref, request.reminder, item_added_note(item)))


def promote_action(request: PromoteAction, ctx: FlowContext) -> Outcome:
    result = retrospectives.promote_action(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        item_id=request.item_id,
        now=ctx.now,
    )
    return Outcome(
        reply=promoted_reply(result), effects=_board(ctx, request.ref, request.reminder, None)
    )


def carry_over(request: CarryGoalsOver, ctx: FlowContext) -> Outcome:
    result = retrospectives.carry_over(
        session=ctx.session,
        workspace=ctx.workspace,
        actor=ctx.actor,
        period_id=request.ref.period_id,
        now=ctx.now,
    )
    note = carry_note(result, ctx.actor.user_id) if result.carried else None
    return Outcome(
        reply=carry_reply(result), effects=_board(ctx, request.ref, request.reminder, note)
    )


def _board(ctx: FlowContext, ref: RetroRef, reminder: Reminder, note: str | None) -> list[Effect]:
    """The retrospective reminder as it is now."""
    board = retrospectives.retro_board(
        session=ctx.session,
        workspace=ctx.workspace,
        schedule_id=ref.schedule_id,
        period_id=ref.period_id,
        now=ctx.now,
    )
    return reminder.show(retrospective_message(board, ref.event_at, ref, note))
