"""Spreadsheets: our CSV export restores like the JSON export; any other table of goals
(columns such as title, quarter, team, owner, status, due) is merged like a document."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import roadmap_csv_records as records
from bot.services.errors import InvalidInput
from bot.services.measured_by import guess
from bot.services.roadmap_document import (
    ParsedCategory,
    ParsedGoal,
    ParsedPeriod,
    ParsedRoadmap,
    ParseWarning,
    normalize_title,
    parse_period_label,
)
from bot.services.roadmap_document.annotations import parse_date, status_and_note
from bot.services.roadmap_document.metrics import metric_key
from bot.services.roadmap_document.model import MAX_TITLE
from bot.services.roadmap_document.periods import heading_period
from bot.services.roadmap_document.tables import owner_handles
from bot.services.roadmap_document.targets import goal_target
from bot.services.roadmap_document.text import decode_bytes
from bot.services.roadmap_import import ImportReport, import_parsed
from bot.services.roadmap_restore import RestoreError, RestoreReport, restore_data
from bot.services.typed_values import percent, read_typed
from models import Goal

# -- CSV --------------------------------------------------------------------------------------

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "record": ("record",),
    "ref": ("ref", "id", "key"),
    "title": ("title", "goal", "name", "summary", "initiative", "objective", "item"),
    "period": ("period", "quarter", "half", "timeframe", "when"),
    "category": ("category", "team", "area", "group", "workstream", "stream"),
    "owners": ("owners", "owner", "assignee", "assignees", "lead", "dri"),
    "status": ("status", "state"),
    "progress": ("progress", "% done", "percent done", "completion"),
    "due": ("due", "due date", "deadline", "target date", "eta"),
    "value": ("value", "target value"),
    "unit": ("unit",),
    "user": ("user",),
    "note": ("note", "notes"),
    "at": ("at", "recorded at", "time"),
    "cycle": ("cycle",),
    "partners": ("partners", "partner teams", "partner team", "with"),
    "source": ("source", "measured by"),
    **records.FIELDS,
}
_ALIAS_TO_FIELD = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


def _field(header: str) -> str | None:
    return _ALIAS_TO_FIELD.get(" ".join(header.strip().casefold().replace("_", " ").split()))


def read_csv(data: str | bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows as (line, {field: value}) with headers mapped through their aliases."""
    text = decode_bytes(data) if isinstance(data, bytes) else data
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # A doubled quote inside a quoted cell is a quote (every spreadsheet writes it so), even
    # when the sample the sniffer saw had none: the export's JSON cells come last.
    reader = csv.reader(io.StringIO(text), dialect, doublequote=True)
    try:
        header = next(reader)
    except StopIteration:
        raise RestoreError("the spreadsheet is empty") from None
    fields = [_field(h) for h in header]
    if "title" not in fields:
        raise RestoreError(
            "no title column: name one title, goal or name (and e.g. quarter, team, owner,"
            " status, due)"
        )
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        row = {f: c.strip() for f, c in zip(fields, cells, strict=False) if f and c.strip()}
        rows.append((reader.line_num, row))
    return rows


def import_csv(
    *,
    session: Session,
    workspace_id: int,
    data: str | bytes,
    dry_run: bool = False,
    archive_missing: bool = False,
    actor: str | None = None,
) -> RestoreReport | ImportReport:
    """Our CSV export into a workspace without goals: a restore. Otherwise the rows' goals are
    merged like a document's (matched by period, category and title)."""
    rows = read_csv(data)
    empty = not session.scalar(
        select(func.count()).select_from(Goal).where(Goal.workspace_id == workspace_id)
    )
    if (
        empty
        and any(r.get("record") for _, r in rows)
        and all(r.get("ref") for _, r in rows if r.get("record", "goal") == "goal")
    ):
        return restore_data(session, workspace_id, _export_rows(rows), "CSV export", dry_run)
    parsed = _spreadsheet(rows)
    return import_parsed(
        session=session,
        workspace_id=workspace_id,
        parsed=parsed,
        source=None,
        dry_run=dry_run,
        archive_missing=archive_missing,
        actor=actor,
    )


def _export_rows(rows: list[tuple[int, dict[str, str]]]) -> dict:
    """Our CSV export as the JSON export's shape (what the CSV holds of it)."""
    data: dict = {"roadmap": {}, "periods": [], "goals": [], "metrics": [], "checkins": []}
    labels: list[str] = []
    metrics: dict[str, dict] = {}
    for line, row in rows:
        record = row.get("record", "goal")
        if record == "goal":
            label = row.get("period", "")
            if label not in labels:
                resolved = parse_period_label(label, None, months=True)
                if resolved is None:
                    raise RestoreError(f"line {line}: {label!r} is not a period")
                labels.append(label)
                start, end = resolved[1].isoformat(), resolved[2].isoformat()
                data["periods"].append({"label": label, "start": start, "end": end})
            target = _typed_cell(row, line)
            data["goals"].append(
                {
                    "ref": row["ref"],
                    "title": row["title"],
                    "period": label,
                    "category": row.get("category") or "General",
                    "status": row.get("status") or "not-started",
                    "status_note": row.get("note"),
                    "progress": percent(row.get("progress")) or 0,
                    "owners": (row.get("owners") or "").split(),
                    "due": row.get("due"),
                    "target": {
                        "value": target[0], "unit": target[1],
                        "comparator": target[2] or ">=", "kind": "absolute",
                        **records.goal_details(row, line),
                    } if target else None,
                    "partners": _partners(row.get("partners")),
                }
            )  # fmt: skip
        elif record == "metric":
            name = row["title"]
            target = _typed_cell(row, line)
            metrics[name] = {
                "name": name,
                "key": metric_key(name),
                "target": target[0] if target else None,
                "comparator": target[2] if target else None,
                "unit": target[1] if target else row.get("unit"),
                "readings": [],
                "measured_by": row.get("source"),
                # an older CSV keeps no "chosen from its name" mark: the name's own choice reads so
                "measured_by_guessed": row.get("source") == guess(name, metric_key(name)),
                "text": row.get("note"),
                **records.metric_details(row, line),
            }
            data["metrics"].append(metrics[name])
        elif record == "reading":
            value = _typed_cell(row, line)
            metrics[row["title"]]["readings"].append(
                {
                    "value": value[0] if value else None,
                    "at": row.get("at"),
                    "user": row.get("user"),
                    "source": row.get("source"),
                    "note": row.get("note"),
                }
            )
        elif record == "checkin":
            data["checkins"].append(
                {
                    "goal": row.get("ref"),
                    "cycle": row.get("cycle") or (row.get("at") or "")[:10],
                    "user": row.get("user"),
                    "status": row.get("status"),
                    "progress": percent(row.get("progress")),
                    "note": row.get("note"),
                    "at": row.get("at"),
                }
            )
        elif record in records.RECORDS:
            records.read(record, row, line, data)
    # Owners are written as @handles: the roster's rows say whose they are.
    people = {m["handle"]: m["user"] for m in data.get("team", []) if m.get("handle")}
    for goal in data["goals"]:
        goal["owners"] = [people.get(owner, owner) for owner in goal["owners"]]
    return data


def _partners(cell: str | None) -> list[dict]:
    """A partners cell (`<!subteam^S0PLAT|@platform-team>, Design`) as the JSON export's."""
    from bot.services.partners import parse_partner_text, resolve

    if not cell:
        return []
    try:
        found = resolve(parse_partner_text(cell), None)
    except InvalidInput as error:
        raise RestoreError(str(error)) from None
    return [{"name": p.name, "usergroup": p.usergroup_id} for p in found]


def _typed_cell(row: dict[str, str], line: int) -> tuple[float, str | None, str | None] | None:
    """The row's value cell as (value, unit, comparator); an older export's separate unit
    column ("30.0" and "%") reads the same."""
    if not row.get("value"):
        return None
    try:
        value, unit, comparator = read_typed(row["value"])
    except ValueError as error:
        raise RestoreError(f"line {line}: {error}") from None
    return value, unit or row.get("unit"), comparator


def _spreadsheet(rows: list[tuple[int, dict[str, str]]]) -> ParsedRoadmap:
    """A spreadsheet of goals as a roadmap: one row per goal."""
    roadmap = ParsedRoadmap()
    periods: dict[str, ParsedPeriod] = {}
    for line, row in rows:
        if row.get("record", "goal") != "goal":
            continue
        title = row.get("title", "")
        if not title:
            roadmap.skipped.append(ParseWarning(line, "row without a title; skipped"))
            continue
        found = heading_period(row.get("period", ""))
        if found is None or found.spec.problem is not None or found.spec.year is None:
            roadmap.skipped.append(
                ParseWarning(line, f"row {title[:60]!r} has no period with a year; skipped")
            )
            continue
        label, start, end = found.spec.resolve(found.spec.year)
        period = periods.get(label)
        if period is None:
            period = periods[label] = ParsedPeriod(label, start, end, line)
            roadmap.periods.append(period)
        name = row.get("category") or "General"
        category = next((c for c in period.categories if c.name == name), None)
        if category is None:
            category = ParsedCategory(name, line)
            period.categories.append(category)
        if len(title) > MAX_TITLE:
            title = title[: MAX_TITLE - 1].rstrip() + "\u2026"
            roadmap.warnings.append(ParseWarning(line, f"goal title cut to {MAX_TITLE} characters"))
        key = normalize_title(title)
        if any(normalize_title(g.title) == key for g in category.goals):
            roadmap.skipped.append(ParseWarning(line, f"duplicate goal {title[:60]!r}; skipped"))
            continue
        progress = row.get("progress", "").rstrip("%").strip()
        if row.get("partners"):  # read like a document's "(with @platform-team)"
            title += f" (with {row['partners']})"
        status, note = status_and_note(row.get("status", ""))
        goal = ParsedGoal(
            title,
            line,
            owner_handles(row.get("owners", "")),
            status,
            parse_date(row["due"], start.year) if row.get("due") else None,
            int(progress) if progress.isdigit() and int(progress) <= 100 else None,
            note=note or (row.get("note") or "").strip() or None,
        )
        goal.target = goal_target(title, [])
        category.goals.append(goal)
    if not any(True for _ in roadmap.goals()):
        raise RestoreError("no goals found: each row needs a title and a period (e.g. Q1 2026)")
    return roadmap
