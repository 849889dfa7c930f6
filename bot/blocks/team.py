"""Team metrics messages: the roster, the pulse DM and its results, the innovation question
(part of the check-in message, bot.blocks.checkins), and where an automatic metric's number
comes from. Pure: plain data in, blocks out."""

from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.count_goals import count_goal_text
from bot.blocks.goals import person
from bot.blocks.message import Message, context, section, simple
from bot.blocks.text import escape_mrkdwn
from bot.ids import Action, Callback, Field
from bot.services.innovation import CHOICES as INNOVATION_CHOICES
from bot.services.innovation import InnovationAsk, week_worked
from bot.services.measured_by import LABELS, SETTABLE, SourceChange
from bot.services.metric_explain import Explanation
from bot.services.metrics import format_value
from bot.services.partners import Partner
from bot.services.pulse import PulseResult
from bot.services.team import RosterChange, RosterRow, RosterView
from bot.services.team_metrics import AutoReading
from bot.wording import day_text, plural
from models import MeasuredBy

PULSE_LABELS = {1: "1 😞", 2: "2", 3: "3", 4: "4", 5: "5 😄"}


READING_SOURCES = {
    "command": "a person, with /roadmap metric",
    "modal": "a person, in the form",
    "api": "the metrics API",
    "import": "the imported roadmap",
    "pulse": "the pulse survey",
    "roster": "the team roster",
    "checkins": "the check-ins",
    "goals": "the goals",
    "rituals": "the knowledge-sharing sessions",
    "ritual": "a session marked held",
    "prometheus": "Prometheus",
    "github": "GitHub",
    "gitlab": "GitLab",
    "alertmanager": "Alertmanager",
}


def source_words(source: str | None) -> str:
    """Where a reading came from, in words ("a person, with /roadmap metric", not "command")."""
    return READING_SOURCES.get(source or "", escape_mrkdwn(source or "somewhere"))


def _day(day: date) -> str:
    return day_text(day, year=True)


def _people(ids: list[str]) -> str:
    return ", ".join(person(u) for u in ids)


def roster_message(view: RosterView) -> Message:
    if not view.members:
        text = (
            "The team roster is empty. Add people with `/roadmap team add @alice @bob`, or "
            "follow a channel with `/roadmap team sync #eng-backend`."
        )
        return simple(text)
    lines = []
    for m in view.members:
        role = f" · {escape_mrkdwn(m.role)}" if m.role else ""
        plan = "growth plan :white_check_mark:" if m.growth_plan else "no growth plan yet"
        if m.growth_plan and m.growth_plan_link:
            plan = f"<{m.growth_plan_link}|growth plan> :white_check_mark:"
        lines.append(f"• {person(m.user_id)}{role} · joined {_day(m.joined_on)} · {plan}")
    head = f"*Team roster* ({plural(len(view.members), 'person', 'people')}, "
    head += f"{view.with_plan} with a growth plan)"
    blocks = [section(head + "\n" + "\n".join(lines))]
    for g in view.goals:
        blocks.append(section(f"*{g.ref}* {escape_mrkdwn(g.title)}: {count_goal_text(g)}"))
    note = f"Follows <#{view.channel}> (refreshed daily)." if view.channel else ""
    blocks.append(
        context(
            f"{note} Change it: `/roadmap team add|remove @person`, `team role @person lead`, "
            "`team plan yes`.".strip()
        )
    )
    text = f"Team roster: {plural(len(view.members), 'person', 'people')}"
    return Message(text=text, blocks=blocks)


def roster_changed(change: RosterChange, size: int) -> Message:
    parts = []
    if change.channel:
        parts.append(f"The roster now follows <#{change.channel}>, refreshed daily.")
    joined = f" (joined {_day(change.joined)})" if change.joined else ""
    if change.added:
        parts.append(f"Added {_people(change.added)}{joined}.")
    if change.dated:
        parts.append(f"{_people(change.dated)}: joined {_day(change.joined)}.")
    if change.removed:
        parts.append(f"Removed {_people(change.removed)}.")
    if change.unchanged and not change.channel:
        parts.append(f"No change for {_people(change.unchanged)}.")
    parts.append(f"The team has {plural(size, 'person', 'people')}.")
    return simple(" ".join(parts))


def role_set(row: RosterRow) -> Message:
    role = f" is *{escape_mrkdwn(row.role)}* on the team," if row.role else ""
    return simple(f"{person(row.user_id)}{role} joined {_day(row.joined_on)}.")


def plan_set(row: RosterRow, readings: list[AutoReading]) -> Message:
    state = "has a written growth plan" if row.growth_plan else "has no growth plan marked"
    return simple(f"{person(row.user_id)} {state}.{_reading_note(readings)}")


def _reading_note(readings: list[AutoReading]) -> str:
    """The metric's reading as every surface now shows it: the bot's measure, or, on a day a
    person typed one, theirs (which stands for the day) beside what the bot measures."""
    notes = []
    for r in readings:
        if r.value is None:
            continue
        name, measured = escape_mrkdwn(r.metric), format_value(r.value, "%")
        if r.typed is None:
            source = source_words(r.source)
            notes.append(f" {name}: *{measured}* ({escape_mrkdwn(r.note)}, from {source}).")
            continue
        notes.append(
            f" {name}: *{format_value(r.typed, '%')}*, typed today, stands for today; from "
            f"{r.source} it is {measured} now ({escape_mrkdwn(r.note)}), which takes over "
            "tomorrow."
        )
    return "".join(notes)


def partners_set(ref: str, partners: list[Partner], readings: list[AutoReading]) -> Message:
    if partners:
        names = ", ".join(escape_mrkdwn(p.name) for p in partners)
        text = f"{ref} is now worked on with {names}."
    else:
        text = f"{ref} has no partner teams now."
    return simple(text + _reading_note(readings))


# --- the pulse --------------------------------------------------------------------------------


def pulse_question(round_id: int, question: str, *, closes: str | None = "in 3 days") -> Message:
    buttons = [
        ButtonElement(
            text=PULSE_LABELS[n],
            action_id=f"{Action.PULSE_SCORE}:{n}",
            value=f"{round_id}:{n}",
        )
        for n in range(1, 6)
    ]
    buttons.append(
        ButtonElement(
            text="Answer with a comment", action_id=Action.PULSE_COMMENT, value=str(round_id)
        )
    )
    return Message(
        text=f"Team pulse: {question}",
        blocks=[
            section(f":wave: *Team pulse*\n{escape_mrkdwn(question)}"),
            ActionsBlock(block_id=f"pulse:{round_id}", elements=buttons),
            context(
                "Anonymous: your answer is stored without your name, and results are shown "
                "only when at least 3 people answered."
                + (f" The round closes {closes}." if closes else "")
            ),
        ],
    )


def pulse_thanks() -> Message:
    """What replaces the question once answered: not the score (the DM stays neutral)."""
    return simple(
        ":white_check_mark: Thanks, your pulse answer is in. It is stored without your name."
    )


def pulse_chase(round_id: int, question: str, closes: str) -> Message:
    """The one reminder: `closes` is when, in the person's own zone ("Thursday at 14:00")."""
    message = pulse_question(round_id, question, closes=None)
    when = f"The team pulse closes {closes} (your time)"
    message.blocks[0] = section(f":hourglass: {when}.\n{escape_mrkdwn(question)}")
    return Message(text=f"{when}: {question}", blocks=message.blocks)


def pulse_comment_modal(round_id: int, metadata: dict) -> View:
    return View(
        type="modal",
        callback_id=Callback.PULSE_COMMENT,
        private_metadata=json.dumps({"round": round_id, **metadata}),
        title="Team pulse",
        submit="Send anonymously",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=Field.PULSE_SCORE,
                label="Your answer",
                element=StaticSelectElement(
                    action_id=Field.PULSE_SCORE,
                    options=[Option(value=str(n), label=PULSE_LABELS[n]) for n in range(1, 6)],
                ),
            ),
            InputBlock(
                block_id=Field.PULSE_COMMENT,
                label="Comment (anonymous)",
                optional=True,
                element=PlainTextInputElement(
                    action_id=Field.PULSE_COMMENT, multiline=True, max_length=1000
                ),
            ),
            context("Stored without your name; shown only with a result of 3 or more answers."),
        ],
    )


def pulse_result(result: PulseResult) -> Message:
    if result.mean is None:
        text = f":bar_chart: Team pulse closed: {escape_mrkdwn(result.text)}."
        return simple(text)
    head = f":bar_chart: *Team pulse:* {escape_mrkdwn(result.text)}"
    if result.recorded and result.metric:
        head += f" (recorded as {escape_mrkdwn(result.metric)}, source pulse)"
    blocks = [section(head + f"\n_{escape_mrkdwn(result.question)}_")]
    if result.comments:
        quoted = "\n".join(f"> {escape_mrkdwn(c)}" for c in result.comments[:20])
        blocks.append(section("*Comments* (anonymous, in no particular order)\n" + quoted))
    return Message(text=f"Team pulse: {result.text}", blocks=blocks)


# --- innovation time --------------------------------------------------------------------------


INNOVATION_QUESTION = "About how much of your time went to innovation last week?"


def innovation_blocks(ask: InnovationAsk, *, private: bool) -> list[Block]:
    """The optional question at the end of a person's check-in message: buttons 0–50%. Once
    answered it says so; the percentage itself only in a DM (in the roadmap channel the
    person is told privately)."""
    buttons = [
        ButtonElement(
            text=f"{p}%",
            action_id=f"{Action.INNOVATION}:{p}",
            value=str(p),
            style="primary" if private and ask.percent == p else None,
        )
        for p in INNOVATION_CHOICES
    ]
    text = f"*Optional:* {INNOVATION_QUESTION[0].lower()}{INNOVATION_QUESTION[1:]}"
    if ask.percent is not None:
        said = f"*{ask.percent}%* noted" if private else "Answered"
        text += f"\n:bulb: {said}, thanks. Pressing another choice changes it."
    return [section(text), ActionsBlock(block_id=Action.INNOVATION, elements=buttons)]


def innovation_recorded(percent: int, cycle: str) -> Message:
    return simple(
        f":bulb: Your innovation time for the week of {_day(week_worked(cycle))}: *{percent}%* "
        "noted (only you can see this). Pressing another choice changes it."
    )


# --- where a number comes from ----------------------------------------------------------------


def _choices(but: str | None = None) -> str:
    return "|".join(s for s in SETTABLE if s != but)


def _measured(measured_by: str) -> str:
    if measured_by == MeasuredBy.MANUAL:
        return "typed by people"
    return f"measured by {LABELS[MeasuredBy(measured_by)]}"


def explanation(e: Explanation) -> Message:
    name = escape_mrkdwn(e.name)
    change = f"`/roadmap metric source {name} {_choices()}`"
    head = f"*{name}* is {_measured(e.measured_by)}"
    if e.guessed and e.measured_by != MeasuredBy.MANUAL:
        head += f", chosen from its name. Change it with {change}."
    elif e.measured_by == MeasuredBy.PROMETHEUS:
        head += f" (`/roadmap metric source {name}` shows the query, `… off` stops it)."
    elif e.measured_by == MeasuredBy.MANUAL:
        head += (
            f". The bot can measure it instead: `/roadmap metric source {name} "
            f"{_choices(but=MeasuredBy.MANUAL)}`, or read it from Prometheus with "
            f'`/roadmap metric source {name} prometheus "&lt;PromQL&gt;"`.'
        )
    else:
        head += f" (set by an admin; change it with {change})."
    lines = [head, f"It comes from {e.how}"]
    if e.latest is not None:
        latest = format_value(e.latest, e.unit)
        note = f" ({escape_mrkdwn(e.latest_note)})" if e.latest_note else ""
        when = f" on {_day(e.latest_at.date())}" if e.latest_at else ""
        source = source_words(e.latest_source)
        lines.append(f"Latest: *{escape_mrkdwn(latest)}*{note}, from {source}{when}.")
    else:
        lines.append("No reading yet.")
    if e.now_note:
        lines.append(f"Right now: {escape_mrkdwn(e.now_note)}.")
    if e.source:
        lines.append(
            "Recomputed when its inputs change and daily at 06:00; a reading someone types "
            "for the same day stands."
        )
    return Message(text=f"Where {e.name} comes from", blocks=[section("\n".join(lines))])


def source_set(change: SourceChange, readings: list[AutoReading]) -> Message:
    name = escape_mrkdwn(change.metric)
    if not change.changed:
        text = f"*{name}* stays {_measured(change.source)}; it no longer reads as a guess."
    else:
        text = f"*{name}* is now {_measured(change.source)} (it was {_measured(change.before)})."
    if change.source == MeasuredBy.MANUAL:
        text += " Its readings stay; record one with `/roadmap metric " + name + " &lt;value&gt;`."
    elif change.source == MeasuredBy.TOOLS:
        text += (
            " Connect a tool with `/roadmap config hook github create` (or gitlab, alertmanager)."
        )
    shown = [r for r in readings if r.value is not None]
    for r in shown:
        value = escape_mrkdwn(format_value(r.value, change.unit))
        text += f" Right now: *{value}* ({escape_mrkdwn(r.note)})."
    for r in (r for r in readings if r.value is None):
        text += f" Nothing to record yet: {escape_mrkdwn(r.note)}."
    return simple(text)
