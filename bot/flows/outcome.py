"""What a flow returns: the reply to show and the effects on Slack, as plain data.

Flows never call Slack. They describe what should happen (post this, update that, publish
this Home tab) and the effects executor (bot.effects) does it, after the flow's transaction
has been committed, paced like every other post the bot makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.views import View

from bot.blocks.message import Message


@dataclass(frozen=True)
class Post:
    """chat.postMessage; `channel` may be a user id (their DM with the bot). A public channel
    the bot is not in is joined first."""

    channel: str
    message: Message
    thread_ts: str | None = None
    metadata: dict | None = None


@dataclass(frozen=True)
class Update:
    """chat.update of a message the bot posted."""

    channel: str
    ts: str
    message: Message


@dataclass(frozen=True)
class Ephemeral:
    """chat.postEphemeral: a message in `channel` that only `user` sees."""

    channel: str
    user: str
    message: Message


@dataclass(frozen=True)
class RespondTo:
    """A post to an interaction's response_url (e.g. to replace an ephemeral message)."""

    url: str
    message: Message
    replace_original: bool = True


@dataclass(frozen=True)
class PublishHome:
    """views.publish of one person's App Home."""

    user_id: str
    view: View


@dataclass(frozen=True)
class OpenView:
    """views.open of a modal; the trigger is good for three seconds and one use."""

    trigger_id: str
    view: View


@dataclass(frozen=True)
class Upload:
    """files_upload_v2 into `channel` (a user id means their DM). When the bot cannot post
    there and `fallback_user` is set, the file goes to that person's DM with `fallback_note`."""

    channel: str
    content: bytes
    filename: str
    title: str
    initial_comment: str | None = None
    thread_ts: str | None = None
    fallback_user: str | None = None
    fallback_note: Message | None = None


@dataclass(frozen=True)
class JoinChannel:
    """conversations.join, so the bot can post there. A private channel cannot be joined:
    `private_note` is then the reply to the person who picked it."""

    channel: str
    private_note: Message | None = None


@dataclass(frozen=True)
class RunDeliveries:
    """Send these claimed-by-nobody delivery rows now, through the same sender (and pacing)
    as the clock. `report` turns the sender's report into a message for the person who
    asked (None: say nothing)."""

    delivery_ids: tuple[int, ...]
    report: Callable[[Any], Message | None] | None = None


Effect = (
    Post
    | Update
    | Ephemeral
    | RespondTo
    | PublishHome
    | OpenView
    | Upload
    | JoinChannel
    | RunDeliveries
)


@dataclass
class Outcome:
    """The result of one flow.

    `reply` goes to the person who acted, by the surface they used (a slash command's
    response_url, an ephemeral message beside a button, a DM after a modal); `share` makes a
    slash command's reply visible in the channel, `replace_original` makes a button's reply
    replace the message it was on. `errors` (block id → text) keeps a modal open with those
    complaints. Effects run after the reply, in order.
    """

    reply: Message | None = None
    effects: list[Effect] = field(default_factory=list)
    share: bool = False
    replace_original: bool = False
    errors: dict[str, str] | None = None

    def add(self, *effects: Effect) -> Outcome:
        self.effects.extend(effects)
        return self


def reply(message: Message | None, *effects: Effect, share: bool = False) -> Outcome:
    return Outcome(reply=message, effects=list(effects), share=share)
