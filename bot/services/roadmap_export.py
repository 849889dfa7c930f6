"""Export a workspace's roadmap as Markdown (re-importable), JSON or CSV."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services import people
from bot.services.errors import ServiceError
from bot.services.partners import Partner, annotation, partners_of
from bot.services.roadmap_document import (
    GoalTarget,
    ParsedCategory,
    ParsedGoal,
    ParsedMetric,
    ParsedPeriod,
    ParsedRoadmap,
    render_markdown,
)
from bot.services.roadmap_team_export import (
    TeamSnapshot,
    innovation_json,
    load_team,
    team_json,
)
from models import (
    Category,
    Checkin,
    Goal,
    Metric,
    MetricReading,
    Period,
    Roadmap,
    Schedule,
    Workspace,
)

JSON_FORMAT = "roadmap-bot"
JSON_VERSION = 2

FORMATS = ("md", "json", "csv")
MEDIA_TYPES = {"md": "text/markdown", "json": "application/json", "csv": "text/csv"}


class ExportError(ServiceError):
    """Nothing to export, or an unknown format: the person is told why (no traceback)."""


@dataclass(frozen=True)
class Snapshot:
    """Everything an export shows, loaded with a fixed number of queries."""

    roadmap: Roadmap | None
    periods: list[Period]
    categories: dict[int, Category]
    goals: list[Goal]
    metrics: list[Metric]
    readings: dict[int, list[MetricReading]]
    schedules: list[Schedule]
    checkins: list[Checkin]
    workspace: Workspace | None = None
    handles: dict[str, str] = field(default_factory=dict)  # owner id → "@handle"
    partners: dict[int, list[Partner]] = field(default_factory=dict)  # goal id → partner teams
    team: TeamSnapshot = field(default_factory=TeamSnapshot)  # the roster, innovation answers

    def owner_text(self, owner: str) -> str:
        """An owner as a document names them: `@handle`, so it re-imports to the same person
        (an id the bot cannot name stays an id; a name that matched nobody stays the name)."""
        return self.handles.get(owner, owner)


def load_snapshot(*, session: Session, workspace_id: int, include_archived: bool = False):
    roadmap = session.scalar(
        select(Roadmap).where(Roadmap.workspace_id == workspace_id).order_by(Roadmap.id)
    )
    periods = list(
        session.scalars(
            select(Period)
            .where(Period.workspace_id == workspace_id)
            .order_by(Period.position, Period.start_date)
        )
    )
    categories = {
        c.id: c
        for c in session.scalars(select(Category).where(Category.workspace_id == workspace_id))
    }
    goal_query = select(Goal).where(Goal.workspace_id == workspace_id)
    if not include_archived:
        goal_query = goal_query.where(Goal.archived.is_(False))
    goals = list(session.scalars(goal_query.order_by(Goal.position, Goal.number)))
    metrics = list(
        session.scalars(
            select(Metric).where(Metric.workspace_id == workspace_id).order_by(Metric.position)
        )
    )
    readings: dict[int, list[MetricReading]] = {}
    for reading in session.scalars(
        select(MetricReading)
        .where(MetricReading.workspace_id == workspace_id)
        .order_by(MetricReading.recorded_at, MetricReading.id)
    ):
        readings.setdefault(reading.metric_id, []).append(reading)
    schedules = list(
        session.scalars(
            select(Schedule).where(Schedule.workspace_id == workspace_id).order_by(Schedule.id)
        )
    )
    checkins = list(
        session.scalars(
            select(Checkin)
            .where(Checkin.workspace_id == workspace_id, Checkin.retracted_at.is_(None))
            .order_by(Checkin.created_at, Checkin.id)
        )
    )
    owners = {o.owner for g in goals for o in g.owners}
    handles = people.handles(session, workspace_id, owners)
    workspace = session.get(Workspace, workspace_id)
    return Snapshot(
        roadmap,
        periods,
        categories,
        goals,
        metrics,
        readings,
        schedules,
        checkins,
        workspace=workspace,
        handles=handles,
        partners=partners_of(session, [g.id for g in goals]),
        team=load_team(session, workspace_id),
    )


def export_roadmap(*, session: Session, workspace_id: int, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    snapshot = load_snapshot(
        session=session, workspace_id=workspace_id, include_archived=fmt == "json"
    )
    if snapshot.roadmap is None and not snapshot.goals:
        raise ExportError(
            "This workspace has no roadmap yet, so there is nothing to export. "
            "Import one first with `/roadmap import`."
        )
    from bot.services.roadmap_csv_export import to_csv  # it reads the snapshot's shape

    return {"md": to_markdown, "json": to_json, "csv": to_csv}[fmt](snapshot)


def to_document(snapshot: Snapshot) -> ParsedRoadmap:
    metric_keys = {m.id: m.key for m in snapshot.metrics}
    periods = []
    for period in snapshot.periods:
        by_category: dict[int, ParsedCategory] = {}
        for goal in (g for g in snapshot.goals if g.period_id == period.id and not g.archived):
            category = snapshot.categories[goal.category_id]
            parsed_category = by_category.setdefault(
                category.id, ParsedCategory(name=category.name, line=0)
            )
            parsed = _goal_document(goal, metric_keys, snapshot)
            if period.status and goal.status == "not-started":
                parsed.status = goal.status  # else the period's status would be its default
            parsed_category.goals.append(parsed)
        ordered = sorted(by_category.values(), key=lambda c: _category_position(snapshot, c.name))
        periods.append(
            ParsedPeriod(
                label=period.label,
                start=period.start_date,
                end=period.end_date,
                line=0,
                categories=ordered,
                theme=period.theme,
                status=period.status,
            )
        )
    roadmap = snapshot.roadmap
    return ParsedRoadmap(
        title=roadmap.name if roadmap else None,
        subtitle=roadmap.subtitle if roadmap else None,
        year=roadmap.year if roadmap else None,
        periods=periods,
        metrics=[_metric_document(m) for m in snapshot.metrics],
    )


def _category_position(snapshot: Snapshot, name: str) -> int:
    for category in snapshot.categories.values():
        if category.name == name:
            return category.position
    return 0


def _goal_document(goal: Goal, metric_keys: dict[int, str], snapshot: Snapshot) -> ParsedGoal:
    target = None
    if goal.target_value is not None and goal.target_comparator and goal.target_kind:
        target = GoalTarget(
            value=goal.target_value,
            comparator=goal.target_comparator,
            unit=goal.target_unit,
            kind=goal.target_kind,
            metric=metric_keys.get(goal.metric_id) if goal.metric_id else None,
        )
    return ParsedGoal(
        title=goal.title + annotation(snapshot.partners.get(goal.id, [])),
        line=0,
        owners=[snapshot.owner_text(o.owner) for o in goal.owners],
        status=None if goal.status == "not-started" else goal.status,
        due=goal.due_date,
        progress=goal.progress or None,
        target=target,
    )


def _metric_document(metric: Metric) -> ParsedMetric:
    return ParsedMetric(
        name=metric.name,
        key=metric.key,
        aliases=list(metric.aliases or []),
        kind=metric.kind,
        text=metric.text or "",
        baseline=metric.baseline,
        target=metric.target,
        comparator=metric.comparator,
        unit=metric.unit,
        cadence=metric.cadence,
        qualifier=metric.qualifier,
        typed=metric.typed,
        line=0,
    )


def to_markdown(snapshot: Snapshot) -> str:
    return render_markdown(to_document(snapshot))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def to_json(snapshot: Snapshot) -> str:
    """Everything a restore needs (python -m bot import FILE.json), in a stable order."""
    periods = {p.id: p for p in snapshot.periods}
    refs = {g.id: g.ref for g in snapshot.goals}
    metric_keys = {m.id: m.key for m in snapshot.metrics}
    roadmap, workspace = snapshot.roadmap, snapshot.workspace
    data = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "workspace": {
            "name": workspace.name,
            "timezone": workspace.timezone,
            "holiday_region": workspace.holiday_region,
            "roadmap_channel": workspace.roadmap_channel_id,
            "admins": list(workspace.admin_user_ids or []),
            "settings": dict(workspace.settings or {}),
        }
        if workspace is not None
        else None,
        "roadmap": {
            "name": roadmap.name if roadmap else None,
            "subtitle": roadmap.subtitle if roadmap else None,
            "year": roadmap.year if roadmap else None,
        },
        "periods": [
            {
                "label": p.label,
                "start": p.start_date.isoformat(),
                "end": p.end_date.isoformat(),
                "theme": p.theme,
                "status": p.status,
            }
            for p in snapshot.periods
        ],
        "categories": [
            c.name for c in sorted(snapshot.categories.values(), key=lambda c: (c.position, c.id))
        ],
        "goals": [
            {
                "ref": g.ref,
                "title": g.title,
                "period": periods[g.period_id].label,
                "category": snapshot.categories[g.category_id].name,
                "status": g.status,
                "status_note": g.status_note,
                "progress": g.progress,
                "owners": [o.owner for o in g.owners],
                "owner_handles": [snapshot.owner_text(o.owner) for o in g.owners],
                "due": _iso(g.due_date),
                "archived": g.archived,
                "created_by": g.created_by,
                "target": target_json(g, metric_keys),
                "partners": [
                    {"name": p.name, "usergroup": p.usergroup_id}
                    for p in snapshot.partners.get(g.id, [])
                ],
            }
            for g in snapshot.goals
        ],
        "metrics": [
            {
                "name": m.name,
                "key": m.key,
                "aliases": list(m.aliases or []),
                "kind": m.kind,
                "text": m.text,
                "baseline": m.baseline,
                "target": m.target,
                "comparator": m.comparator,
                "unit": m.unit,
                "qualifier": m.qualifier,
                "cadence": m.cadence,
                "typed": m.typed,
                "archived": m.archived,
                "measured_by": m.measured_by,
                "measured_by_guessed": m.measured_by_guessed,
                "readings": [
                    {
                        "value": r.value,
                        "at": r.recorded_at.isoformat(),
                        "source": r.source,
                        "user": r.user_id,
                        "note": r.note,
                    }
                    for r in snapshot.readings.get(m.id, [])
                ],
            }
            for m in snapshot.metrics
        ],
        "schedules": [
            {
                "kind": s.kind,
                "rule": s.rule,
                "cron": s.cron,
                "timezone": s.timezone,
                "channel": s.channel_id,
                "enabled": s.enabled,
                "paused_reason": s.paused_reason,
                "text": s.text,
                "options": dict(s.options or {}),
                "holiday_policy": s.holiday_policy,
                "source": s.source,
                "created_by": s.created_by,
            }
            for s in snapshot.schedules
        ],
        "checkins": [
            {
                "goal": refs.get(c.goal_id),
                "cycle": c.cycle,
                "user": c.user_id,
                "status": c.status,
                "progress": c.progress,
                "note": c.note,
                "source": c.source,
                "reaction": c.reaction,
                "previous_status": c.previous_status,
                "previous_progress": c.previous_progress,
                "created": c.created_at.isoformat(),
                "at": c.updated_at.isoformat(),
            }
            for c in snapshot.checkins
            if c.goal_id in refs
        ],
        "team": team_json(snapshot.team),
        "innovation": innovation_json(snapshot.team),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def target_json(goal: Goal, metric_keys: dict[int, str]) -> dict | None:
    if goal.target_value is None:
        return None
    return {
        "metric": metric_keys.get(goal.metric_id) if goal.metric_id else None,
        "value": goal.target_value,
        "comparator": goal.target_comparator,
        "unit": goal.target_unit,
        "kind": goal.target_kind,
    }
