"""The first-day setup checklist on an admin's Home tab: each item done in place, then ticked."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConversationSelectElement,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
    UserMultiSelectElement,
)

from bot.blocks.lifecycle import import_next_button
from bot.blocks.message import Message, context, section
from bot.ids import Action
from bot.services.setup import SetupChecklist

DONE, TODO = ":white_check_mark:", ":white_square:"


def _tick(done: bool) -> str:
    return DONE if done else TODO


def setup_blocks(setup: SetupChecklist) -> list:
    """The checklist (about a dozen blocks), for roadmap admins until every item is done."""
    channel_done, zone_done, _holidays, admins_done, roadmap_done = setup.items_done
    count = sum(setup.items_done)
    blocks: list = [
        HeaderBlock(text="Set up the roadmap"),
        context(f"{count} of 5 done. Only roadmap admins see this list."),
    ]
    channel_text = f"{_tick(channel_done)} *Roadmap channel*: " + (
        f"<#{setup.channel_id}>: digests and rituals are posted there."
        if channel_done
        else "where digests and rituals are posted. Until it is set, nothing scheduled "
        "is posted. I join a public channel myself; invite me to a private one."
    )
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(text=channel_text),
            accessory=ConversationSelectElement(
                action_id=Action.SETUP_CHANNEL,
                placeholder="Pick a channel",
                initial_conversation=setup.channel_id,
                filter={"include": ["public", "private"], "exclude_bot_users": True},
            ),
        )
    )
    zone_text = f"{_tick(zone_done)} *Time zone*: {setup.timezone}"
    if setup.suggested_timezone:
        zone_text += f" (yours is {setup.suggested_timezone})"
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=zone_text),
                accessory=ButtonElement(
                    text=f"Use {setup.suggested_timezone}"[:75],
                    action_id=Action.SETUP_TIMEZONE,
                    value=setup.suggested_timezone,
                ),
            )
        )
    else:
        blocks.append(section(zone_text + ". Change it with `/roadmap config timezone …`."))
    if setup.holiday_region:
        blocks.append(
            section(
                f"{DONE} *Public holidays*: {setup.holiday_region}'s; scheduled posts that "
                "fall on one move to the next working day."
            )
        )
    elif setup.holidays_declined:
        blocks.append(
            section(f"{DONE} *Public holidays*: none (`/roadmap config holidays DE` to add)")
        )
    else:
        region = setup.proposed_region
        text = f"{TODO} *Public holidays*: " + (
            f"use {region}'s (from the time zone)? Scheduled posts that fall on one move to "
            "the next working day."
            if region
            else "tell me whose: `/roadmap config holidays DE`."
        )
        blocks.append(section(text))
        buttons = []
        if region:
            buttons.append(
                ButtonElement(
                    text=f"Use {region} holidays",
                    action_id=f"{Action.SETUP_HOLIDAYS}:{region}",
                    value=region,
                    style="primary",
                )
            )
        buttons.append(
            ButtonElement(text="No holidays", action_id=f"{Action.SETUP_HOLIDAYS}:no", value="no")
        )
        blocks.append(ActionsBlock(elements=buttons))
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(
                text=f"{_tick(admins_done)} *Roadmap admins*: "
                + (
                    " ".join(f"<@{u}>" for u in setup.admins)
                    if admins_done
                    else "who may import, configure and schedule (Slack admins always may)."
                )
            ),
            accessory=UserMultiSelectElement(
                action_id=Action.SETUP_ADMINS,
                placeholder="Pick the admins",
                initial_users=list(setup.admins) or None,
            ),
        )
    )
    roadmap_text = f"{_tick(roadmap_done)} *Roadmap*: " + (
        f"{setup.periods} period{'s' if setup.periods != 1 else ''} imported."
        if roadmap_done
        else "paste or upload its Markdown, or share the file with me."
    )
    if roadmap_done:
        blocks.append(section(roadmap_text))
    else:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=roadmap_text),
                accessory=ButtonElement(
                    text="Import a roadmap", action_id=Action.IMPORT_NEXT, value="import"
                ),
            )
        )
    return blocks


def private_channel_note(channel_id: str) -> Message:
    return Message(
        text="That channel is private: invite me with /invite @Roadmap there.",
        blocks=[
            section(
                f"<#{channel_id}> is private, so I can't join it myself: type `/invite @Roadmap` "
                "in it. Until then nothing can be posted there."
            )
        ],
    )


__all__ = ["import_next_button", "private_channel_note", "setup_blocks"]
