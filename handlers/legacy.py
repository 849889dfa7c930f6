"""The listener wrapper of handlers not yet moved onto flows (see handlers.common)."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.request import BoltRequest
from slack_bolt.util.utils import get_arg_names_of_callable

log = logging.getLogger(__name__)


def _apology(error_id: str) -> str:
    return (
        f":warning: Sorry, something went wrong on our side. It has been logged as error "
        f"`{error_id}`; please try again, and mention that id if it keeps happening."
    )


def legacy_listener(func: Callable[..., Any]) -> Callable[[BoltRequest], Any]:
    """Wrap a Bolt listener so that it commits its session on success and never fails silently.

    The wrapped function takes Bolt's usual keyword arguments (plus `db`, the request's
    session, and `runtime`). An exception rolls the session back, is logged with its
    traceback and an error id, and the user is told that id: in the ack when it has not been
    sent yet, through the response_url otherwise. Slack always gets its 200.
    """
    arg_names = get_arg_names_of_callable(func)

    @functools.wraps(func)
    def run(request: BoltRequest) -> Any:
        kwargs = build_required_kwargs(
            logger=log,
            required_arg_names=list(arg_names),
            request=request,
            response=None,
            this_func=func,
            next_keys_required=False,
        )
        session = request.context.get("db")
        try:
            result = func(**kwargs)
            if session is not None:
                session.commit()
            return result
        except Exception:
            if session is not None:
                session.rollback()
            error_id = uuid.uuid4().hex[:8]
            log.exception("listener %s failed (error id %s)", func.__name__, error_id)
            _tell_user(request, _apology(error_id))
            return None
        finally:
            if session is not None:
                session.close()

    # Bolt reads the argument names through __wrapped__; ours is `request` alone.
    del run.__wrapped__
    return run


def _tell_user(request: BoltRequest, text: str) -> None:
    ack = request.context.ack
    try:
        if ack is not None and ack.response is None:
            if "command" in request.body:
                ack(text=text)
                return
            ack()
        if request.body.get("type") == "view_submission":
            # A modal has no response_url: tell the person in their DM instead.
            user = (request.body.get("user") or {}).get("id")
            if user and request.context.client is not None:
                request.context.client.chat_postMessage(channel=user, text=text)
            return
        respond = request.context.respond
        if respond is not None:
            respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception:  # the apology itself failed: the log line above is what remains
        log.exception("could not tell the user about an error")


# --- App Home refreshes of the handlers not yet on flows --------------------------------------


def refresh_home(db, client, workspace, user_id: str, now) -> None:
    """Publish `user_id`'s dashboard as it is now."""
    from bot.blocks.home import home_view
    from bot.services.dashboard import home_summary

    summary = home_summary(session=db, workspace=workspace, user_id=user_id, now=now)
    client.views_publish(user_id=user_id, view=home_view(summary))


def refresh_homes(ctx) -> None:
    """Publish the App Home of everyone whose goals changed (and the person who changed them)."""
    from slack_sdk.errors import SlackApiError

    people = {ctx.actor.user_id} if ctx.changed else set()
    for view in ctx.changed:
        people |= {o for o in view.owners if o[:1] in "UW"}
    for user_id in sorted(people):
        try:
            refresh_home(ctx.session, ctx.client, ctx.workspace, user_id, ctx.now)
        except SlackApiError as error:
            log.warning(
                "could not refresh the Home of %s: %s", user_id, error.response.get("error")
            )


# --- Temporary: what handlers/commands.py still calls until its commands move onto flows ------


def after_answer(ctx, result) -> None:
    """Show what was recorded on every prompt of the goal, and refresh the owners' Home."""
    from slack_sdk.errors import SlackApiError

    from bot.blocks.checkins import prompt_message

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


def open_goal_modal(ctx, *, trigger_id: str, ref: str | None) -> None:
    from bot.services import goals

    form = goals.goal_form(
        session=ctx.session, workspace=ctx.workspace, actor=ctx.actor, now=ctx.now, ref=ref
    )
    from bot.blocks.modals import goal_modal

    modal = goal_modal(
        periods=form.periods,
        categories=form.categories,
        goal=form.goal,
        default_period=form.default_period,
        owners=[ctx.actor.user_id],
    )
    ctx.client.views_open(trigger_id=trigger_id, view=modal)


def open_metric_modal(ctx, *, trigger_id: str) -> None:
    from bot.blocks.modals import metric_modal

    ctx.client.views_open(trigger_id=trigger_id, view=metric_modal())


def open_import(ctx, trigger_id: str) -> None:
    from bot.blocks.modals import import_modal
    from bot.services.actors import require_admin

    require_admin(ctx.workspace, ctx.actor, "import a roadmap")
    ctx.client.views_open(trigger_id=trigger_id, view=import_modal())


def export_file(ctx, *, fmt: str, channel_id: str):
    """Upload the export into the conversation (or the person's DM if the bot is not there)."""
    from datetime import UTC, datetime

    from slack_sdk.errors import SlackApiError

    from bot.blocks.message import simple
    from bot.services.roadmap_export import MEDIA_TYPES, export_roadmap

    content = export_roadmap(session=ctx.session, workspace_id=ctx.workspace.id, fmt=fmt)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    upload = dict(
        content=content.encode("utf-8"),
        filename=f"roadmap-{stamp}.{fmt}",
        title=f"Roadmap export ({fmt}, {stamp})",
        initial_comment=f"Here is the roadmap as {fmt.upper()} ({MEDIA_TYPES[fmt]}).",
    )
    try:
        ctx.client.files_upload_v2(channel=channel_id, **upload)
        return None
    except SlackApiError as error:
        if error.response.get("error") not in ("not_in_channel", "channel_not_found"):
            raise
    dm = ctx.client.conversations_open(users=ctx.actor.user_id)["channel"]["id"]
    ctx.client.files_upload_v2(channel=dm, **upload)
    return simple("I'm not in that channel, so I sent the export to you directly.")
