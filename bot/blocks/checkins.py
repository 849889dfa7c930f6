"""Check-in prompts, what was recorded on them, and a goal's check-in history."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.goals import STATUS_EMOJI, checkin_buttons, goal_line, person
from bot.blocks.message import Message, context, section
from bot.blocks.team import innovation_blocks
from bot.blocks.text import escape_mrkdwn, plural, truncate
from bot.ids import Action, Callback, Field
from bot.services.checkin_prompts import RoundItem, RoundView
from bot.services.checkins import CheckinResult, HistoryEntry, cycle_words
from bot.services.goals import GoalView
from bot.services.settings import DEFAULT_REACTIONS
from bot.services.settings import PROMPT_REACTIONS as PROMPT_REACTION_NAMES
from bot.wording import day_text, slack_moment

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


def goal_facts(goal: GoalView) -> str:
    """What a person needs to answer about a goal: status, progress, due date, target, and
    the last note."""
    facts = [f"{STATUS_EMOJI.get(goal.status, '')} {goal.status}", f"{goal.progress}%"]
    if goal.due:
        facts.append(f"due {day_text(goal.due)}")
    if goal.target:
        facts.append(f"target {escape_mrkdwn(goal.target)}")
    line = f"*{goal.ref}* {escape_mrkdwn(goal.title)}\n" + " · ".join(facts)
    if goal.status_note:
        line += f"\n_Last note:_ “{escape_mrkdwn(truncate(goal.status_note, 200))}”"
    return line


def prompt_message(goal: GoalView, cycle: str, recorded: CheckinResult | None = None) -> Message:
    """One goal's message in a round's thread: a reaction on it answers this goal."""
    blocks = [
        section(goal_facts(goal)),
        checkin_buttons(goal.ref, with_note=True),
    ]
    if recorded is not None:
        blocks.append(context(recorded_line(recorded)))
    return Message(
        text=f"{goal.ref} {escape_mrkdwn(goal.title)}: react to answer for this goal.",
        blocks=blocks,
    )


def _answer_text(item: RoundItem) -> str:
    answer = item.answer
    if answer is None or (answer.status is None and answer.note is None):
        return f"*{item.goal.ref}* waiting"
    parts = []
    if answer.status:
        parts.append(f"{STATUS_EMOJI.get(answer.status, '')} {answer.status}")
    if answer.progress is not None and answer.status != "done":
        parts.append(f"{answer.progress}%")
    if answer.note:
        parts.append(f"“{escape_mrkdwn(truncate(answer.note, 80))}”")
    return f"*{item.goal.ref}* {' '.join(parts)} — {person(answer.by)}"


def round_message(view: RoundView) -> Message:
    """A person's one check-in message of the cycle: their goals, how to answer, (once they
    have) what they answered, and the optional innovation question. At most 15 goal lines
    (the rest are in the thread), so it stays far below Slack's 50 blocks."""
    count = plural(len(view.items), "goal")
    legend = " ".join(f":{name}: {meaning}" for name, meaning in PROMPT_REACTIONS)
    head = (
        f"*Check-in · {cycle_words(view.cycle)}*\n"
        f"{person(view.person)}, how are your {count} going?"
        if len(view.items) > 1
        else f"*Check-in · {cycle_words(view.cycle)}*\n{person(view.person)}, how is it going?"
    )
    blocks = [section(head)]
    lines = [goal_facts(item.goal) for item in view.items[:15]]
    chunk: list[str] = []
    for line in lines:  # sections within Slack's 3,000 characters
        if sum(len(x) + 2 for x in chunk) + len(line) > 2800:
            blocks.append(section("\n\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n\n".join(chunk)))
    if len(view.items) > 15:
        blocks.append(context(f"…and {len(view.items) - 15} more in the thread."))
    everything = "all at once" if len(view.items) > 1 else "it"
    blocks.append(
        context(
            f"React here to answer {everything} ({legend}), or on each goal's message in the "
            "thread; reply in the thread with a note (name the goal, e.g. G12)."
        )
    )
    answered = [i for i in view.items if i.answer is not None]
    if answered:
        blocks.append(
            context(truncate("Answered: " + " · ".join(_answer_text(i) for i in view.items), 2900))
        )
    if view.innovation is not None:  # team metrics: asked only of the roster, with a metric
        private = not view.channel or view.channel.startswith("D")  # a DM, or not posted yet
        blocks += innovation_blocks(view.innovation, private=private)
    question = f"how are your {count} going?" if len(view.items) > 1 else "how is it going?"
    return Message(
        text=f"Check-in · {cycle_words(view.cycle)}: {question}",
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
    count = plural(len(goals), "goal")
    verb = "has" if len(goals) == 1 else "have"
    text = (
        f"*Check-in · {cycle_words(cycle)}*: {count} {verb} no owner, so nobody was asked "
        f"about {'it' if len(goals) == 1 else 'them'}. Give "
        f"{'it' if len(goals) == 1 else 'them'} one with `/roadmap assign G12 @someone`."
        f"\n{lines}{more}"
    )
    return Message(text=f"{count} {verb} no owner", blocks=[section(text)])


def chase_message(user_id: str, goals: Sequence[GoalView]) -> Message:
    """The one reminder of a round, in its thread: only the goals still unanswered."""
    refs = ", ".join(f"*{g.ref}* {escape_mrkdwn(truncate(g.title, 60))}" for g in goals[:10])
    more = f" and {len(goals) - 10} more" if len(goals) > 10 else ""
    them = "it" if len(goals) == 1 else "them all"
    text = (
        f"{person(user_id)} a gentle reminder: {plural(len(goals), 'goal')} still "
        f"{'waits' if len(goals) == 1 else 'wait'} for this week's answer: {refs}{more}. "
        f"One reaction on the message above answers {them}."
    )
    return Message(text=text, blocks=[section(text)])


def which_goal_message(
    goals: Sequence[GoalView], round_id: int, message_ts: str, text: str
) -> Message:
    """Privately, to the person who replied in a round's thread without naming a goal."""
    buttons = [
        ButtonElement(
            text=truncate(f"{g.ref} {g.title}", 75),
            action_id=f"{Action.CHECKIN_WHICH}:{g.ref}",
            value=json.dumps({"r": round_id, "g": g.ref, "ts": message_ts, "t": text[:1500]}),
        )
        for g in goals[:25]
    ]
    question = "Which goal is your note about? (Next time, start it with the goal, e.g. G12.)"
    return Message(
        text=question,
        blocks=[section(question), ActionsBlock(elements=buttons)],
    )


def history_message(goal: GoalView, entries: Sequence[HistoryEntry]) -> Message:
    blocks = [HeaderBlock(text=truncate(f"{goal.ref} {goal.title}", 150))]
    if not entries:
        blocks.append(section("No check-ins yet."))
    lines = []
    for e in entries[-40:]:
        # A note alone (a reply in the prompt's thread) has no status: show what was said.
        parts = [f"*{cycle_words(e.cycle)}*"]
        if e.status:
            parts.append(f"{STATUS_EMOJI.get(e.status, '')} {e.status}")
        if e.progress is not None:
            parts.append(f"{e.progress}%")
        line = " · ".join(parts) + f" — {person(e.user_id)} {SOURCE_WORDS.get(e.source, '')}"
        line += f", {slack_moment(e.at)}"
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
    if len(entries) > 40:
        blocks.append(context(f"The latest 40 of {plural(len(entries), 'answer')}."))
    return Message(text=f"Check-in history of {goal.ref}", blocks=blocks[:50])


def prompt_preview(view: RoundView, people: int, goals: int, on: str, yours: bool) -> Message:
    """`/roadmap schedule test` on the check-in schedule: the message one person would get,
    and who else would get theirs; nothing is sent."""
    message = round_message(view)
    whose = "yours" if yours else f"{person(view.person)}'s"
    note = (
        f"On {on}, {plural(people, 'person')} would be asked about {plural(goals, 'goal')}, "
        f"each in one message like this one ({whose}), with a message per goal in its thread. "
        "Nothing was sent."
    )
    return Message(text=message.text, blocks=[*message.blocks, context(note)])


def nobody_to_prompt(on: str) -> Message:
    text = (
        f"Nobody would be asked on {on}: no period of the roadmap runs then, or none of its "
        "open goals has an owner who is a person (assign them with /roadmap assign)."
    )
    return Message(text=text, blocks=[section(text)])


def note_modal(ref: str, prompt_id: int | None, statuses: Sequence[str]) -> View:
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
