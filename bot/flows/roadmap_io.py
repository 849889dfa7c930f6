"""`/roadmap import` (opens the import form) and `/roadmap export` (a file of the roadmap)."""

from __future__ import annotations

from bot.blocks.message import simple
from bot.blocks.modals import import_modal
from bot.flows.commands import CommandCall, ExportRoadmap, ImportRoadmap
from bot.flows.context import FlowContext
from bot.flows.outcome import OpenView, Outcome, Upload
from bot.services.roadmap_export import MEDIA_TYPES, export_roadmap


def open_import(call: CommandCall[ImportRoadmap], ctx: FlowContext) -> Outcome:
    """The form to paste a roadmap document into (roadmap admins only: the registry checks)."""
    return Outcome(effects=[OpenView(call.trigger_id, import_modal())])


def export(call: CommandCall[ExportRoadmap], ctx: FlowContext) -> Outcome:
    """Upload the export into the conversation, or to the person's DM if the bot is not there."""
    fmt = call.command.fmt
    content = export_roadmap(session=ctx.session, workspace_id=ctx.workspace.id, fmt=fmt)
    stamp = ctx.now.strftime("%Y-%m-%d")
    upload = Upload(
        channel=ctx.channel_id or ctx.actor.user_id,
        content=content.encode("utf-8"),
        filename=f"roadmap-{stamp}.{fmt}",
        title=f"Roadmap export ({fmt}, {stamp})",
        initial_comment=f"Here is the roadmap as {fmt.upper()} ({MEDIA_TYPES[fmt]}).",
        fallback_user=ctx.actor.user_id,
        fallback_note=simple("I'm not in that channel, so I sent the export to you directly."),
    )
    return Outcome(effects=[upload])
