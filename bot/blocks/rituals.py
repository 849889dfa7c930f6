"""Knowledge-sharing and retrospective reminders, their buttons and modals.

A reminder's actions block carries, in its block id, what the handlers need to rebuild the
message after a change: the occurrence (or the retrospective's schedule and period), and the
event's time, so the message keeps saying what it said when it was posted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.digests.quarterly import headline_lines, missed_lines, outcome_lines
from bot.blocks.digests.style import LIST_LIMIT, cap, goal_line, sections, style_of
from bot.blocks.goals import person
from bot.blocks.message import MAX_MESSAGE_BLOCKS, Message, context, section
from bot.blocks.text import escape_mrkdwn, truncate
from bot.ids import Action, Callback, Field
from bot.services.retrospectives import CarryOver, PromotedAction, RetroBoard, RetroItemView
from bot.services.rituals import OccurrenceChange, OccurrenceView
from bot.wording import day_text, moment_text

RETRO_KIND_LABELS = {
    "went_well": ":sparkles: Went well",
    "to_improve": ":hammer_and_wrench: To improve",
    "action": ":dart: Action",
}
ACTION_ITEM_BUTTONS = 15  # action items shown with their own "Make it a goal" button


# --- where a message's buttons point ---------------------------------------------------------


@dataclass(frozen=True)
class OccurrenceRef:
    """A knowledge-sharing reminder: its occurrence, days before the event, and the event.

    The block id's "ks:" format is the one on messages already posted: keep it."""

    occurrence_id: int
    days_before: int
    event_at: datetime

    def block_id(self) -> str:
        return f"ks:{self.occurrence_id}:{self.days_before}:{int(self.event_at.timestamp())}"

    @classmethod
    def parse(cls, block_id: str) -> OccurrenceRef:
        _, occurrence_id, days, epoch = block_id.split(":")[:4]
        return cls(int(occurrence_id), int(days), datetime.fromtimestamp(int(epoch), UTC))


@dataclass(frozen=True)
class RetroRef:
    """A retrospective reminder: its schedule, the period it looks back on, and the event."""

    schedule_id: int
    period_id: int
    event_at: datetime

    def block_id(self, suffix: str = "") -> str:
        base = f"retro:{self.schedule_id}:{self.period_id}:{int(self.event_at.timestamp())}"
        return f"{base}:{suffix}" if suffix else base

    @classmethod
    def parse(cls, block_id: str) -> RetroRef:
        _, schedule_id, period_id, epoch = block_id.split(":")[:4]
        return cls(int(schedule_id), int(period_id), datetime.fromtimestamp(int(epoch), UTC))


def modal_metadata(
    block_id: str, channel: str | None, ts: str | None, response_url: str | None = None
) -> str:
    """What a modal opened from a reminder needs to update that reminder when submitted."""
    return json.dumps({"block": block_id, "channel": channel, "ts": ts, "url": response_url})


def when_text(event_at: datetime, zone: str) -> str:
    return moment_text(event_at, zone, named=True)


# --- knowledge sharing -----------------------------------------------------------------------


def _heading(event_at: datetime, zone: str, days_before: int) -> str:
    when = (
        "Today"
        if days_before == 0
        else "Tomorrow"
        if days_before == 1
        else f"In {days_before} days"
    )
    return f":books: *{when}: knowledge-sharing session* — {when_text(event_at, zone)}"


def _topic(view: OccurrenceView) -> str:
    return f"“{escape_mrkdwn(view.topic)}”" if view.topic else "_topic to be announced_"


def occurrence_lines(view: OccurrenceView | None) -> list[str]:
    if view is None or (view.state == "planned" and not view.presenter):
        return ["No presenter yet: press *I'll present* to volunteer."]
    if view.state == "skipped":
        return [":fast_forward: Skipped this month; the rotation moves on to the next session."]
    presenter = person(view.presenter) if view.presenter else "someone"
    if view.state == "held":
        if view.topic:
            return [f":white_check_mark: Held — {presenter} presented {_topic(view)}."]
        return [f":white_check_mark: Held — presented by {presenter}."]
    return [f"*Presenter*: {presenter} · *Topic*: {_topic(view)}"]


CHANGE_WORDS = {
    "volunteer": "{by} volunteered to present",
    "swap": "{by} handed the session to {presenter}",
    "skip": "{by} skipped this month's session",
    "topic": "{by} set the topic",
    "held": "{by} marked the session as held",
}


def change_line(change: OccurrenceChange) -> str:
    presenter = person(change.occurrence.presenter) if change.occurrence.presenter else "nobody"
    line = CHANGE_WORDS[change.action].format(by=person(change.by), presenter=presenter)
    if change.action == "volunteer" and change.previous_presenter not in (None, change.by):
        line += f" instead of {person(change.previous_presenter)}"
    if change.reading_recorded:
        line += "; it counts toward the knowledge-sharing sessions metric"
    return line + "."


def occurrence_actions(view: OccurrenceView, ref: OccurrenceRef) -> ActionsBlock | None:
    if view.state == "held":
        return None
    volunteer = ButtonElement(
        text="I'll present", action_id=Action.OCCURRENCE_VOLUNTEER, value=str(view.id)
    )
    if view.state == "skipped":
        return ActionsBlock(block_id=ref.block_id(), elements=[volunteer])
    elements = [
        volunteer,
        ButtonElement(text="Set topic", action_id=Action.OCCURRENCE_TOPIC, value=str(view.id)),
        ButtonElement(
            text="Mark as held",
            action_id=Action.OCCURRENCE_HELD,
            value=str(view.id),
            style="primary",
        ),
        ButtonElement(
            text="Skip this month",
            action_id=Action.OCCURRENCE_SKIP,
            value=str(view.id),
            confirm=ConfirmObject(
                title="Skip this month?",
                text="No session this month; the next one goes to the next person in turn.",
                confirm="Skip it",
                deny="Keep it",
            ),
        ),
        UserSelectElement(placeholder="Swap with…", action_id=Action.OCCURRENCE_SWAP),
    ]
    return ActionsBlock(block_id=ref.block_id(), elements=elements)


def knowledge_sharing_message(
    view: OccurrenceView | None,
    event_at: datetime,
    zone: str,
    days_before: int,
    change: OccurrenceChange | None = None,
) -> Message:
    """The reminder: when, who presents and on what, and buttons to change that."""
    heading = _heading(event_at, zone, days_before)
    blocks: list[Block] = [section("\n".join([heading, *occurrence_lines(view)]))]
    if view is not None:
        actions = occurrence_actions(view, OccurrenceRef(view.id, days_before, event_at))
        if actions is not None:
            blocks.append(actions)
    if change is not None:
        blocks.append(context(change_line(change)))
    return Message(text=heading, blocks=blocks)


def presenter_dm(change: OccurrenceChange, event_at: datetime, channel: str | None) -> Message:
    """Tell someone an occurrence became theirs, or is no longer theirs."""
    view = change.occurrence
    when = when_text(event_at, view.timezone)
    where = f" (reminder in <#{channel}>)" if channel and channel[:1] in "CG" else ""
    if view.presenter == change.tell:
        text = (
            f":books: {person(change.by)} handed you the knowledge-sharing session on {when}"
            f"{where}. Press *Set topic* on the reminder to tell the team what it is about."
        )
    else:
        text = (
            f":books: {person(change.by)} volunteered to present the knowledge-sharing session "
            f"on {when}{where}, so you are off the hook this time."
        )
    return Message(text=text, blocks=[section(text)])


def topic_modal(view: OccurrenceView, metadata: str) -> View:
    return View(
        type="modal",
        callback_id=Callback.OCCURRENCE_TOPIC,
        private_metadata=metadata,
        title="Session topic",
        submit="Save",
        close="Cancel",
        blocks=[
            section(f"Knowledge-sharing session on {day_text(view.occurrence_date)}."),
            InputBlock(
                block_id=Field.TOPIC,
                label="Topic",
                element=PlainTextInputElement(
                    action_id=Field.TOPIC,
                    initial_value=view.topic or None,
                    max_length=200,
                    placeholder="e.g. What we learned moving to PostgreSQL",
                ),
            ),
        ],
    )


# --- retrospectives --------------------------------------------------------------------------


def _item_line(item: RetroItemView) -> str:
    who = f" — {person(item.user_id)}" if item.user_id else ""
    goal = f" → *{item.goal_ref}*" if item.goal_ref else ""
    return f"• {escape_mrkdwn(truncate(item.text, 400))}{who}{goal}"


def _item_blocks(board: RetroBoard, ref: RetroRef | None) -> list[Block]:
    blocks: list[Block] = []
    for kind in ("went_well", "to_improve"):
        items = [i for i in board.items if i.kind == kind]
        lines = [_item_line(i) for i in items] or ["_Nothing yet._"]
        blocks.extend(sections(f"*{RETRO_KIND_LABELS[kind]}*", cap(lines, 20, "…and {n} more")))
    actions = [i for i in board.items if i.kind == "action"]
    blocks.append(
        section(f"*{RETRO_KIND_LABELS['action']}s*" + ("" if actions else "\n_None yet._"))
    )
    with_button = [i for i in actions if not i.goal_ref][:ACTION_ITEM_BUTTONS]
    rest = []
    for item in actions:
        if ref is not None and board.next_period and item in with_button:
            blocks.append(
                SectionBlock(
                    block_id=ref.block_id(f"item{item.id}"),
                    text=MarkdownTextObject(text=_item_line(item)),
                    accessory=ButtonElement(
                        text="Make it a goal",
                        action_id=f"{Action.RETRO_PROMOTE}:{item.id}",
                        value=str(item.id),
                    ),
                )
            )
        else:
            rest.append(_item_line(item))
    if rest:
        blocks.extend(sections(None, cap(rest, 20, "…and {n} more")))
    return blocks


def retro_actions(board: RetroBoard, ref: RetroRef) -> ActionsBlock:
    elements = [
        ButtonElement(
            text=RETRO_KIND_LABELS[kind].split(" ", 1)[1],
            action_id=f"{Action.RETRO_ADD}:{kind}",
            value=kind,
        )
        for kind in ("went_well", "to_improve", "action")
    ]
    if board.next_period:
        elements.append(
            ButtonElement(
                text=truncate(f"Carry over unfinished goals to {board.next_period}", 75),
                action_id=Action.RETRO_CARRY,
                value=str(board.period_id),
                confirm=ConfirmObject(
                    title="Carry over unfinished goals?",
                    text=truncate(
                        f"Every goal of {board.period} that is not done gets a copy in "
                        f"{board.next_period} (unless one with its title is there already).",
                        300,
                    ),
                    confirm="Carry over",
                    deny="Cancel",
                ),
            )
        )
    return ActionsBlock(block_id=ref.block_id(), elements=elements)


def retrospective_message(
    board: RetroBoard, event_at: datetime, ref: RetroRef | None, note: str | None = None
) -> Message:
    """The reminder with the period's outcomes filled in, the items collected so far, and
    buttons to add items, make actions goals, and carry unfinished goals over."""
    heading = f":repeat: *Retrospective* — {when_text(event_at, board.timezone)}"
    digest = board.digest
    if board.period is None:
        text = f"{heading}\nNo roadmap yet: import one with /roadmap import."
        return Message(text=heading, blocks=[section(text)])
    st = style_of(digest, slack=True)
    intro = f"{heading}\nHow *{escape_mrkdwn(board.period)}* went: " + " · ".join(
        headline_lines(digest, st)
    )
    blocks: list[Block] = [section(intro)]
    done = [goal_line(g, st, note=False) for g in digest.achieved]
    blocks.extend(sections("*Done*", cap(done, LIST_LIMIT * 2, "…and {n} more") or ["None."]))
    blocks.extend(sections("*Not done*", missed_lines(digest, st)))
    blocks.extend(sections("*Metrics*", outcome_lines(digest, st)))
    blocks.append(DividerBlock())
    blocks.extend(_item_blocks(board, ref))
    if ref is not None:
        blocks.append(retro_actions(board, ref))
    footer = "Add what went well, what to improve, and actions with the buttons."
    if board.next_period:
        footer += f" Actions can become goals of {escape_mrkdwn(board.next_period)}."
    blocks.append(context(note or footer))
    if len(blocks) > MAX_MESSAGE_BLOCKS:  # keep the buttons and the footer
        blocks = blocks[: MAX_MESSAGE_BLOCKS - 2] + blocks[-2:]
    return Message(text=f"Retrospective of {escape_mrkdwn(board.period)}", blocks=blocks)


def retro_item_modal(kind: str, metadata: str) -> View:
    options = [
        Option(text=label.split(" ", 1)[1], value=value)
        for value, label in RETRO_KIND_LABELS.items()
    ]
    return View(
        type="modal",
        callback_id=Callback.RETRO_ITEM,
        private_metadata=metadata,
        title="Retrospective",
        submit="Add",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=Field.RETRO_KIND,
                label="Kind",
                element=StaticSelectElement(
                    action_id=Field.RETRO_KIND,
                    options=options,
                    initial_option=next((o for o in options if o.value == kind), options[0]),
                ),
            ),
            InputBlock(
                block_id=Field.RETRO_TEXT,
                label="What do you want to say?",
                element=PlainTextInputElement(
                    action_id=Field.RETRO_TEXT, multiline=True, max_length=500
                ),
            ),
        ],
    )


def item_added_note(item: RetroItemView) -> str:
    label = RETRO_KIND_LABELS[item.kind].split(" ", 1)[1].lower()
    return f"{person(item.user_id or '')} added an item ({label})."


def promoted_reply(result: PromotedAction) -> Message:
    goal = result.goal
    text = (
        f":dart: The action is now *{goal.ref}* {escape_mrkdwn(goal.title)} in "
        f"{escape_mrkdwn(goal.period)} / {escape_mrkdwn(goal.category)}."
    )
    return Message(text=text, blocks=[section(text)])


def carry_reply(result: CarryOver) -> Message:
    n = len(result.carried)
    whose = "" if result.scope == "all" else " of yours"
    if n:
        refs = ", ".join(f"{old}→{new}" for old, new in result.carried[:30])
        more = f" and {n - 30} more" if n > 30 else ""
        text = (
            f":arrows_counterclockwise: Carried {n} unfinished goal{'s' * (n != 1)}{whose} over "
            f"to {escape_mrkdwn(result.next_period)}: {refs}{more}."
        )
    else:
        text = f"Nothing new to carry over{whose}: {escape_mrkdwn(result.next_period)} has them."
    if result.already_there:
        text += f" {len(result.already_there)} already had a goal with the same title there."
    return Message(text=text, blocks=[section(text)])


def carry_note(result: CarryOver, by: str) -> str:
    return (
        f"{person(by)} carried {len(result.carried)} unfinished goals over to "
        f"{escape_mrkdwn(result.next_period)}."
    )
