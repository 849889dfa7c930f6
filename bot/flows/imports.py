"""Importing a roadmap from Slack: a document pasted into the import modal, or a Markdown file
shared in the bot's DM (or with a mention), shown as a dry run and imported on confirmation.

The file's content is read through the fetcher the request carries (the edge gives one that
downloads with the bot's token; tests give one that returns bytes), so flows never call Slack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.blocks.imports import (
    file_not_imported,
    import_failed,
    import_proposal,
    report_message,
)
from bot.blocks.people import unresolved_notice
from bot.flows.context import FlowContext
from bot.flows.outcome import Outcome, Post
from bot.ids import Field
from bot.services import people
from bot.services.actors import require_admin
from bot.services.errors import ServiceError
from bot.services.roadmap_document import RoadmapParseError
from bot.services.roadmap_import import import_roadmap

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt")
WHAT = "import a roadmap"

# file id → the file's content; raises a ValueError saying why it cannot be read.
FileFetcher = Callable[[str], bytes]


def roadmap_file(files: Sequence[dict]) -> dict | None:
    """The first shared file that may be a roadmap document (by its name)."""
    return next(
        (f for f in files if (f.get("name") or "").lower().endswith(DOCUMENT_SUFFIXES)), None
    )


@dataclass(frozen=True)
class ImportSubmitted:
    """The import modal: the pasted document, and whether only to show what would change."""

    document: str
    dry_run: bool


@dataclass(frozen=True)
class RoadmapFileShared:
    """A roadmap file shared in the bot's DM or with a mention (`ts`: the sharing message)."""

    channel: str
    ts: str | None
    file_id: str
    name: str | None
    fetch: FileFetcher


@dataclass(frozen=True)
class ImportConfirmed:
    """The Import button under a shared file's dry run."""

    file_id: str
    fetch: FileFetcher


def _read_members(ctx: FlowContext) -> None:
    """Owners in the document resolve against the workspace's members as Slack lists them."""
    if ctx.people is not None:
        people.refresh_people(
            session=ctx.session, workspace=ctx.workspace, reads=ctx.people, now=ctx.now
        )


def owner_warnings(ctx: FlowContext, dry_run: bool) -> list[Post]:
    """After an import: the owner names that matched nobody, with the fix, to the admin."""
    names = [] if dry_run else people.unresolved_owners(ctx.session, ctx.workspace.id)
    return [Post(ctx.actor.user_id, unresolved_notice(names))] if names else []


def submit_import(request: ImportSubmitted, ctx: FlowContext) -> Outcome:
    """A document that is not a roadmap (or a person who may not import) keeps the modal
    open with the reason; otherwise the report goes to the person by DM."""
    require_admin(ctx.workspace, ctx.actor, WHAT)
    _read_members(ctx)
    try:
        report = import_roadmap(
            session=ctx.session,
            workspace_id=ctx.workspace.id,
            text=request.document,
            dry_run=request.dry_run,
            actor=ctx.actor.user_id,
        )
    except RoadmapParseError as error:  # raised before anything is written
        return Outcome(errors={Field.DOCUMENT: str(error)[:150]})
    return Outcome(reply=report_message(report), effects=owner_warnings(ctx, request.dry_run))


def file_shared(request: RoadmapFileShared, ctx: FlowContext) -> Outcome:
    """Show the dry run in the file's thread, with buttons to import it or not."""
    if not ctx.first_delivery():
        return Outcome()
    try:
        require_admin(ctx.workspace, ctx.actor, WHAT)
        _read_members(ctx)  # owners resolve as the real import will resolve them
        report = import_roadmap(
            session=ctx.session,
            workspace_id=ctx.workspace.id,
            text=request.fetch(request.file_id),
            dry_run=True,
            actor=ctx.actor.user_id,
        )
        message = import_proposal(report, request.file_id)
    except (RoadmapParseError, ServiceError, ValueError) as error:
        message = file_not_imported(request.name, str(error))
    return Outcome(effects=[Post(request.channel, message, thread_ts=request.ts)])


def confirm_import(request: ImportConfirmed, ctx: FlowContext) -> Outcome:
    """Import the file for real; the report replaces the dry run."""
    try:
        require_admin(ctx.workspace, ctx.actor, WHAT)
        _read_members(ctx)
        report = import_roadmap(
            session=ctx.session,
            workspace_id=ctx.workspace.id,
            text=request.fetch(request.file_id),
            actor=ctx.actor.user_id,
        )
    except (RoadmapParseError, ServiceError, ValueError) as error:
        return Outcome(reply=import_failed(str(error)))
    return Outcome(
        reply=report_message(report),
        replace_original=True,
        effects=owner_warnings(ctx, dry_run=False),
    )
