"""Buttons and modals on the ritual reminders: knowledge-sharing sessions (volunteer, swap,
skip, topic, held) and retrospectives (add items, make actions goals, carry goals over)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.blocks.message import Message
from bot.blocks.replies import problem
from bot.blocks.rituals import (
    RetroRef,
    SessionRef,
    carry_note,
    carry_reply,
    item_added_note,
    knowledge_sharing_message,
    modal_metadata,
    presenter_dm,
    promoted_reply,
    retro_item_modal,
    retrospective_message,
    topic_modal,
)
from bot.ids import Action, Callback, Field
from bot.scheduling.compose import channel_members
from bot.services import retrospectives, rituals
from bot.services.errors import ServiceError
from bot.services.rituals import SessionChange
from handlers.context import RequestContext, request_context
from handlers.legacy import legacy_listener as listener
from handlers.modals import field_value

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(Action.SESSION_VOLUNTEER)(listener(volunteer))
    app.action(Action.SESSION_SWAP)(listener(swap))
    app.action(Action.SESSION_SKIP)(listener(skip))
    app.action(Action.SESSION_HELD)(listener(held))
    app.action(Action.SESSION_TOPIC)(listener(open_topic))
    app.view(Callback.SESSION_TOPIC)(listener(submit_topic))
    app.action(re.compile(f"^{Action.RETRO_ADD}(:|$)"))(listener(open_retro_item))
    app.view(Callback.RETRO_ITEM)(listener(submit_retro_item))
    app.action(re.compile(f"^{Action.RETRO_PROMOTE}(:|$)"))(listener(promote))
    app.action(Action.RETRO_CARRY)(listener(carry_over))


# --- where a reminder is, and how to change it -----------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """The message a button was pressed on (or a modal was opened from)."""

    channel: str | None
    ts: str | None
    response_url: str | None  # for an ephemeral message (a schedule preview)

    @classmethod
    def of_action(cls, body: dict) -> Reminder:
        container = body.get("container") or {}
        ephemeral = bool(container.get("is_ephemeral"))
        return cls(
            channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
            ts=None if ephemeral else container.get("message_ts"),
            response_url=body.get("response_url") if ephemeral else None,
        )

    @classmethod
    def of_modal(cls, meta: dict) -> Reminder:
        return cls(meta.get("channel"), meta.get("ts"), meta.get("url"))

    def metadata(self, block_id: str) -> str:
        return modal_metadata(block_id, self.channel, self.ts, self.response_url)


def _update(ctx: RequestContext, where: Reminder, message: Message) -> None:
    """Show the change on the reminder itself."""
    try:
        if where.ts and where.channel:
            ctx.client.chat_update(channel=where.channel, ts=where.ts, **message.to_dict())
        elif where.response_url:
            WebhookClient(where.response_url).send(replace_original=True, **message.to_dict())
    except SlackApiError as error:
        log.warning("could not update reminder %s: %s", where, error.response.get("error"))


def _tell(ctx: RequestContext, where: Reminder, respond, message: Message) -> None:
    """A reply only the person who acted sees."""
    if respond is not None and where.channel and (where.ts or where.response_url):
        try:
            respond(replace_original=False, response_type="ephemeral", **message.to_dict())
            return
        except Exception as error:  # a response_url can expire; fall back to the API
            log.info("response_url failed: %s", error)
    if not where.channel:
        return
    try:
        ctx.client.chat_postEphemeral(
            channel=where.channel, user=ctx.actor.user_id, **message.to_dict()
        )
    except SlackApiError as error:
        log.info("could not reply privately: %s", error.response.get("error"))


def _context(body: dict, db, client, context) -> RequestContext:
    return request_context(db=db, context=context, client=client, user_id=body["user"]["id"])


# --- knowledge sharing -----------------------------------------------------------------------


def _refresh_roster(ctx: RequestContext, session_id: int, bot_user_id: str | None) -> None:
    """Keep the rotation's channel members fresh for the clock, which cannot ask Slack."""
    channel = rituals.roster_channel(
        session=ctx.session, workspace=ctx.workspace, session_id=session_id
    )
    if not channel:
        return
    try:
        members = channel_members(ctx.client, channel, bot_user_id)
    except SlackApiError as error:
        log.info("conversations.members %s: %s", channel, error.response.get("error"))
        return
    rituals.refresh_roster(
        session=ctx.session, workspace=ctx.workspace, session_id=session_id, members=members
    )


def _session_action(
    body: dict,
    action: dict,
    db,
    client,
    context,
    respond,
    change: Callable[[RequestContext, int], SessionChange],
) -> None:
    """Apply one change to the session a reminder names, then show it on the reminder."""
    ref = SessionRef.parse(action["block_id"])
    where = Reminder.of_action(body)
    ctx = _context(body, db, client, context)
    _refresh_roster(ctx, ref.session_id, context.bot_user_id)
    try:
        result = change(ctx, ref.session_id)
    except ServiceError as error:
        db.rollback()
        _tell(ctx, where, respond, problem(str(error)))
        return
    db.commit()
    _after_change(ctx, where, ref, result)


def _after_change(
    ctx: RequestContext, where: Reminder, ref: SessionRef, result: SessionChange
) -> None:
    view = result.session
    _update(
        ctx,
        where,
        knowledge_sharing_message(view, ref.event_at, view.timezone, ref.days_before, result),
    )
    if result.tell:
        try:
            ctx.client.chat_postMessage(
                channel=result.tell, **presenter_dm(result, ref.event_at, where.channel).to_dict()
            )
        except SlackApiError as error:
            log.info("could not tell %s: %s", result.tell, error.response.get("error"))


def volunteer(ack, action: dict, body: dict, db, client, context, respond) -> None:
    ack()
    _session_action(
        body,
        action,
        db,
        client,
        context,
        respond,
        lambda ctx, sid: rituals.volunteer(
            session=db, workspace=ctx.workspace, actor=ctx.actor, session_id=sid
        ),
    )


def swap(ack, action: dict, body: dict, db, client, context, respond) -> None:
    ack()
    to_user = action.get("selected_user") or ""
    _session_action(
        body,
        action,
        db,
        client,
        context,
        respond,
        lambda ctx, sid: rituals.swap(
            session=db, workspace=ctx.workspace, actor=ctx.actor, session_id=sid, to_user=to_user
        ),
    )


def skip(ack, action: dict, body: dict, db, client, context, respond) -> None:
    ack()
    _session_action(
        body,
        action,
        db,
        client,
        context,
        respond,
        lambda ctx, sid: rituals.skip(
            session=db, workspace=ctx.workspace, actor=ctx.actor, session_id=sid
        ),
    )


def held(ack, action: dict, body: dict, db, client, context, respond) -> None:
    ack()
    _session_action(
        body,
        action,
        db,
        client,
        context,
        respond,
        lambda ctx, sid: rituals.mark_held(
            session=db, workspace=ctx.workspace, actor=ctx.actor, session_id=sid, now=ctx.now
        ),
    )


def open_topic(ack, action: dict, body: dict, db, client, context, respond) -> None:
    ack()
    ref = SessionRef.parse(action["block_id"])
    where = Reminder.of_action(body)
    ctx = _context(body, db, client, context)
    try:
        view = rituals.topic_form(
            session=db, workspace=ctx.workspace, actor=ctx.actor, session_id=ref.session_id
        )
    except ServiceError as error:
        _tell(ctx, where, respond, problem(str(error)))
        return
    client.views_open(
        trigger_id=body["trigger_id"], view=topic_modal(view, where.metadata(action["block_id"]))
    )


def submit_topic(ack, body: dict, view: dict, db, client, context) -> None:
    meta = json.loads(view.get("private_metadata") or "{}")
    ref = SessionRef.parse(meta["block"])
    ctx = _context(body, db, client, context)
    try:
        result = rituals.set_topic(
            session=db,
            workspace=ctx.workspace,
            actor=ctx.actor,
            session_id=ref.session_id,
            topic=field_value(view, Field.TOPIC) or "",
        )
    except ServiceError as error:
        db.rollback()
        ack(response_action="errors", errors={Field.TOPIC: str(error)[:150]})
        return
    db.commit()
    ack()
    _after_change(ctx, Reminder.of_modal(meta), ref, result)


# --- retrospectives --------------------------------------------------------------------------


def _show_board(ctx: RequestContext, where: Reminder, ref: RetroRef, note: str | None) -> None:
    board = retrospectives.retro_board(
        session=ctx.session,
        workspace=ctx.workspace,
        schedule_id=ref.schedule_id,
        period_id=ref.period_id,
        now=ctx.now,
    )
    _update(ctx, where, retrospective_message(board, ref.event_at, ref, note))


def open_retro_item(ack, action: dict, body: dict, db, client, context) -> None:
    ack()
    where = Reminder.of_action(body)
    kind = action.get("value") or "went_well"
    client.views_open(
        trigger_id=body["trigger_id"],
        view=retro_item_modal(kind, where.metadata(action["block_id"])),
    )


def submit_retro_item(ack, body: dict, view: dict, db, client, context) -> None:
    meta = json.loads(view.get("private_metadata") or "{}")
    ref = RetroRef.parse(meta["block"])
    ctx = _context(body, db, client, context)
    try:
        item = retrospectives.add_item(
            session=db,
            workspace=ctx.workspace,
            actor=ctx.actor,
            period_id=ref.period_id,
            kind=field_value(view, Field.RETRO_KIND) or "",
            text=field_value(view, Field.RETRO_TEXT) or "",
            now=ctx.now,
        )
    except ServiceError as error:
        db.rollback()
        ack(response_action="errors", errors={Field.RETRO_TEXT: str(error)[:150]})
        return
    db.commit()
    ack()
    _show_board(ctx, Reminder.of_modal(meta), ref, item_added_note(item))


def promote(ack, action: dict, body: dict, db, client, context, respond) -> None:
    ack()
    ref = RetroRef.parse(action["block_id"])
    where = Reminder.of_action(body)
    ctx = _context(body, db, client, context)
    try:
        result = retrospectives.promote_action(
            session=db,
            workspace=ctx.workspace,
            actor=ctx.actor,
            item_id=int(action["value"]),
            now=ctx.now,
        )
    except ServiceError as error:
        db.rollback()
        _tell(ctx, where, respond, problem(str(error)))
        return
    db.commit()
    _tell(ctx, where, respond, promoted_reply(result))
    _show_board(ctx, where, ref, None)


def carry_over(ack, action: dict, body: dict, db, client, context, respond) -> None:
    ack()
    ref = RetroRef.parse(action["block_id"])
    where = Reminder.of_action(body)
    ctx = _context(body, db, client, context)
    try:
        result = retrospectives.carry_over(
            session=db,
            workspace=ctx.workspace,
            actor=ctx.actor,
            period_id=ref.period_id,
            now=ctx.now,
        )
    except ServiceError as error:
        db.rollback()
        _tell(ctx, where, respond, problem(str(error)))
        return
    db.commit()
    _tell(ctx, where, respond, carry_reply(result))
    note = carry_note(result, ctx.actor.user_id) if result.carried else None
    _show_board(ctx, where, ref, note)
