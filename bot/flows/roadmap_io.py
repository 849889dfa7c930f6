"""`/roadmap import` (opens the import form, also from the "Import the next roadmap" button)
and `/roadmap export` (a file of the roadmap: to the requester's DM, or the channel with
`share`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.message import simple
from bot.blocks.modals import import_modal
from bot.flows.commands import CommandCall, ExportRoadmap, ImportRoadmap
from bot.flows.context import FlowContext
from bot.flows.outcome import OpenView, Outcome, Upload
from bot.services.actors import require_admin
from bot.services.roadmap_export import export_roadmap


@dataclass(frozen=True)
class ImportNext:
    """The "Import the next roadmap" button (the roadmap-ended notice, the Home tab)."""

    trigger_id: str


# How people call each export: "the roadmap as Markdown".
FORMAT_NAMES = {"md": "Markdown", "json": "JSON", "csv": "a CSV spreadsheet"}


def open_import(call: CommandCall[ImportRoadmap], ctx: FlowContext) -> Outcome:
    """The form to paste a roadmap document into (roadmap admins only: the registry checks)."""
    return Outcome(effects=[OpenView(call.trigger_id, import_modal())])


def open_import_next(request: ImportNext, ctx: FlowContext) -> Outcome:
    """The import form, for roadmap admins (anyone else is told whom to ask)."""
    require_admin(ctx.workspace, ctx.actor, "import a roadmap")
    return Outcome(effects=[OpenView(request.trigger_id, import_modal())])


def export(call: CommandCall[ExportRoadmap], ctx: FlowContext) -> Outcome:
    """The export is private like every reply: it goes to the person's DM with the bot. With
    `share` it is uploaded into the conversation (or to the DM if the bot is not there)."""
    fmt = call.command.fmt
    content = export_roadmap(session=ctx.session, workspace_id=ctx.workspace.id, fmt=fmt)
    stamp = ctx.now.strftime("%Y-%m-%d")
    shared = call.share and ctx.channel_id is not None
    upload = Upload(
        channel=ctx.channel_id if shared else ctx.actor.user_id,
        content=content.encode("utf-8"),
        filename=f"roadmap-{stamp}.{fmt}",
        title=f"Roadmap export ({fmt}, {stamp})",
        initial_comment=f"The roadmap as {FORMAT_NAMES[fmt]}, exported {stamp}.",
        fallback_user=ctx.actor.user_id if shared else None,
        fallback_note=simple("I'm not in that channel, so I sent the export to you directly."),
    )
    note = (
        None
        if shared
        else simple(
            f"I sent you the roadmap as {FORMAT_NAMES[fmt]} in our direct messages. To post it "
            f"in this channel instead, use `/roadmap export {fmt} share`."
        )
    )
    return Outcome(reply=note, effects=[upload])
