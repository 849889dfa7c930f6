"""Modal submissions: the goal form and the metric form."""

from __future__ import annotations

from slack_bolt import App

from bot.flows import goal_forms, metric_forms
from bot.flows.goal_forms import GoalFormSubmitted, submit_goal_form
from bot.flows.metric_forms import MetricFormSubmitted, submit_metric_form
from bot.ids import Callback, Field
from handlers.common import Invocation, field_value, listener


def register(app: App) -> None:
    app.view(Callback.GOAL_ADD)(listener(goal_submitted))
    app.view(Callback.GOAL_EDIT)(listener(goal_submitted))
    app.view(Callback.METRIC_ADD)(listener(metric_submitted))


def goal_submitted(body: dict, view: dict) -> Invocation:
    editing = view["callback_id"] == Callback.GOAL_EDIT
    request = GoalFormSubmitted(
        ref=view["private_metadata"] if editing else None,
        title=field_value(view, Field.TITLE) or "",
        period=field_value(view, Field.PERIOD),
        category=field_value(view, Field.CATEGORY),
        owners=tuple(field_value(view, Field.OWNERS) or []),
        due=field_value(view, Field.DUE),
        # team metrics (issue 20): partner teams, in the edit modal only
        partners=(field_value(view, Field.PARTNERS) or "") if editing else None,
    )
    return Invocation(
        submit_goal_form,
        request,
        body["user"]["id"],
        field_blocks=goal_forms.GOAL_FIELDS,
        default_block=goal_forms.DEFAULT_FIELD,
    )


def metric_submitted(body: dict, view: dict) -> Invocation:
    request = MetricFormSubmitted(
        name=field_value(view, Field.METRIC_NAME) or "",
        kind=field_value(view, Field.METRIC_KIND) or "technical",
        target=field_value(view, Field.METRIC_TARGET) or "",
        comparator=field_value(view, Field.METRIC_COMPARATOR),
        unit=field_value(view, Field.METRIC_UNIT) or "",
    )
    return Invocation(
        submit_metric_form,
        request,
        body["user"]["id"],
        field_blocks=metric_forms.METRIC_FIELDS,
        default_block=metric_forms.DEFAULT_FIELD,
    )
