"""What the bot says about the roadmap's life cycle: the notice that it ends, and its button."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.blocks.message import Message, section
from bot.ids import Action
from bot.wording import day_text


def day_words(day: date) -> str:
    return day_text(day, year=True)


def import_next_button() -> ButtonElement:
    return ButtonElement(
        text="Import the next roadmap",
        action_id=Action.IMPORT_NEXT,
        value="import",
        style="primary",
    )


def roadmap_end_text(last_day: date, today: date) -> str:
    if last_day < today:
        return f"The roadmap ended on {day_words(last_day)}. Import the next one?"
    return (
        f"The roadmap ends on {day_words(last_day)} and nothing is planned after it. "
        "Import the next one?"
    )


def roadmap_end_notice(last_day: date, today: date) -> Message:
    """The one message the admins get when the roadmap ends (or is about to)."""
    text = roadmap_end_text(last_day, today)
    detail = (
        "Until a new period starts, no check-in prompts, weekly digests, knowledge-sharing "
        "reminders or retrospectives go out. Paste or upload next period's roadmap with the "
        "button below, or share its Markdown file with me."
    )
    return Message(
        text=text,
        blocks=[
            section(f":hourglass: *{text}*\n{detail}"),
            ActionsBlock(elements=[import_next_button()]),
        ],
    )
