"""Messages of a roadmap import: the report, the dry run of a shared file with its buttons."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.blocks.message import Message, simple
from bot.blocks.replies import import_report, problem
from bot.blocks.text import escape_mrkdwn
from bot.ids import Action
from bot.services.roadmap_import import ImportReport

SOURCES_CHOSEN = (
    "Measured by the bot, chosen from the metrics' names "
    "(change with /roadmap metric source <name> …)"
)

# What the dry run of a shared file may show, leaving room for its buttons.
MAX_REPORT_BLOCKS = 45


def report_message(report: ImportReport) -> Message:
    """What an import did (or, for a dry run, would do), section by section."""
    return import_report(
        report.summary(),
        [
            ("Understood", report.understood if report.dry_run else []),
            # A real import sends these apart, with a button to choose the people.
            (
                "Owners who match nobody (kept as written, asked about by nobody)",
                report.unresolved_lines() if report.dry_run else [],
            ),
            ("Added", [c.describe() for c in report.added]),
            ("Updated", [c.describe() for c in report.updated]),
            ("Renames proposed" if report.dry_run else "Renamed", report.renames),
            ("Not in the document", [c.describe() for c in report.missing]),
            ("Kept from earlier periods", [c.describe() for c in report.kept]),
            ("Archived", [c.describe() for c in report.archived]),
            ("Schedules proposed", report.schedules_proposed),
            ("Schedules kept (a re-import never changes one)", report.schedules_kept),
            (SOURCES_CHOSEN, report.sources_chosen),
            ("Skipped", [str(w) for w in report.skipped]),
            ("Warnings", [str(w) for w in report.warnings]),
        ],
    )


def import_proposal(report: ImportReport, file_id: str) -> Message:
    """The dry run of a shared file, with Import and Cancel buttons (their value: the file)."""
    message = report_message(report)
    buttons = ActionsBlock(
        elements=[
            ButtonElement(
                text="Import", action_id=Action.IMPORT_CONFIRM, value=file_id, style="primary"
            ),
            ButtonElement(text="Cancel", action_id=Action.IMPORT_CANCEL, value=file_id),
        ]
    )
    return Message(
        text="Import this roadmap? " + message.text,
        blocks=[*message.blocks[:MAX_REPORT_BLOCKS], buttons],
    )


def file_not_imported(name: str | None, reason: str) -> Message:
    return problem(f"I could not import {escape_mrkdwn(name or 'that file')}: {reason}")


def import_failed(reason: str) -> Message:
    return problem(f"The import failed: {reason}")


def import_cancelled(who: str | None) -> Message:
    return simple(f"Import cancelled by {escape_mrkdwn(who or 'you')}.")
