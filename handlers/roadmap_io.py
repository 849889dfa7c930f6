"""Roadmap import from Slack: the paste modal, and the buttons under a shared file's dry run
(the shared file itself arrives as a message event, in handlers.messages)."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks.imports import import_cancelled
from bot.flows.imports import ImportConfirmed, ImportSubmitted, confirm_import, submit_import
from bot.flows.outcome import Outcome
from bot.flows.roadmap_io import ImportNext, open_import_next
from bot.ids import Action, Callback, Field
from bot.slack_files import shared_file_fetcher
from handlers.common import Invocation, field_value, listener


def register(app: App) -> None:
    app.view(Callback.IMPORT)(listener(import_submitted))
    app.action(Action.IMPORT_CONFIRM)(listener(confirm_pressed))
    app.action(Action.IMPORT_CANCEL)(listener(cancel_pressed))
    app.action(Action.IMPORT_NEXT)(listener(import_next_pressed))


def import_next_pressed(body: dict) -> Invocation:
    """ "Import the next roadmap": the import form (roadmap admins only: the flow checks)."""
    return Invocation(open_import_next, ImportNext(body["trigger_id"]), body["user"]["id"])


def import_submitted(body: dict, view: dict) -> Invocation:
    request = ImportSubmitted(
        document=field_value(view, Field.DOCUMENT) or "",
        dry_run="dry" in (field_value(view, Field.DRY_RUN) or []),
    )
    return Invocation(submit_import, request, body["user"]["id"], default_block=Field.DOCUMENT)


def confirm_pressed(action: dict, body: dict, client) -> Invocation:
    request = ImportConfirmed(action["value"], shared_file_fetcher(client))
    return Invocation(confirm_import, request, body["user"]["id"])


def cancel_pressed(body: dict) -> Outcome:
    """Nothing to store: the message says who cancelled, in place of the dry run."""
    return Outcome(reply=import_cancelled(body["user"].get("name")), replace_original=True)
