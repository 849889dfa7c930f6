"""Check-in answers: reactions on prompts, buttons, the note modal and thread replies."""

from __future__ import annotations

import json
import logging
import re

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.blocks.checkins import checkin_confirmation, note_modal, prompt_message
from bot.blocks.replies import problem
from bot.ids import Action, Callback, Field
from bot.services import checkins
from bot.services.checkins import CheckinResult
from bot.services.errors import PermissionDenied, ServiceError
from bot.services.goals import get_goal
from bot.services.workspaces import ensure_workspace
from handlers.context import RequestContext, request_context
from handlers.legacy import legacy_listener as listener
from handlers.legacy import refresh_home
from handlers.modals import field_value
from models import GOAL_STATUSES, CheckinPrompt, Goal

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("reaction_added")(listener(reaction_added))
    app.event("reaction_removed")(listener(reaction_removed))
    app.action(re.compile(f"^{Action.GOAL_CHECKIN}"))(listener(checkin_button))
    app.action(Action.GOAL_NOTE)(listener(note_button))
    app.view(Callback.CHECKIN_NOTE)(listener(submit_note))


def first_delivery(body: dict, db) -> bool:
    """Slack retries events; the event id stored in the database makes the second a no-op."""
    event = body.get("event", {})
    return checkins.first_time(db, body["event_id"], body.get("team_id"), event.get("type", ""))


def after_answer(ctx: RequestContext, result: CheckinResult) -> None:
    """Show what was recorded on every prompt of the goal, and refresh the owners' Home."""
    ctx.session.commit()
    message = prompt_message(result.goal, result.cycle, recorded=result)
    for channel, ts in result.prompts:
        try:
            ctx.client.chat_update(channel=channel, ts=ts, **message.to_dict())
        except SlackApiError as error:
            log.warning(
                "could not update prompt %s/%s: %s", channel, ts, error.response.get("error")
            )
    for owner in {o for o in result.owners if o[:1] in "UW"} | {result.by}:
        try:
            refresh_home(ctx.session, ctx.client, ctx.workspace, owner, ctx.now)
        except SlackApiError as error:
            log.warning("could not refresh the Home of %s: %s", owner, error.response.get("error"))


def _prompt_for(db, context, channel: str | None, ts: str | None) -> CheckinPrompt | None:
    """The prompt a message is, looked up before anything else: most messages are not."""
    if not channel or not ts:
        return None
    workspace = ensure_workspace(
        session=db, team_id=context.team_id, enterprise_id=context.enterprise_id
    )
    return checkins.prompt_at(db, workspace.id, channel, ts)


def reaction_added(body: dict, event: dict, db, client, context) -> None:
    item = event.get("item") or {}
    if item.get("type") != "message" or event.get("user") == context.bot_user_id:
        return
    prompt = _prompt_for(db, context, item.get("channel"), item.get("ts"))
    if prompt is None or not first_delivery(body, db):
        return
    ctx = request_context(db=db, context=context, client=client, user_id=event["user"])
    status = checkins.status_for_reaction(ctx.workspace, event["reaction"])
    if status is None:
        return  # not an answer emoji: nothing to record
    goal = db.get(Goal, prompt.goal_id)
    try:
        result = checkins.record_checkin(
            session=db,
            workspace=ctx.workspace,
            actor=ctx.actor,
            ref=goal.ref,
            now=ctx.now,
            source="reaction",
            status=status,
            reaction=event["reaction"],
            prompt=prompt,
        )
    except PermissionDenied as error:
        db.rollback()
        _tell_privately(ctx, item["channel"], str(error))
        return
    after_answer(ctx, result)


def reaction_removed(body: dict, event: dict, db, client, context) -> None:
    item = event.get("item") or {}
    if item.get("type") != "message":
        return
    prompt = _prompt_for(db, context, item.get("channel"), item.get("ts"))
    if prompt is None or not first_delivery(body, db):
        return
    ctx = request_context(db=db, context=context, client=client, user_id=event["user"])
    result = checkins.retract_reaction(
        session=db,
        workspace=ctx.workspace,
        actor=ctx.actor,
        prompt=prompt,
        reaction=event["reaction"],
        now=ctx.now,
    )
    if result is not None:
        after_answer(ctx, result)


def message_posted(body: dict, event: dict, db, client, context) -> None:
    """A reply (or an edited reply) in a prompt's thread becomes the cycle's note."""
    if event.get("subtype") == "message_changed":
        message = event.get("message") or {}
    elif event.get("subtype") in (None, "thread_broadcast"):
        message = event
    else:
        return
    thread_ts, user = message.get("thread_ts"), message.get("user")
    if not thread_ts or thread_ts == message.get("ts") or not user or message.get("bot_id"):
        return
    prompt = _prompt_for(db, context, event.get("channel"), thread_ts)
    if prompt is None or not (message.get("text") or "").strip():
        return
    if not first_delivery(body, db):
        return
    ctx = request_context(db=db, context=context, client=client, user_id=user)
    try:
        result = checkins.note_from_reply(
            session=db,
            workspace=ctx.workspace,
            actor=ctx.actor,
            prompt=prompt,
            text=message["text"],
            message_ts=message["ts"],
            now=ctx.now,
        )
    except PermissionDenied as error:
        db.rollback()
        _tell_privately(ctx, event["channel"], str(error))
        return
    after_answer(ctx, result)


def _tell_privately(ctx: RequestContext, channel: str, text: str) -> None:
    try:
        ctx.client.chat_postEphemeral(
            channel=channel, user=ctx.actor.user_id, **problem(text).to_dict()
        )
    except SlackApiError as error:
        log.info("could not explain a refused answer: %s", error.response.get("error"))


def _prompt_of(db, ctx: RequestContext, body: dict) -> CheckinPrompt | None:
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if not channel or not ts:
        return None
    return checkins.prompt_at(db, ctx.workspace.id, channel, ts)


def checkin_button(ack, action: dict, body: dict, db, client, context, respond) -> None:
    ack()
    ref, status = action["value"].split(" ", 1)
    ctx = request_context(db=db, context=context, client=client, user_id=body["user"]["id"])
    prompt = _prompt_of(db, ctx, body)
    try:
        result = checkins.record_checkin(
            session=db,
            workspace=ctx.workspace,
            actor=ctx.actor,
            ref=ref,
            now=ctx.now,
            source="button",
            status=status,
            prompt=prompt if prompt and db.get(Goal, prompt.goal_id).ref == ref else None,
        )
    except ServiceError as error:
        db.rollback()
        if body.get("response_url"):
            respond(
                replace_original=False, response_type="ephemeral", **problem(str(error)).to_dict()
            )
        return
    after_answer(ctx, result)
    if body.get("response_url") and not result.prompts:
        respond(
            replace_original=False,
            response_type="ephemeral",
            **checkin_confirmation(result).to_dict(),
        )


def note_button(ack, action: dict, body: dict, db, client, context) -> None:
    ack()
    ctx = request_context(db=db, context=context, client=client, user_id=body["user"]["id"])
    prompt = _prompt_of(db, ctx, body)
    goal = get_goal(db, ctx.workspace.id, action["value"])
    if not checkins.can_answer(ctx.workspace, ctx.actor, goal):
        return
    client.views_open(
        trigger_id=body["trigger_id"],
        view=note_modal(goal.ref, prompt.id if prompt else None, GOAL_STATUSES),
    )


def submit_note(ack, body: dict, view: dict, db, client, context) -> None:
    meta = json.loads(view.get("private_metadata") or "{}")
    progress_text = (field_value(view, Field.PROGRESS) or "").strip().rstrip("%")
    if progress_text and (not progress_text.isdigit() or int(progress_text) > 100):
        ack(response_action="errors", errors={Field.PROGRESS: "A whole number from 0 to 100."})
        return
    ctx = request_context(db=db, context=context, client=client, user_id=body["user"]["id"])
    prompt = db.get(CheckinPrompt, meta["prompt"]) if meta.get("prompt") else None
    if prompt is not None and prompt.workspace_id != ctx.workspace.id:
        prompt = None
    try:
        result = checkins.record_checkin(
            session=db,
            workspace=ctx.workspace,
            actor=ctx.actor,
            ref=meta.get("ref", ""),
            now=ctx.now,
            source="modal",
            status=field_value(view, Field.STATUS),
            progress=int(progress_text) if progress_text else None,
            note=(field_value(view, Field.NOTE) or "").strip() or None,
            prompt=prompt,
        )
    except ServiceError as error:
        db.rollback()
        ack(response_action="errors", errors={Field.STATUS: str(error)[:150]})
        return
    db.commit()
    ack()
    after_answer(ctx, result)
