"""A message as the app sends it: fallback text plus Block Kit, within Slack's limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.text import truncate

MAX_MESSAGE_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FALLBACK_TEXT = 3000


@dataclass
class Message:
    text: str  # the plain fallback shown in notifications; parsed as mrkdwn by Slack
    blocks: list[Block] = field(default_factory=list)
    # A stable name among its siblings (a digest's thread parts), whatever its text says.
    key: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if len(self.blocks) > MAX_MESSAGE_BLOCKS:
            raise ValueError(f"{len(self.blocks)} blocks; a message holds {MAX_MESSAGE_BLOCKS}")
        self.text = truncate(self.text, MAX_FALLBACK_TEXT)

    def to_dict(self) -> dict:
        """Serialise; slack_sdk.models validates each block's limits here."""
        return {"text": self.text, "blocks": [b.to_dict() for b in self.blocks]}


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, MAX_SECTION_TEXT)))


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, MAX_SECTION_TEXT))])


def simple(text: str) -> Message:
    return Message(text=text, blocks=[section(text)])
