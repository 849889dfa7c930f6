"""Restore a workspace from its JSON export (and, through roadmap_csv, its CSV export).

`python -m bot import FILE.json` puts back everything the JSON export holds (goals with their
refs, owners, statuses, progress and due dates, metrics with readings, schedules with their
options, check-ins, settings, the team roster and innovation answers) into a workspace
without a roadmap, so exporting again gives the same JSON: that is how a workspace moves from
SQLite to PostgreSQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.services.roadmap_document import (
    normalize_title,
)
from bot.services.roadmap_document.metrics import metric_key
from bot.services.roadmap_document.model import MAX_TITLE
from bot.services.roadmap_document.text import decode_bytes
from bot.services.roadmap_export import JSON_FORMAT
from bot.services.roadmap_report import plural
from bot.services.roadmap_team_export import restore_innovation, restore_team
from models import (
    AuditEntry,
    Category,
    Checkin,
    Goal,
    GoalOwner,
    GoalPartner,
    MeasuredBy,
    Metric,
    MetricReading,
    Period,
    Roadmap,
    Schedule,
    Workspace,
)


class RestoreError(ValueError):
    """The file cannot be restored; nothing was written."""


@dataclass
class RestoreReport:
    dry_run: bool
    source: str  # "JSON export", "CSV export"
    roadmap: str
    periods: int = 0
    goals: int = 0
    metrics: int = 0
    readings: int = 0
    schedules: int = 0
    checkins: int = 0
    team: int = 0  # roster rows, people who left included
    innovation: int = 0

    def summary(self) -> str:
        verb = "Would restore" if self.dry_run else "Restored"
        return (
            f"{verb} {self.roadmap!r} from a {self.source}: {plural(self.periods, 'period')}, "
            f"{plural(self.goals, 'goal')}, {plural(self.metrics, 'metric')} with "
            f"{plural(self.readings, 'reading')}, {plural(self.schedules, 'schedule')}, "
            f"{plural(self.checkins, 'check-in')}, {plural(self.team, 'team member')}, "
            f"{plural(self.innovation, 'innovation answer')}."
        )


def looks_like_json(name: str, data: bytes) -> bool:
    return name.lower().endswith(".json") or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def looks_like_csv(name: str) -> bool:
    return name.lower().endswith((".csv", ".tsv"))


# -- JSON -------------------------------------------------------------------------------------


def restore_json(
    *, session: Session, workspace_id: int, data: str | bytes, dry_run: bool = False
) -> RestoreReport:
    text = decode_bytes(data) if isinstance(data, bytes) else data
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise RestoreError(f"not JSON: {error.msg} at line {error.lineno}") from error
    if not isinstance(document, dict) or not {"roadmap", "goals"} <= set(document):
        raise RestoreError("not a roadmap export: expected the keys 'roadmap' and 'goals'")
    if document.get("format", JSON_FORMAT) != JSON_FORMAT:
        raise RestoreError(f"not a roadmap export (format {document.get('format')!r})")
    return restore_data(session, workspace_id, document, "JSON export", dry_run)


def restore_data(
    session: Session, workspace_id: int, data: dict, source: str, dry_run: bool
) -> RestoreReport:
    existing = session.scalar(
        select(func.count()).select_from(Goal).where(Goal.workspace_id == workspace_id)
    )
    if existing:
        raise RestoreError(
            f"this workspace already has {plural(existing, 'goal')}; a restore goes into a"
            " workspace without a roadmap (import a Markdown document to merge instead)"
        )
    savepoint = session.begin_nested()
    try:
        report = _Restorer(session, workspace_id, dry_run, source).run(data)
        session.flush()
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        savepoint.rollback()
        if isinstance(error, RestoreError):
            raise
        raise RestoreError(f"the export is incomplete or damaged ({_describe(error)})") from error
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    return report


def _describe(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing {error.args[0]!r}"
    return str(error)[:200] or type(error).__name__


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _time(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


MEASURED_BY = frozenset(MeasuredBy)
MAX_PARTNER_NAME = 255  # the column's size


class _Restorer:
    def __init__(self, session: Session, workspace_id: int, dry_run: bool, source: str):
        self.session, self.workspace_id, self.dry_run = session, workspace_id, dry_run
        self.source = source

    def row(self, model, **values):
        row = model(workspace_id=self.workspace_id, **values)
        self.session.add(row)
        return row

    def run(self, data: dict) -> RestoreReport:
        self.settings(data.get("workspace"))
        info = data.get("roadmap") or {}
        roadmap = self.session.scalar(
            select(Roadmap).where(Roadmap.workspace_id == self.workspace_id)
        )
        if roadmap is None:
            roadmap = self.row(Roadmap, name=info.get("name") or "Roadmap")
        roadmap.name = info.get("name") or "Roadmap"
        roadmap.subtitle, roadmap.year = info.get("subtitle"), info.get("year")
        self.session.flush()
        report = RestoreReport(self.dry_run, self.source, roadmap.name)
        periods = self.periods(roadmap, data, report)
        categories = self.categories(roadmap, data)
        metrics = self.metrics(data, report)
        goals = self.goals(roadmap, data, periods, categories, metrics, report)
        self.schedules(data, report)
        self.checkins(data, goals, report)
        report.team = restore_team(self.session, self.workspace_id, data.get("team") or [])
        report.innovation = restore_innovation(
            self.session, self.workspace_id, data.get("innovation") or []
        )
        if not self.dry_run:
            self.row(AuditEntry, actor="cli", action="roadmap.restore", target=roadmap.name)
        return report

    def settings(self, info: dict | None) -> None:
        if not info:
            return
        workspace = self.session.get(Workspace, self.workspace_id)
        assert workspace is not None
        workspace.name = info.get("name") or workspace.name
        workspace.timezone = info.get("timezone") or workspace.timezone
        workspace.holiday_region = info.get("holiday_region")
        workspace.roadmap_channel_id = info.get("roadmap_channel")
        workspace.admin_user_ids = list(info.get("admins") or [])
        workspace.settings = dict(info.get("settings") or {})

    def periods(self, roadmap: Roadmap, data: dict, report: RestoreReport) -> dict[str, Period]:
        self.session.execute(delete(Period).where(Period.workspace_id == self.workspace_id))
        periods = {}
        for position, item in enumerate(data.get("periods") or []):
            periods[item["label"]] = self.row(
                Period,
                roadmap_id=roadmap.id,
                label=item["label"],
                start_date=_date(item["start"]),
                end_date=_date(item["end"]),
                theme=item.get("theme"),
                status=item.get("status"),
                position=position,
            )
        report.periods = len(periods)
        return periods

    def categories(self, roadmap: Roadmap, data: dict) -> dict[str, Category]:
        self.session.execute(delete(Category).where(Category.workspace_id == self.workspace_id))
        names = list(data.get("categories") or [])
        names += [g["category"] for g in data["goals"] if g["category"] not in names]
        return {
            name: self.row(Category, roadmap_id=roadmap.id, name=name, position=position)
            for position, name in enumerate(dict.fromkeys(names))
        }

    def metrics(self, data: dict, report: RestoreReport) -> dict[str, Metric]:
        self.session.execute(delete(Metric).where(Metric.workspace_id == self.workspace_id))
        metrics: dict[str, Metric] = {}
        for position, item in enumerate(data.get("metrics") or []):
            key = item.get("key") or metric_key(item["name"])
            metric = self.row(
                Metric,
                key=key,
                name=item["name"],
                aliases=list(item.get("aliases") or []),
                kind=item.get("kind") or "technical",
                text=item.get("text"),
                baseline=item.get("baseline"),
                target=item.get("target"),
                comparator=item.get("comparator"),
                unit=item.get("unit"),
                qualifier=item.get("qualifier"),
                cadence=item.get("cadence"),
                typed=item.get("typed", True),
                archived=item.get("archived", False),
                position=position,
            )
            if item.get("measured_by") in MEASURED_BY:  # else chosen from its name
                metric.measured_by = item["measured_by"]
                metric.measured_by_guessed = bool(item.get("measured_by_guessed"))
            metrics[key] = metrics[item["name"]] = metric
            self.session.flush()
            for reading in item.get("readings") or []:
                self.row(
                    MetricReading,
                    metric_id=metric.id,
                    value=float(reading["value"]),
                    recorded_at=_time(reading.get("at")),
                    source=reading.get("source") or "import",
                    user_id=reading.get("user"),
                    note=reading.get("note"),
                )
                report.readings += 1
        report.metrics = len(data.get("metrics") or [])
        return metrics

    def goals(self, roadmap, data, periods, categories, metrics, report) -> dict[str, Goal]:
        self.session.flush()
        goals: dict[str, Goal] = {}
        for position, item in enumerate(data["goals"]):
            ref = str(item["ref"])
            if ref[:1] not in "Gg" or not ref[1:].isdigit() or ref.upper() in goals:
                raise RestoreError(f"goal ref {ref!r} is not a unique G-number")
            if item["period"] not in periods:
                raise RestoreError(f"goal {ref} names period {item['period']!r}, not listed")
            title = str(item["title"])[:MAX_TITLE]
            target = item.get("target") or {}
            metric = metrics.get(target.get("metric") or "")
            goal = self.row(
                Goal,
                roadmap_id=roadmap.id,
                number=int(ref[1:]),
                period_id=periods[item["period"]].id,
                category_id=categories[item["category"]].id,
                title=title,
                normalized_title=normalize_title(title),
                status=item.get("status") or "not-started",
                status_note=item.get("status_note"),
                progress=int(item.get("progress") or 0),
                due_date=_date(item.get("due")),
                archived=bool(item.get("archived", False)),
                created_by=item.get("created_by"),
                position=position,
                metric_id=metric.id if metric is not None else None,
                target_value=target.get("value"),
                target_comparator=target.get("comparator"),
                target_unit=target.get("unit"),
                target_kind=target.get("kind"),
            )
            goal.owners = [
                GoalOwner(workspace_id=self.workspace_id, owner=owner, position=index)
                for index, owner in enumerate(dict.fromkeys(item.get("owners") or []))
            ]
            goals[ref.upper()] = goal
        self.session.flush()
        for item in data["goals"]:
            self.partners(goals[str(item["ref"]).upper()], item.get("partners") or [])
        report.goals = len(goals)
        return goals

    def partners(self, goal: Goal, partners: list[dict]) -> None:
        """A goal's partner teams (issue 20): user groups with their ids, other teams by name."""
        seen: set[str] = set()
        for item in partners:
            name = " ".join(str(item["name"]).split())[:MAX_PARTNER_NAME]
            if not name or name.casefold() in seen:
                continue
            seen.add(name.casefold())
            group = item.get("usergroup")
            self.row(
                GoalPartner,
                goal_id=goal.id,
                name=name,
                usergroup_id=str(group)[:32] if group else None,
                position=len(seen) - 1,
            )

    def schedules(self, data: dict, report: RestoreReport) -> None:
        if "schedules" not in data:
            return
        # The workspace's default schedules give way to the exported ones.
        self.session.execute(delete(Schedule).where(Schedule.workspace_id == self.workspace_id))
        for item in data["schedules"]:
            self.row(
                Schedule,
                kind=item["kind"],
                rule=item["rule"],
                cron=item.get("cron"),
                timezone=item.get("timezone"),
                channel_id=item.get("channel"),
                enabled=item.get("enabled", True),
                paused_reason=item.get("paused_reason"),
                text=item.get("text"),
                options=dict(item.get("options") or {}),
                holiday_policy=item.get("holiday_policy") or "none",
                source=item.get("source") or "import",
                created_by=item.get("created_by"),
            )
            report.schedules += 1

    def checkins(self, data: dict, goals: dict[str, Goal], report: RestoreReport) -> None:
        self.session.flush()
        for item in data.get("checkins") or []:
            goal = goals.get(str(item.get("goal") or "").upper())
            if goal is None:
                raise RestoreError(f"a check-in names goal {item.get('goal')!r}, not listed")
            created = _time(item.get("created") or item.get("at"))
            self.row(
                Checkin,
                goal_id=goal.id,
                cycle=item["cycle"],
                user_id=item["user"],
                status=item.get("status"),
                progress=item.get("progress"),
                note=item.get("note"),
                source=item.get("source") or "import",
                reaction=item.get("reaction"),
                previous_status=item.get("previous_status"),
                previous_progress=item.get("previous_progress"),
                created_at=created,
                updated_at=_time(item.get("at")),
            )
            report.checkins += 1
