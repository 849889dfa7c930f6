"""Buttons on the bot's messages and Home tab: paging, show, edit, refresh."""

from __future__ import annotations

import json
import re

from slack_bolt import App

from bot.blocks.goals import goal_card, goal_page
from bot.blocks.replies import problem
from bot.ids import Action
from bot.services import goals
from bot.services.actors import can_change_goal
from bot.services.errors import ServiceError
from handlers.context import request_context
from handlers.legacy import legacy_listener as listener


def register(app: App) -> None:
    app.action(re.compile(f"^{Action.GOALS_PAGE}"))(listener(turn_page))
    app.action(re.compile(f"^{Action.GOAL_SHOW}"))(listener(show_goal))
    app.action(re.compile(f"^{Action.GOAL_EDIT}"))(listener(edit_goal))


def _context(body, db, client, context):
    return request_context(db=db, context=context, client=client, user_id=body["user"]["id"])


def turn_page(ack, action: dict, body: dict, db, client, context, respond) -> None:
    ack()
    filters = json.loads(action["value"])
    ctx = _context(body, db, client, context)
    try:
        page = goals.list_goals(
            session=db,
            workspace=ctx.workspace,
            actor=ctx.actor,
            now=ctx.now,
            period=filters.get("period"),
            category=filters.get("category"),
            owner=filters.get("owner"),
            status=filters.get("status"),
            page=int(filters.get("page", 1)),
        )
    except ServiceError as error:
        respond(replace_original=False, **problem(str(error)).to_dict())
        return
    respond(replace_original=True, **goal_page(page).to_dict())


def show_goal(ack, action: dict, body: dict, db, client, context, respond) -> None:
    ack()
    ctx = _context(body, db, client, context)
    try:
        goal = goals.get_goal(db, ctx.workspace.id, action["value"])
    except ServiceError as error:
        respond(replace_original=False, **problem(str(error)).to_dict())
        return
    card = goal_card(
        goals.goal_view(db, goal), can_change=can_change_goal(ctx.workspace, ctx.actor, goal)
    )
    respond(replace_original=False, response_type="ephemeral", **card.to_dict())


def edit_goal(ack, action: dict, body: dict, db, client, context, respond) -> None:
    ack()
    from handlers.modals import open_goal_modal

    ctx = _context(body, db, client, context)
    try:
        open_goal_modal(ctx, trigger_id=body["trigger_id"], ref=action["value"])
    except ServiceError as error:
        message = problem(str(error))
        if respond is not None and body.get("response_url"):
            respond(replace_original=False, **message.to_dict())
        else:
            client.chat_postMessage(channel=ctx.actor.user_id, **message.to_dict())

