"""import and export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.workspace import cli_workspace
from bot.config import Settings
from bot.db import create_db_engine, make_session_factory, migrate
from bot.services.people import refresh_people, unresolved_owners
from bot.services.roadmap_csv import import_csv
from bot.services.roadmap_document import RoadmapParseError
from bot.services.roadmap_export import FORMATS, ExportError, export_roadmap
from bot.services.roadmap_import import ImportReport, import_roadmap
from bot.services.roadmap_restore import (
    RestoreError,
    RestoreReport,
    looks_like_csv,
    looks_like_json,
    restore_json,
)
from bot.services.workspaces import WorkspaceError
from models import utcnow


def add_parsers(subparsers) -> None:
    imp = subparsers.add_parser(
        "import",
        help="import a roadmap (Markdown), restore an export (JSON, CSV) or read a spreadsheet",
    )
    imp.add_argument(
        "file", help="a .md, .json or .csv file, or - for standard input (Markdown or JSON)"
    )
    imp.add_argument("--team", help="Slack team id (optional with a single workspace)")
    imp.add_argument("--dry-run", action="store_true", help="show the report, write nothing")
    imp.add_argument(
        "--archive-missing", action="store_true", help="archive goals not in the document"
    )
    imp.set_defaults(handler=cmd_import)

    exp = subparsers.add_parser("export", help="export the roadmap (md, json or csv)")
    exp.add_argument("--team", help="Slack team id (optional with a single workspace)")
    exp.add_argument("--format", choices=FORMATS, default="md")
    exp.add_argument("-o", "--output", help="file to write (default: standard output)")
    exp.set_defaults(handler=cmd_export)


def open_database(settings: Settings):
    if settings.is_sqlite:
        migrate(settings.database_url)
    engine = create_db_engine(settings.database_url)
    return engine, make_session_factory(engine)


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        print(f"error: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 1
    engine, factory = open_database(settings)
    try:
        with factory() as session:
            workspace = cli_workspace(session, settings, args.team, create=True)
            reads = slack_people_reads(settings)
            if reads is not None:  # owners resolve against the members Slack lists
                refresh_people(session=session, workspace=workspace, reads=reads, now=utcnow())
            report = _import_file(session, workspace.id, args, data)
            unresolved = [] if args.dry_run else unresolved_owners(session, workspace.id)
            # A dry run leaves no trace at all, not even a newly created local workspace.
            session.rollback() if args.dry_run else session.commit()
    except (RoadmapParseError, RestoreError) as error:
        print(f"error: {args.file}: {error}", file=sys.stderr)
        return 1
    except WorkspaceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if isinstance(report, RestoreReport):
        print(report.summary() + ("\nDry run: nothing was written." if args.dry_run else ""))
    else:
        print(format_report(report))
    if unresolved:
        print(f"Owners not found in the workspace ({len(unresolved)}), kept as written:")
        for name in unresolved:
            print(f"  {name.name} ({', '.join(name.refs)})")
        print("Fix them in Slack (the button in the import's DM) or `roadmap-bot people resolve`.")
    return 0


def slack_people_reads(settings: Settings):
    """users.list through the bot token, when there is one (else names stay unresolved)."""
    if not settings.slack_bot_token:
        return None
    from bot.runtime import make_web_client
    from bot.slack_reads import people_reads

    return people_reads(make_web_client(settings, settings.slack_bot_token))


def _import_file(session, workspace_id: int, args, data: bytes) -> ImportReport | RestoreReport:
    """A JSON export restores, a CSV restores or merges, anything else is a document."""
    name = "" if args.file == "-" else args.file
    if looks_like_json(name, data):
        return restore_json(
            session=session, workspace_id=workspace_id, data=data, dry_run=args.dry_run
        )
    if looks_like_csv(name):
        return import_csv(
            session=session,
            workspace_id=workspace_id,
            data=data,
            dry_run=args.dry_run,
            archive_missing=args.archive_missing,
            actor="cli",
        )
    return import_roadmap(
        session=session,
        workspace_id=workspace_id,
        text=data,
        dry_run=args.dry_run,
        archive_missing=args.archive_missing,
        actor="cli",
    )


def format_report(report: ImportReport) -> str:
    lines = [report.summary()]
    if report.dry_run and report.understood:
        lines.append("Understood:")
        lines += [f"  {line}" for line in report.understood]
    sections = [
        ("Added", report.added),
        ("Updated", report.updated),
        ("Not in the document", report.missing),
        ("Kept from earlier periods", report.kept),
        ("Archived", report.archived),
    ]
    for title, changes in sections:
        if changes:
            lines.append(f"{title}:")
            lines += [f"  {c.describe()}" for c in changes]
    if report.renames:
        lines.append("Renames proposed:" if report.dry_run else "Renamed:")
        lines += [f"  {rename}" for rename in report.renames]
    if report.metrics_added:
        lines.append("Metrics added: " + ", ".join(report.metrics_added))
    if report.metrics_updated:
        lines.append("Metrics updated: " + ", ".join(report.metrics_updated))
    if report.schedules_proposed:
        lines.append("Schedules proposed: " + "; ".join(report.schedules_proposed))
    if report.schedules_kept:
        lines.append("Schedules kept (a re-import never changes one):")
        lines += [f"  {line}" for line in report.schedules_kept]
    if report.sources_chosen:
        lines.append(
            "Measured by the bot, chosen from the metrics' names (change with "
            "`/roadmap metric source <name> …`):"
        )
        lines += [f"  {line}" for line in report.sources_chosen]
    if report.skipped:
        lines.append("Skipped:")
        lines += [f"  {w}" for w in report.skipped]
    if report.warnings:
        lines.append("Warnings:")
        lines += [f"  {w}" for w in report.warnings]
    if report.dry_run and report.unresolved:
        lines.append(
            f"Owners not found in the workspace ({len(report.unresolved)}), "
            "would be kept as written:"
        )
        lines += [f"  {line}" for line in report.unresolved_lines()]
    if report.dry_run:
        lines.append("Dry run: nothing was written.")
    return "\n".join(lines)


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    engine, factory = open_database(settings)
    try:
        with factory() as session:
            workspace = cli_workspace(session, settings, args.team)
            text = export_roadmap(session=session, workspace_id=workspace.id, fmt=args.format)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except WorkspaceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote {args.output}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
