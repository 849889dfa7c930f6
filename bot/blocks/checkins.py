"""Check-in prompts, what was recorded on them, and a goal's check-in history."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.goals import STATUS_EMOJI, checkin_buttons, goal_line, person
from bot.blocks.message import Message, context, section
from bot.blocks.text import escape_mrkdwn, truncate
from bot.ids import Callback, Field
from bot.services.checkins import CheckinResult, HistoryEntry
from bot.services.goals import GoalView
from bot.services.settings import DEFAULT_REACTIONS
from bot.services.settings import PROMPT_REACTIONS as PROMPT_REACTION_NAMES

# The reactions the bot puts on every prompt, one per answer, so people can just click.
PROMPT_REACTIONS = tuple(
    (name, DEFAULT_REACTIONS[name].replace("-", " ")) for name in PROMPT_REACTION_NAMES
)
SOURCE_WORDS = {
    "reaction": "with a reaction",
    "button": "with a button",
    "modal": "with a note",
    "command": "with /roadmap checkin",
    "thread": "in the thread",
}


def prompt_message(goal: GoalView, cycle: str, recorded: CheckinResult | None = None) -> Message:
    legend = ", ".join(f":{name}: {meaning}" for name, meaning in PROMPT_REACTIONS)
    blocks = [
        section(f"*Weekly check-in* · {cycle}\n{goal_line(goal)}"),
        context(f"React with {legend} — or press a button, or reply in this thread with a note."),
        checkin_buttons(goal.ref, with_note=True),
    ]
    if recorded is not None:
        blocks.append(context(recorded_line(recorded)))
    return Message(
        text=f"Check-in for {goal.ref} {escape_mrkdwn(goal.title)}: how is it going?",
        blocks=blocks,
    )


def recorded_line(result: CheckinResult) -> str:
    if result.status is None and result.note is None:
        return f"Answer taken back by {person(result.by)}."
    parts = []
    if result.status:
        parts.append(f"{STATUS_EMOJI.get(result.status, '')} {result.status}")
    if result.progress is not None:
        parts.append(f"{result.progress}%")
    if result.note:
        parts.append(f"“{escape_mrkdwn(truncate(result.note, 200))}”")
    how = SOURCE_WORDS.get(result.source, "")
    return f"Recorded: {' · '.join(parts)} — by {person(result.by)} {how}".rstrip()


def checkin_confirmation(result: CheckinResult) -> Message:
    verb = "Updated" if result.replaced else "Checked in"
    text = (
        f":white_check_mark: {verb} *{result.goal.ref}* {escape_mrkdwn(result.goal.title)}: "
        f"{recorded_line(result).removeprefix('Recorded: ')}"
    )
    return Message(text=text, blocks=[section(text)])


def unowned_goals_message(goals: Sequence[GoalView], cycle: str) -> Message:
    lines = "\n".join(goal_line(g).replace("\n", " — ") for g in goals[:30])
    more = f"\n…and {len(goals) - 30} more" if len(goals) > 30 else ""
    text = (
        f"*Check-in {cycle}*: these goals have no owner, so nobody was asked about them. "
        f"Give them one with `/roadmap assign G12 @someone`.\n{lines}{more}"
    )
    return Message(text=f"{len(goals)} goals have no owner", blocks=[section(text)])


def chase_message(goal: GoalView, user_ids: Sequence[str]) -> Message:
    who = " ".join(person(u) for u in user_ids)
    text = (
        f"{who} a gentle reminder: how is *{goal.ref}* {escape_mrkdwn(goal.title)} going? "
        "One reaction on the message above is enough."
    ).strip()
    return Message(text=text, blocks=[section(text)])


def history_message(goal: GoalView, entries: Sequence[HistoryEntry]) -> Message:
    blocks = [HeaderBlock(text=truncate(f"{goal.ref} {goal.title}", 150))]
    if not entries:
        blocks.append(section("No check-ins yet."))
    lines = []
    for e in entries[:40]:
        status = f"{STATUS_EMOJI.get(e.status or '', '')} {e.status}" if e.status else "no status"
        parts = [f"*{e.cycle}*", status]
        if e.progress is not None:
            parts.append(f"{e.progress}%")
        line = " · ".join(parts) + f" — {person(e.user_id)} {SOURCE_WORDS.get(e.source, '')}"
        line += f", {e.at:%d %b %H:%M} UTC"
        if e.retracted:
            line += " (taken back)"
        if e.note:
            line += f"\n> {escape_mrkdwn(truncate(e.note, 300))}"
        lines.append(line)
    chunk: list[str] = []
    for line in lines:  # several sections, each within Slack's 3,000 characters
        if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return Message(text=f"Check-in history of {goal.ref}", blocks=blocks[:50])


def note_modal(ref: str, prompt_id: int | None, statuses: Sequence[str]) -> View:
    import json

    return View(
        type="modal",
        callback_id=Callback.CHECKIN_NOTE,
        private_metadata=json.dumps({"ref": ref, "prompt": prompt_id}),
        title=f"Check in on {ref}"[:24],
        submit="Save",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=Field.STATUS,
                label="Status",
                element=StaticSelectElement(
                    action_id=Field.STATUS,
                    options=[Option(text=f"{STATUS_EMOJI[s]} {s}", value=s) for s in statuses],
                ),
            ),
            InputBlock(
                block_id=Field.PROGRESS,
                label="Progress (%)",
                optional=True,
                element=PlainTextInputElement(action_id=Field.PROGRESS, placeholder="60"),
            ),
            InputBlock(
                block_id=Field.NOTE,
                label="Note",
                optional=True,
                element=PlainTextInputElement(
                    action_id=Field.NOTE, multiline=True, max_length=2000
                ),
            ),
        ],
    )
