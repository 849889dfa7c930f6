"""Goals as Block Kit: list pages, a goal's card, pick lists and change confirmations."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.count_goals import count_goal_text
from bot.blocks.message import Message, context, section
from bot.blocks.text import escape_mrkdwn, plural, truncate
from bot.ids import Action
from bot.services.goals import GoalChoices, GoalPage, GoalView
from bot.services.team_goals import CountGoalMeasure
from bot.wording import day_text

STATUS_EMOJI = {
    "not-started": ":white_circle:",
    "on-track": ":large_green_circle:",
    "at-risk": ":large_yellow_circle:",
    "off-track": ":red_circle:",
    "blocked": ":no_entry:",
    "done": ":white_check_mark:",
}
CHECKIN_CHOICES = ("on-track", "at-risk", "off-track", "blocked", "done")


def person(owner: str) -> str:
    """A Slack user id as a mention; a handle (`@alice`) from a document as escaped text."""
    if owner[:1] in ("U", "W") and owner.isalnum():
        return f"<@{owner}>"
    return escape_mrkdwn(owner)


def progress_bar(percent: int, width: int = 10) -> str:
    filled = round(percent / 100 * width)
    return "▰" * filled + "▱" * (width - filled)


def goal_line(goal: GoalView, *, with_period: bool = False) -> str:
    parts = [f"{STATUS_EMOJI.get(goal.status, '')} *{goal.ref}* {escape_mrkdwn(goal.title)}"]
    facts = [goal.status, f"{goal.progress}%"]
    if goal.owners:
        facts.append(" ".join(person(o) for o in goal.owners))
    if goal.due:
        facts.append(f"due {day_text(goal.due, year=True)}")
    if with_period:
        facts.append(escape_mrkdwn(f"{goal.period} / {goal.category}"))
    return parts[0] + "\n" + " · ".join(facts)


def goal_page(page: GoalPage) -> Message:
    title = page.title
    blocks = [HeaderBlock(text=truncate(title, 150))]
    lead = f"{escape_mrkdwn(page.note)} " if page.note else ""
    if page.note:
        blocks.append(context(f":hourglass: {escape_mrkdwn(page.note)}"))
    if not page.goals:
        blocks.append(section("No goals match."))
        return Message(text=f"{lead}{escape_mrkdwn(title)}: no goals match.", blocks=blocks)
    for goal in page.goals:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=goal_line(goal)),
                accessory=ButtonElement(
                    text="Show", action_id=f"{Action.GOAL_SHOW}:{goal.ref}", value=goal.ref
                ),
            )
        )
    summary = plural(page.total, "goal") + (
        f" · page {page.page} of {page.pages}" if page.pages > 1 else ""
    )
    blocks.append(context(summary))
    if page.pages > 1:
        buttons = []
        if page.page > 1:
            buttons.append(_page_button("← Previous", page, page.page - 1))
        if page.page < page.pages:
            buttons.append(_page_button("Next →", page, page.page + 1))
        blocks.append(ActionsBlock(elements=buttons))
    fallback = f"{lead}{escape_mrkdwn(title)}: " + "; ".join(
        f"{g.ref} {escape_mrkdwn(g.title)} ({g.status}, {g.progress}%)" for g in page.goals
    )
    return Message(text=fallback, blocks=blocks)


def _page_button(label: str, page: GoalPage, number: int) -> ButtonElement:
    value = json.dumps({**page.filters, "page": number}, separators=(",", ":"))
    return ButtonElement(text=label, action_id=f"{Action.GOALS_PAGE}:{number}", value=value)


def goal_card(
    goal: GoalView, *, can_change: bool = True, roster: CountGoalMeasure | None = None
) -> Message:
    fields = [
        MarkdownTextObject(text=f"*Status*\n{STATUS_EMOJI.get(goal.status, '')} {goal.status}"),
        MarkdownTextObject(text=f"*Progress*\n{progress_bar(goal.progress)} {goal.progress}%"),
        MarkdownTextObject(
            text="*Owners*\n" + (" ".join(person(o) for o in goal.owners) or "nobody yet")
        ),
        MarkdownTextObject(text=f"*When*\n{escape_mrkdwn(goal.period)}"),
        MarkdownTextObject(text=f"*Category*\n{escape_mrkdwn(goal.category)}"),
        MarkdownTextObject(
            text=f"*Due*\n{day_text(goal.due, year=True)}" if goal.due else "*Due*\n–"
        ),
    ]
    if goal.target:
        fields.append(MarkdownTextObject(text=f"*Target*\n{escape_mrkdwn(goal.target)}"))
    blocks = [
        HeaderBlock(text=truncate(f"{goal.ref} {goal.title}", 150)),
        SectionBlock(fields=fields),
    ]
    if roster is not None:
        blocks.append(context(f"From the team roster: {count_goal_text(roster)}."))
    if goal.status_note:
        blocks.append(context(f"Note: {escape_mrkdwn(goal.status_note)}"))
    if goal.archived:
        blocks.append(context("This goal is archived."))
    elif can_change:
        blocks.append(DividerBlock())
        blocks.append(checkin_buttons(goal.ref, with_edit=True))
    return Message(
        text=f"{goal.ref} {escape_mrkdwn(goal.title)}: {goal.status}, {goal.progress}%",
        blocks=blocks,
    )


def checkin_buttons(ref: str, *, with_edit: bool = False, with_note: bool = False) -> ActionsBlock:
    elements = [
        ButtonElement(
            text=f"{STATUS_EMOJI[s]} {s}",
            action_id=f"{Action.GOAL_CHECKIN}:{s}",
            value=f"{ref} {s}",
            style="primary" if s == "on-track" else None,
        )
        for s in CHECKIN_CHOICES
    ]
    if with_note:
        elements.append(ButtonElement(text="Add note", action_id=Action.GOAL_NOTE, value=ref))
    if with_edit:
        elements.append(ButtonElement(text="Edit", action_id=Action.GOAL_EDIT, value=ref))
    return ActionsBlock(block_id=f"checkin:{ref}", elements=elements)


def goal_choices(choices: GoalChoices) -> Message:
    blocks = [section(f"Several goals match *{escape_mrkdwn(choices.query)}*; which one?")]
    for goal in choices.goals[:20]:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=goal_line(goal, with_period=True)),
                accessory=ButtonElement(
                    text="Show", action_id=f"{Action.GOAL_SHOW}:{goal.ref}", value=goal.ref
                ),
            )
        )
    if len(choices.goals) > 20:
        blocks.append(context(f"…and {len(choices.goals) - 20} more; try more words."))
    return Message(
        text=f"Several goals match {escape_mrkdwn(choices.query)}: "
        + ", ".join(g.ref for g in choices.goals),
        blocks=blocks,
    )


def goal_changed(goal: GoalView, what: str) -> Message:
    """Confirm a change: ':white_check_mark: G12 Title: now at-risk.'"""
    text = f":white_check_mark: *{goal.ref}* {escape_mrkdwn(goal.title)}: {what}"
    return Message(text=text, blocks=[section(text), context(goal_line(goal).split("\n", 1)[1])])
