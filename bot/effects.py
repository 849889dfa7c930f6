"""The effects executor: the one place where a flow's outcome turns into Slack calls.

Listeners, the console and the CLI hand every Outcome to `SlackEffects.perform`; the clock's
deliveries go through the same sender that `RunDeliveries` uses. Every post, update and
upload waits for its slot on the process's pacer (about one a second per channel), so
nothing the bot says breaks Slack's limits, however many effects a flow asks for.

Tests hand outcomes to `RecordingEffects` instead and look at what would have been done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.blocks.message import Message
from bot.blocks.replies import too_slow
from bot.flows.outcome import (
    Effect,
    Ephemeral,
    JoinChannel,
    OpenView,
    Outcome,
    Post,
    PublishHome,
    RespondTo,
    RunDeliveries,
    Update,
    Upload,
)
from bot.kinds.posting import post_message
from bot.scheduling.pacing import Pacer
from bot.services.people import is_user_id

log = logging.getLogger(__name__)

EXPIRED_TRIGGER = ("expired_trigger_id", "exchanged_trigger_id")
CANNOT_POST = ("not_in_channel", "channel_not_found")
# conversations.join of a private channel (or one the bot cannot see): it must be invited.
PRIVATE = ("method_not_supported_for_channel_type", "channel_not_found", "is_private")


@dataclass
class Surface:
    """Where the person who acted sees a reply.

    kind: "command" (a slash command: its response_url), "action" (a button: its
    response_url, else an ephemeral message in its channel), "view" (a modal: a DM), "event"
    (an ephemeral message in the event's channel, else a DM), "direct" (a DM).
    """

    kind: str
    user_id: str
    channel_id: str | None = None
    respond: Callable[..., Any] | None = None


class SlackEffects:
    """Performs outcomes against Slack for one workspace."""

    def __init__(
        self,
        client: WebClient,
        *,
        team_id: str,
        pacer: Pacer,
        surface: Surface | None = None,
        send_deliveries: Callable[[tuple[int, ...]], Any] | None = None,
    ):
        self.client = client
        self.team_id = team_id
        self.pacer = pacer
        self.surface = surface
        self.send_deliveries = send_deliveries

    def perform(self, outcome: Outcome) -> None:
        """The reply first (a person waits for it), then each effect in order. A failed
        effect is logged and the rest still run: the change is already stored."""
        if outcome.reply is not None:
            self.reply(outcome.reply, share=outcome.share, replace=outcome.replace_original)
        for effect in outcome.effects:
            try:
                self.run(effect)
            except SlackApiError as error:
                code = error.response.get("error")
                if isinstance(effect, OpenView) and code in EXPIRED_TRIGGER:
                    log.info("views.open refused: %s", code)
                    self.reply(too_slow())
                    continue
                log.warning("%s failed: %s", type(effect).__name__, code)

    # -- replies -------------------------------------------------------------------------------

    def reply(self, message: Message, *, share: bool = False, replace: bool = False) -> None:
        surface = self.surface
        if surface is None:
            log.info("no one to reply to: %s", message.text[:80])
            return
        try:
            self._reply(surface, message, share, replace)
        except Exception:  # the reply itself failed: the log line is what remains
            log.exception("could not reply to %s", surface.user_id)

    def _reply(self, surface: Surface, message: Message, share: bool, replace: bool) -> None:
        body = message.to_dict()
        if surface.kind in ("command", "action") and surface.respond is not None:
            surface.respond(
                response_type="in_channel" if share else "ephemeral",
                replace_original=replace,
                **body,
            )
            return
        if surface.kind in ("action", "event") and surface.channel_id:
            self._paced(surface.channel_id)
            self.client.chat_postEphemeral(channel=surface.channel_id, user=surface.user_id, **body)
            return
        self._paced(surface.user_id)
        self.client.chat_postMessage(channel=surface.user_id, **body)

    # -- effects -------------------------------------------------------------------------------

    def _paced(self, channel: str) -> None:
        self.pacer.wait(channel, self.team_id)

    def run(self, effect: Effect) -> Any:
        client = self.client
        match effect:
            case Post():
                self._paced(effect.channel)
                return post_message(
                    client,
                    channel=effect.channel,
                    thread_ts=effect.thread_ts,
                    metadata=effect.metadata,
                    **effect.message.to_dict(),
                )
            case Update():
                self._paced(effect.channel)
                return client.chat_update(
                    channel=effect.channel, ts=effect.ts, **effect.message.to_dict()
                ).data
            case Ephemeral():
                self._paced(effect.channel)
                return client.chat_postEphemeral(
                    channel=effect.channel, user=effect.user, **effect.message.to_dict()
                ).data
            case RespondTo():
                return WebhookClient(effect.url).send(
                    replace_original=effect.replace_original, **effect.message.to_dict()
                )
            case PublishHome():
                return client.views_publish(user_id=effect.user_id, view=effect.view).data
            case OpenView():
                return client.views_open(trigger_id=effect.trigger_id, view=effect.view).data
            case Upload():
                return self._upload(effect)
            case JoinChannel():
                return self._join(effect)
            case RunDeliveries():
                return self._deliver(effect)
        raise TypeError(f"not an effect: {effect!r}")

    def _upload(self, effect: Upload) -> Any:
        arguments = dict(
            content=effect.content,
            filename=effect.filename,
            title=effect.title,
            initial_comment=effect.initial_comment,
            thread_ts=effect.thread_ts,
        )
        arguments = {k: v for k, v in arguments.items() if v is not None}
        try:
            self._paced(effect.channel)
            return self.client.files_upload_v2(
                channel=self._conversation(effect.channel), **arguments
            )
        except SlackApiError as error:
            if effect.fallback_user is None or error.response.get("error") not in CANNOT_POST:
                raise
        self._paced(effect.fallback_user)
        result = self.client.files_upload_v2(
            channel=self._conversation(effect.fallback_user), **arguments
        )
        if effect.fallback_note is not None:
            self.reply(effect.fallback_note)
        return result

    def _conversation(self, channel: str) -> str:
        """files_upload_v2 needs a conversation id: a user id becomes their DM's."""
        if is_user_id(channel):
            return self.client.conversations_open(users=channel)["channel"]["id"]
        return channel

    def _join(self, effect: JoinChannel) -> Any:
        try:
            return self.client.conversations_join(channel=effect.channel).data
        except SlackApiError as error:
            code = error.response.get("error")
            if code not in PRIVATE or effect.private_note is None:
                raise
            self.reply(effect.private_note)
            return None

    def _deliver(self, effect: RunDeliveries) -> Any:
        if self.send_deliveries is None:
            raise RuntimeError("this executor cannot send deliveries")
        report = self.send_deliveries(effect.delivery_ids)
        if effect.report is not None:
            message = effect.report(report)
            if message is not None:
                self.reply(message)
        return report


@dataclass
class RecordingEffects:
    """Performs nothing: records replies and effects, for tests of flows in-process."""

    replies: list[Message] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    shared: list[bool] = field(default_factory=list)

    def perform(self, outcome: Outcome) -> None:
        if outcome.reply is not None:
            self.replies.append(outcome.reply)
            self.shared.append(outcome.share)
        self.effects.extend(outcome.effects)

    def of_type(self, kind: type) -> list:
        return [e for e in self.effects if isinstance(e, kind)]

    @property
    def text(self) -> str:
        """The fallback text of every reply, joined: what the person would read first."""
        return "\n".join(m.text for m in self.replies)
