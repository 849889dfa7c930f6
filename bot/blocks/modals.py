"""Modals: add or edit a goal, add a metric, paste a roadmap to import."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.message import section
from bot.blocks.text import truncate
from bot.ids import Callback, Field
from bot.services.goals import GoalView
from bot.services.people import is_user_id

COMPARATOR_OPTIONS = (
    ("≥ at least", ">="),
    ("> more than", ">"),
    ("≤ at most", "<="),
    ("< less than", "<"),
    ("= exactly", "="),
)


def _options(values: Sequence[str]) -> list[Option]:
    return [Option(text=truncate(v, 75), value=v[:150]) for v in values[:100]]


def _select(field: Field, label: str, values: Sequence[str], initial: str | None, optional=False):
    options = _options(values)
    chosen = next((o for o in options if o.value == initial), None)
    return InputBlock(
        block_id=field,
        label=label,
        optional=optional,
        element=StaticSelectElement(action_id=field, options=options, initial_option=chosen),
    )


def goal_modal(
    *,
    periods: Sequence[str],
    categories: Sequence[str],
    goal: GoalView | None = None,
    default_period: str | None = None,
    owners: Sequence[str] = (),
    partners: Sequence[str] | None = None,
) -> View:
    """The add-goal modal, or the edit modal when `goal` is given (ref in private_metadata).
    `partners`: the goal's partner teams, shown (editable) in the edit modal (issue 20)."""
    blocks = [
        InputBlock(
            block_id=Field.TITLE,
            label="Goal",
            element=PlainTextInputElement(
                action_id=Field.TITLE,
                initial_value=goal.title if goal else None,
                max_length=300,
                placeholder="e.g. Complete API Gateway Redesign",
            ),
        ),
        _select(Field.PERIOD, "Period", periods, goal.period if goal else default_period),
        _select(Field.CATEGORY, "Category", categories, goal.category if goal else None),
        InputBlock(
            block_id=Field.OWNERS,
            label="Owners",
            optional=True,
            element=UserMultiSelectElement(
                action_id=Field.OWNERS,
                initial_users=[o for o in (goal.owners if goal else owners) if is_user_id(o)],
            ),
        ),
        InputBlock(
            block_id=Field.DUE,
            label="Due date",
            optional=True,
            element=DatePickerElement(
                action_id=Field.DUE,
                initial_date=goal.due.isoformat() if goal and goal.due else None,
            ),
        ),
    ]
    if goal is not None and partners is not None:  # team metrics (issue 20)
        blocks.append(
            InputBlock(
                block_id=Field.PARTNERS,
                label="Partner teams",
                optional=True,
                hint="User groups like @platform-team, or team names, separated by commas.",
                element=PlainTextInputElement(
                    action_id=Field.PARTNERS,
                    initial_value=", ".join(partners) or None,
                    max_length=500,
                    placeholder="e.g. @platform-team, Design",
                ),
            )
        )
    if not periods:
        blocks = [section("There is no roadmap period yet: import a roadmap first.")]
    return View(
        type="modal",
        callback_id=Callback.GOAL_EDIT if goal else Callback.GOAL_ADD,
        private_metadata=goal.ref if goal else "",
        title=f"Edit {goal.ref}" if goal else "Add a goal",
        submit="Save" if periods else None,
        close="Cancel",
        blocks=blocks,
    )


def metric_modal() -> View:
    return View(
        type="modal",
        callback_id=Callback.METRIC_ADD,
        title="Add a metric",
        submit="Add",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=Field.METRIC_NAME,
                label="Name",
                element=PlainTextInputElement(action_id=Field.METRIC_NAME, max_length=100),
            ),
            _select(Field.METRIC_KIND, "Kind", ["technical", "team"], "technical"),
            InputBlock(
                block_id=Field.METRIC_COMPARATOR,
                label="Target is",
                optional=True,
                element=StaticSelectElement(
                    action_id=Field.METRIC_COMPARATOR,
                    options=[Option(text=t, value=v) for t, v in COMPARATOR_OPTIONS],
                ),
            ),
            InputBlock(
                block_id=Field.METRIC_TARGET,
                label="Target value",
                optional=True,
                element=PlainTextInputElement(action_id=Field.METRIC_TARGET, placeholder="85"),
            ),
            InputBlock(
                block_id=Field.METRIC_UNIT,
                label="Unit",
                optional=True,
                element=PlainTextInputElement(
                    action_id=Field.METRIC_UNIT, placeholder="%, ms, hours"
                ),
            ),
        ],
    )


# Slack caps a plain-text input at 3,000 characters; longer documents come as a shared file.
DOCUMENT_LIMIT = 3000


def import_modal() -> View:
    return View(
        type="modal",
        callback_id=Callback.IMPORT,
        title="Import a roadmap",
        submit="Import",
        close="Cancel",
        blocks=[
            section(
                "Paste the roadmap document (Markdown). Goals already on the roadmap are "
                "updated in place; owners and check-ins are kept."
            ),
            section(
                f"This box holds up to {DOCUMENT_LIMIT:,} characters (Slack's limit). For a "
                "longer document, share the `.md` file with me in a direct message (or "
                "mention me with it in a channel): I show what I understood, and import it "
                "when you press Import."
            ),
            InputBlock(
                block_id=Field.DOCUMENT,
                label="Roadmap document",
                element=PlainTextInputElement(
                    action_id=Field.DOCUMENT, multiline=True, max_length=DOCUMENT_LIMIT
                ),
            ),
            InputBlock(
                block_id=Field.DRY_RUN,
                label="Options",
                optional=True,
                element=CheckboxesElement(
                    action_id=Field.DRY_RUN,
                    options=[Option(text="Dry run: only show what would change", value="dry")],
                ),
            ),
        ],
    )
