"""Import (a pasted document, or a Markdown file shared with the bot) and export (a file)."""

from __future__ import annotations

import logging
import urllib.request
from datetime import UTC, datetime

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.blocks.message import Message, section
from bot.blocks.replies import import_report, problem
from bot.blocks.text import escape_mrkdwn
from bot.ids import Action, Callback, Field
from bot.services.actors import require_admin
from bot.services.errors import ServiceError
from bot.services.roadmap_document import RoadmapParseError
from bot.services.roadmap_export import MEDIA_TYPES, export_roadmap
from bot.services.roadmap_import import ImportReport, import_roadmap
from handlers.context import RequestContext, request_context
from handlers.legacy import legacy_listener as listener
from handlers.modals import field_value

log = logging.getLogger(__name__)
MAX_DOCUMENT_BYTES = 512 * 1024
DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt")


def register(app: App) -> None:
    app.view(Callback.IMPORT)(listener(submit_import))
    app.action(Action.IMPORT_CONFIRM)(listener(confirm_file_import))
    app.action(Action.IMPORT_CANCEL)(listener(cancel_file_import))


def report_message(report: ImportReport) -> Message:
    return import_report(
        report.summary(),
        [
            ("Added", [c.describe() for c in report.added]),
            ("Updated", [c.describe() for c in report.updated]),
            ("Not in the document", [c.describe() for c in report.missing]),
            ("Archived", [c.describe() for c in report.archived]),
            ("Schedules proposed", report.schedules_proposed),
            ("Warnings", [str(w) for w in report.warnings]),
        ],
    )


def open_import(ctx: RequestContext, trigger_id: str) -> None:
    from handlers.modals import open_import_modal

    require_admin(ctx.workspace, ctx.actor, "import a roadmap")
    open_import_modal(ctx, trigger_id=trigger_id)


def submit_import(ack, body: dict, view: dict, db, client, context) -> None:
    """Check the document and the permission, close the modal, then import and report by DM
    (the import itself may take longer than the three seconds an ack has)."""
    from bot.services.roadmap_document import parse_roadmap

    ctx = request_context(db=db, context=context, client=client, user_id=body["user"]["id"])
    document = field_value(view, Field.DOCUMENT) or ""
    dry_run = "dry" in (field_value(view, Field.DRY_RUN) or [])
    try:
        require_admin(ctx.workspace, ctx.actor, "import a roadmap")
        parse_roadmap(document)
    except (RoadmapParseError, ServiceError) as error:
        ack(response_action="errors", errors={Field.DOCUMENT: str(error)[:150]})
        return
    ack()
    report = import_roadmap(
        session=db,
        workspace_id=ctx.workspace.id,
        text=document,
        dry_run=dry_run,
        actor=ctx.actor.user_id,
    )
    db.commit()
    client.chat_postMessage(channel=ctx.actor.user_id, **report_message(report).to_dict())


def export_file(ctx: RequestContext, *, fmt: str, channel_id: str) -> Message | None:
    """Upload the export into the conversation (or the person's DM if the bot is not there)."""
    content = export_roadmap(session=ctx.session, workspace_id=ctx.workspace.id, fmt=fmt)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    filename = f"roadmap-{stamp}.{fmt}"
    upload = dict(
        content=content.encode("utf-8"),
        filename=filename,
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
    return section_message("I'm not in that channel, so I sent the export to you directly.")


def section_message(text: str) -> Message:
    return Message(text=text, blocks=[section(text)])


def _download(client, file: dict) -> bytes:
    url = file.get("url_private_download") or file.get("url_private")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        data = response.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValueError("the file is larger than 512 KB")
    return data


def _roadmap_file(files: list[dict]) -> dict | None:
    return next(
        (f for f in files if (f.get("name") or "").lower().endswith(DOCUMENT_SUFFIXES)), None
    )


def file_shared(event: dict, db, client, context) -> None:
    """A Markdown file in the bot's DM or with a mention: show the dry run, ask to confirm."""
    file = _roadmap_file(event.get("files") or [])
    user = event.get("user")
    if file is None or not user:
        return
    ctx = request_context(db=db, context=context, client=client, user_id=user)
    channel = event["channel"]
    try:
        require_admin(ctx.workspace, ctx.actor, "import a roadmap")
        data = _download(client, client.files_info(file=file["id"])["file"])
        report = import_roadmap(
            session=db, workspace_id=ctx.workspace.id, text=data, dry_run=True, actor=user
        )
    except (RoadmapParseError, ServiceError, ValueError) as error:
        db.rollback()
        text = f"I could not import {escape_mrkdwn(file.get('name') or 'that file')}: {error}"
        client.chat_postMessage(
            channel=channel, thread_ts=event.get("ts"), **problem(text).to_dict()
        )
        return
    message = report_message(report)
    message.blocks = [*message.blocks[:45], confirm_buttons(file["id"])]
    message.text = "Import this roadmap? " + message.text
    client.chat_postMessage(channel=channel, thread_ts=event.get("ts"), **message.to_dict())


def confirm_buttons(file_id: str):
    from slack_sdk.models.blocks import ActionsBlock, ButtonElement

    return ActionsBlock(
        elements=[
            ButtonElement(
                text="Import", action_id=Action.IMPORT_CONFIRM, value=file_id, style="primary"
            ),
            ButtonElement(text="Cancel", action_id=Action.IMPORT_CANCEL, value=file_id),
        ]
    )


def confirm_file_import(ack, action: dict, body: dict, db, client, context, respond) -> None:
    ack()
    ctx = request_context(db=db, context=context, client=client, user_id=body["user"]["id"])
    try:
        require_admin(ctx.workspace, ctx.actor, "import a roadmap")
        file = client.files_info(file=action["value"])["file"]
        report = import_roadmap(
            session=db,
            workspace_id=ctx.workspace.id,
            text=_download(client, file),
            actor=ctx.actor.user_id,
        )
    except (RoadmapParseError, ServiceError, ValueError, SlackApiError) as error:
        db.rollback()
        respond(replace_original=False, **problem(f"The import failed: {error}").to_dict())
        return
    db.commit()
    respond(replace_original=True, **report_message(report).to_dict())


def cancel_file_import(ack, body: dict, respond) -> None:
    ack()
    who = escape_mrkdwn(body["user"].get("name") or "you")
    respond(replace_original=True, **section_message(f"Import cancelled by {who}.").to_dict())
