"""A message as the app sends it: fallback text plus Block Kit, within Slack's limits."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

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


def packed(details: list[Message], slots: int) -> tuple[list[Message], list[str]]:
    """`details` (a digest's thread parts) in at most `slots` messages: the two smallest
    neighbours share one while there are too many and they fit Slack's block limit; and the
    names of any parts that still do not fit."""
    parts = list(details)
    while len(parts) > slots:
        pairs = [
            (len(a.blocks) + 1 + len(b.blocks), i)
            for i, (a, b) in enumerate(itertools.pairwise(parts))
            if len(a.blocks) + 1 + len(b.blocks) <= MAX_MESSAGE_BLOCKS
        ]
        if not pairs:
            break
        _, i = min(pairs)
        a, b = parts[i], parts[i + 1]
        joined = Message(f"{a.text}\n{b.text}", [*a.blocks, DividerBlock(), *b.blocks], a.key)
        parts[i : i + 2] = [joined]
    return parts[:slots], [(m.key or "more").replace("-", " ") for m in parts[slots:]]
