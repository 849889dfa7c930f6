"""Modals: open them for commands and buttons, validate and apply their submissions."""

from __future__ import annotations

from datetime import date

from slack_bolt import App

from bot.blocks.goals import goal_changed
from bot.blocks.modals import goal_modal, import_modal, metric_modal
from bot.blocks.text import escape_mrkdwn
from bot.ids import Callback, Field
from bot.services import goals, metrics
from bot.services.errors import ServiceError
from handlers.context import RequestContext, request_context
from handlers.legacy import legacy_listener as listener
from handlers.legacy import refresh_homes


def register(app: App) -> None:
    app.view(Callback.GOAL_ADD)(listener(submit_goal))
    app.view(Callback.GOAL_EDIT)(listener(submit_goal))
    app.view(Callback.METRIC_ADD)(listener(submit_metric))


def open_goal_modal(ctx: RequestContext, *, trigger_id: str, ref: str | None) -> None:
    form = goals.goal_form(
        session=ctx.session, workspace=ctx.workspace, actor=ctx.actor, now=ctx.now, ref=ref
    )
    modal = goal_modal(
        periods=form.periods,
        categories=form.categories,
        goal=form.goal,
        default_period=form.default_period,
        owners=[ctx.actor.user_id],
    )
    ctx.client.views_open(trigger_id=trigger_id, view=modal)


def open_metric_modal(ctx: RequestContext, *, trigger_id: str) -> None:
    ctx.client.views_open(trigger_id=trigger_id, view=metric_modal())


def open_import_modal(ctx: RequestContext, *, trigger_id: str) -> None:
    ctx.client.views_open(trigger_id=trigger_id, view=import_modal())


def field_value(view: dict, field: Field):
    """The submitted value of one input, whatever its element type."""
    element = view["state"]["values"].get(field, {}).get(field) or {}
    kind = element.get("type")
    if kind == "static_select":
        option = element.get("selected_option")
        return option["value"] if option else None
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "checkboxes":
        return [o["value"] for o in element.get("selected_options") or []]
    return element.get("value")


# Which input block shows a service's complaint about a field (the first one otherwise).
GOAL_FIELDS = {
    "title": Field.TITLE,
    "period": Field.PERIOD,
    "category": Field.CATEGORY,
    "owners": Field.OWNERS,
    "due": Field.DUE,
}
METRIC_FIELDS = {
    "name": Field.METRIC_NAME,
    "kind": Field.METRIC_KIND,
    "target": Field.METRIC_TARGET,
}


def submit_goal(ack, body: dict, view: dict, db, client, context) -> None:
    ctx = request_context(db=db, context=context, client=client, user_id=body["user"]["id"])
    title = (field_value(view, Field.TITLE) or "").strip()
    if not title:
        ack(response_action="errors", errors={Field.TITLE: "A goal needs a title."})
        return
    due_text = field_value(view, Field.DUE)
    kwargs = dict(
        session=db,
        workspace=ctx.workspace,
        actor=ctx.actor,
        now=ctx.now,
        title=title,
        period=field_value(view, Field.PERIOD),
        category=field_value(view, Field.CATEGORY),
        owners=field_value(view, Field.OWNERS) or [],
        due=date.fromisoformat(due_text) if due_text else None,
    )
    try:
        if view["callback_id"] == Callback.GOAL_EDIT:
            result = goals.edit_goal(ref=view["private_metadata"], **kwargs)
            what = "saved."
        else:
            result = goals.add_goal(**kwargs)
            what = f"added to {result.period} / {result.category}."
    except ServiceError as error:
        db.rollback()
        block = GOAL_FIELDS.get(error.field or "", Field.TITLE)
        ack(response_action="errors", errors={block: str(error)[:150]})
        return
    db.commit()
    ack()
    client.chat_postMessage(channel=ctx.actor.user_id, **goal_changed(result, what).to_dict())
    ctx.changed.append(result)
    refresh_homes(ctx)


def _number(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    return float(text.strip().replace(",", ".").rstrip("%"))


def submit_metric(ack, body: dict, view: dict, db, client, context) -> None:
    ctx = request_context(db=db, context=context, client=client, user_id=body["user"]["id"])
    try:
        target = _number(field_value(view, Field.METRIC_TARGET))
    except ValueError:
        ack(response_action="errors", errors={Field.METRIC_TARGET: "Give a number, e.g. 85."})
        return
    try:
        result = metrics.add_metric(
            session=db,
            workspace=ctx.workspace,
            actor=ctx.actor,
            name=field_value(view, Field.METRIC_NAME) or "",
            kind=field_value(view, Field.METRIC_KIND) or "technical",
            target=target,
            comparator=field_value(view, Field.METRIC_COMPARATOR),
            unit=(field_value(view, Field.METRIC_UNIT) or "").strip() or None,
        )
    except ServiceError as error:
        db.rollback()
        block = METRIC_FIELDS.get(error.field or "", Field.METRIC_NAME)
        ack(response_action="errors", errors={block: str(error)[:150]})
        return
    db.commit()
    ack()
    client.chat_postMessage(
        channel=ctx.actor.user_id,
        text=f":bar_chart: Metric *{escape_mrkdwn(result.name)}* added.",
    )
